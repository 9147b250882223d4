"""Reading the published package: SQL over the tables and the question views.

  sql/views.sql  the question-answering views (a template the build fills from the schema)
  query.py       read-only DuckDB connections over the published tables and views
  show.py        one record with its evidence and links (`flows show`)
"""
