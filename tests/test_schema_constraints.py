"""flows.schema.constraints: one constraint object per schema constraint gives the build's pandera
check and the check's SQL predicate, and the two refuse exactly the same values."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from flows.rules.validate import _field_rules
from flows.schema.definition import TABLES, table_fields
from flows.schema.pandera_models import _checks


def _verdicts(f, values: list[str]) -> tuple[list[bool], list[bool]]:
    """Whether the build's model and the check's SQL each refuse each value of field f."""
    series = pd.Series(values, dtype="string")
    model = [False] * len(values)
    for check in _checks(f):
        passed = check(series).check_output if hasattr(check(series), "check_output") else check(series)
        model = [m or not bool(p) for m, p in zip(model, list(passed))]
    table = next(t for t in TABLES.values() if f.name in t.fields and f.name not in t.foreign_keys)
    rules = [r for r in _field_rules(table.name, set()) if r.field == f.name]
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT unnest(?::VARCHAR[]) AS {f.name}", [values])
    condition = " OR ".join(f"coalesce({r.condition}, false)" for r in rules)
    sql = [bool(v) for (v,) in con.execute(f"SELECT {condition} FROM t").fetchall()]
    return model, sql


HOSTILE_STRINGS = ["abc\n", "IR\n", "IR", "actor/iran", "actor/iran\n", "\nactor/iran", "actor/iran ",
                   "https://example.org/x", "https://example.org/\u00a0x", "https://example.org/x\n",
                   "https://ex.org/\u2028", "https://a\x0bb", "https://a\x1cb", "\x0b", "TASS\x0bsaid", "texts/a.txt", "texts/a.txt\n", "NPWMD; IFSR", "NPWMD; IFSR\n",
                   "", " ", "\t", "\u00a0", "\u3000", "TASS said", "TASS sai", " T A S S s a i ",
                   "TASS\u00a0said", "Ünïcödé text", "en", "EN", "e\u0301", "a" * 300]


# A foreign key's pattern is its target key's (tests/test_schema_definition.py), tested on the key itself.
_OWN_RULES = sorted({f.name for t in TABLES.values() for f in table_fields(t)
                     if (f.pattern or f.fewest_chars) and f.name not in t.foreign_keys})


@pytest.mark.parametrize("name", _OWN_RULES)
def test_model_and_sql_give_the_same_verdict(name: str):
    """Field by field, the pandera model (build) and the SQL rules (check) refuse exactly the
    same values: patterns and the non-blank minimum, on hostile strings."""
    f = next(tf for t in TABLES.values() for tf in table_fields(t) if tf.name == name)
    model, sql = _verdicts(f, HOSTILE_STRINGS)
    assert model == sql, [v for v, m, s in zip(HOSTILE_STRINGS, model, sql) if m != s]
    assert any(model), "at least one hostile string is refused"
