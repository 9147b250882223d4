"""Importers of official sanctions lists into curation files under `data/raw/`.

One job per module:
  model.py      what a list entry is once read (values, each with the list row it comes from)
  ofac.py       OFAC's legacy CSV files (sdn.csv, add.csv, alt.csv), streamed
  un.py         the UN Security Council consolidated list XML, streamed
  eu.py         the EU Financial Sanctions Files XML (FSF 1.1): what each sanctionEntity gives
  xml_stream.py a namespaced list XML streamed one entry at a time, each element verbatim with its line
  uk.py         the UK lists: OFSI's ConList (CSV, XLSX) and the FCDO's UK Sanctions List (ODS)
  sheets.py     the rows of a CSV, XLSX or ODS file, each with its verbatim text
  select.py     which entries enter: by programme tag, by the "Linked To" graph around seeds
  identity.py   whether an entry is an actor the project already has (and on what basis)
  write.py      the curation files an import writes, and what changed since the last import
  files.py      writing them all or none, never over a curator's uncommitted edits
  against.py    `flows check --against-list`: the designations compared with a release
"""
