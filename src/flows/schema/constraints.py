r"""The rules on one value of a field, each defined once: its problem code, its message, the
pandera check the build runs on its frames (flows.schema.pandera_models) and the SQL predicate `flows check`
runs in DuckDB on the published Parquet files (flows.rules.validate). Both must agree on every value:
patterns match the whole value (DuckDB's regexp_full_match; Python's `re.match` with `$` would
accept a trailing newline) with ASCII classes (RE2's `\s`, `\d`, `\w`).

Adding a kind of constraint is one class here and one line in `field_constraints`. pandera is
imported only when a check is made: `flows check` never imports pandas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from flows.schema.definition import Field

if TYPE_CHECKING:
    import pandera.pandas as pa


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# Python's whitespace (str.isspace, as flows.build.texts.normalise folds the archived texts); RE2's
# `\s` is ASCII only, so a quote with a no-break space would otherwise not be found.
NOT_SPACE_WHITESPACE = ("\\t\\n\\x{0B}\\f\\r\\x{1C}-\\x{1F}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
                        "\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}")
WHITESPACE = f"[ {NOT_SPACE_WHITESPACE}]"
NOT_WHITESPACE = f"[^ {NOT_SPACE_WHITESPACE}]"


class Constraint:
    """One rule on the values of a field. `error` follows the offending value in a problem's
    message; `violated(column)` is SQL that is true on an offending row."""

    code: ClassVar[str]

    @property
    def error(self) -> str:
        raise NotImplementedError

    def violated(self, column: str) -> str:
        raise NotImplementedError

    def pandera_check(self) -> pa.Check:
        raise NotImplementedError

    def message(self, value: object) -> str:
        return f"{value!r} {self.error}"


@dataclass(frozen=True)
class Required(Constraint):
    """A value is present. pandera tests it as the column's `nullable=False`, not as a check."""

    code: ClassVar[str] = "required"
    error: ClassVar[str] = "required value missing"  # type: ignore[misc]

    def violated(self, column: str) -> str:
        return f"{column} IS NULL"

    def message(self, value: object) -> str:
        return self.error


@dataclass(frozen=True)
class OneOf(Constraint):
    values: tuple[str, ...]
    code: ClassVar[str] = "enum"

    @property
    def error(self) -> str:
        return f"is not one of: {', '.join(self.values)}"

    def violated(self, column: str) -> str:
        return f"{column} NOT IN ({', '.join(sql_string(v) for v in self.values)})"

    def pandera_check(self) -> pa.Check:
        import pandera.pandas as pa

        return pa.Check.isin(list(self.values), error=self.error)


@dataclass(frozen=True)
class FullMatch(Constraint):
    pattern: str
    code: ClassVar[str] = "pattern"

    @property
    def error(self) -> str:
        return f"does not match the pattern {self.pattern}"

    def violated(self, column: str) -> str:
        return f"NOT regexp_full_match({column}, {sql_string(self.pattern)})"

    def pandera_check(self) -> pa.Check:
        import pandera.pandas as pa

        pattern = self.pattern
        return pa.Check(lambda s: s.str.fullmatch(pattern, flags=re.ASCII).astype(bool),
                        name="str_full_match", error=self.error)


@dataclass(frozen=True)
class AtLeast(Constraint):
    minimum: int | float
    code: ClassVar[str] = "minimum"

    @property
    def error(self) -> str:
        return f"is below the minimum {self.minimum}"

    def violated(self, column: str) -> str:
        return f"{column} < {self.minimum}"

    def pandera_check(self) -> pa.Check:
        import pandera.pandas as pa

        return pa.Check.ge(self.minimum, error=self.error)


@dataclass(frozen=True)
class FewestChars(Constraint):
    """At least `fewest` characters other than whitespace (Python's str.isspace whitespace),
    with any whitespace between them: both searches stop at the first `fewest` characters."""

    fewest: int
    code: ClassVar[str] = "too_short"

    @property
    def error(self) -> str:
        if self.fewest == 1:
            return "is empty or only whitespace: a required value needs a character other than whitespace"
        return f"holds fewer than {self.fewest} characters other than whitespace: too short to be evidence"

    def violated(self, column: str) -> str:
        chars = sql_string(f"({NOT_WHITESPACE}{WHITESPACE}*){{{self.fewest}}}")
        return f"NOT regexp_matches({column}, {chars})"

    def pandera_check(self) -> pa.Check:
        import pandera.pandas as pa

        chars = rf"(?:\S\s*){{{self.fewest}}}"
        return pa.Check(lambda s: s.str.contains(chars, regex=True).astype(bool),
                        name="fewest_chars", error=self.error)


def field_constraints(f: Field) -> list[Constraint]:
    """The constraints a field's definition gives, other than `Required` (see `required`), in
    the order problems are reported."""
    out: list[Constraint] = []
    if f.enum:
        out.append(OneOf(f.enum))
    if f.pattern:
        out.append(FullMatch(f.pattern))
    if f.minimum is not None:
        out.append(AtLeast(f.minimum))
    if f.fewest_chars is not None:
        out.append(FewestChars(f.fewest_chars))
    return out


REQUIRED = Required()
