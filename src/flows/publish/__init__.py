"""tables → the published package, atomically, and the files that describe it.

  release.py     staging, the journal, the atomic swap, recovery of an interrupted publish
  lock.py        the advisory locks that keep builds and readers apart
  targets.py     files written under a temporary name and moved over their target whole
  descriptor.py  datapackage.json, from the schema and data/raw/package.yaml
  readme.py      the README's generated sections (data dictionary, contents)
  dbdigest.py    digests of flows.duckdb, written at publish and verified by `flows check`
"""
