"""What is made from a published package for other tools and readers.

  report.py    the static HTML report (templates/report.html.j2)
  csv_package.py  every table as CSV with its own datapackage.json (`flows export csv`)
  ftm.py       FollowTheMoney entities (`flows export ftm`)
  diff.py      what changed between two builds (`flows diff`)
"""
