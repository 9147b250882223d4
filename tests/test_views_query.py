"""flows.views.query: the published database opened read-only, with file and network access
disabled: no statement of `flows sql` changes a published file or reads or writes another."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli
from flows.publish.targets import sha256_file


@pytest.mark.parametrize("statement", [
    "CREATE TABLE x AS SELECT 1",
    "DROP VIEW timeline",
    "DELETE FROM claims",
    "INSERT INTO actors (actor_id, name, actor_type) VALUES ('actor/x', 'x', 'state')",
    "COPY claims TO '/tmp/flows-exfiltrated.csv'",
    "ATTACH '/tmp/flows-other.duckdb' AS other",
    "SET enable_external_access = true",
    "SELECT * FROM read_csv('/etc/passwd')",
    "INSTALL httpfs",
])
def test_sql_is_read_only(built: Path, statement: str):
    before = sha256_file(built / "data/processed/flows.duckdb")
    code, _, stderr = run_cli("sql", statement, "--root", str(built))
    assert code == 1, stderr
    assert stderr.startswith("error:")
    assert sha256_file(built / "data/processed/flows.duckdb") == before
    assert not Path("/tmp/flows-exfiltrated.csv").exists()
    code, out, _ = run_cli("sql", "SELECT count(*) AS n FROM timeline", "--root", str(built), "--format", "csv")
    assert code == 0 and int(out.splitlines()[1]) > 0
