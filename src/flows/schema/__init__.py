"""The schema: one definition of every table and field, and what is generated from it.

  definition.py      the tables and fields (types, keys, enums, constraints, docs)
  constraints.py     each kind of constraint once: pandera check, SQL predicate, message, code
  pandera_models.py  the pandera models the build validates frames with
  dtypes.py          how each field type is stored in pandas, Arrow/Parquet, DuckDB, Table Schema
  ddl.py             the DuckDB DDL, the Parquet views and the question views (views/sql/views.sql)
"""
