"""Every rule the data must pass, and the checks of what was published.

  validate.py    the build's rules: pandera per table, then rules across tables in DuckDB
  check.py       `flows check`: every published byte against what the build would publish, then
                 warnings of conflicting claimed values
  date_rules.py  `flows check` of published EDTF strings and their derived dates
  coverage.py    which paragraphs of archived articles, and which pointers of pointer files, claims cite
  pointers.py    the pointers of a pointer file, and the pointer a claim's locator names
"""
