"""What is made from a published package for other tools and readers.

  report.py    the static HTML report (templates/report.html.j2)
  export.py    the CSV package and the FollowTheMoney file
  diff.py      what changed between two builds (`flows diff`)
"""
