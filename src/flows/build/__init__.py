"""raw → rows → typed frames: reading the curation and turning it into tables.

  pipeline.py       the whole build in order: load → tables → validate → publish
  load.py           the curation files of data/raw/, read with their line numbers
  regular_files.py  input files opened without following links
  texts.py          archived source texts: where they are, their hash, quote matching form
  dates.py          EDTF strings → earliest/latest dates; list dates → ISO prefixes
  tables.py         rows → typed DataFrames (derived dates, text hashes, the records registry)
"""
