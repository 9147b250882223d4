"""flows: arms and military-support flows between states, and the sanctions that answer them.

    import flows
    flows.read("transfers")        # a published table as a pandas DataFrame
    con = flows.connect()          # read-only DuckDB with the tables and views
    flows.record("Geran-2")        # one record (by id, name or alias) with its claims
    flows.find("shahed")           # records whose id, label or alias contains the text

`import flows` alone loads neither pandas nor DuckDB: the functions import them when called.
"""

from typing import Any

__all__ = ["read", "connect", "record", "find", "data_root", "data_version"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from flows import api

        return getattr(api, name)
    raise AttributeError(f"module 'flows' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
