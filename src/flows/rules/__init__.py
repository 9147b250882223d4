"""Every rule the data must pass, and the checks of what was published.

  validate.py    the build's rules: pandera per table, then rules across tables in DuckDB
  check.py       `flows check`: every published byte against what the build would publish
  date_rules.py  `flows check` of published EDTF strings and their derived dates
  coverage.py    which paragraphs of archived articles claims cite
"""
