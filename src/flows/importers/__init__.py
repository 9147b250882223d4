"""Importers of official sanctions lists into curation files under `data/raw/`.

A list is one parser module and one mapping file (lists/<key>.yaml); the rest is shared.
One job per module:
  lists/*.yaml  one mapping file per list: key, command, parser, authority, metadata, reference form
  registry.py   the mapping files read and checked; which list a path is a release of
  release.py    what the framework needs of a parser (the ListRelease protocol)
  model.py      what a list entry is once read (values, each with the list row it comes from)
  ofac.py       OFAC's legacy CSV files (sdn.csv, add.csv, alt.csv), streamed
  un.py         the UN Security Council consolidated list XML, streamed
  eu.py         the EU Financial Sanctions Files XML (FSF 1.1): what each sanctionEntity gives
  xml_stream.py a namespaced list XML streamed one entry at a time, each element verbatim with its line
  uk.py         the UK lists: OFSI's ConList (CSV, XLSX) and the FCDO's UK Sanctions List (ODS)
  sheets.py     the rows of a CSV, XLSX or ODS file, each with its verbatim text
  select.py     which entries enter: by programme tag, by the "Linked To" graph around seeds
  identity.py   whether an entry is an actor the project already has (and on what basis)
  decisions.py  the actor of every entry: a curator's decision, identity, or a new actor
  records.py    the actor, designation and link records an import writes (its own actors and
                designations backed by their list entries: the build makes them)
  claims.py     the claims on them, each citing the list rows it rests on (those that follow
                from an entry alone made by the build too)
  yaml_lines.py the import's files written fast, one record a line
  changes.py    what changed since the last import, and the import's report
  archive.py    the archived text of a release: the rows read, verbatim; read back into
                entries by the list's parser (`archived_entries`)
  write.py      an import from entries to files: the orchestrator
  files.py      writing them all or none, never over a curator's uncommitted edits
  inputs.py     what an import reads, as one digest: an unchanged re-import has nothing to do
  against.py    `flows check --against-list`: the designations compared with a release
"""
