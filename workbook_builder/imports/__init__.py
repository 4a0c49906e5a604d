"""Published reports (text, HTML, docx, PDF) read into a template's data points, then checked.

`read` turns untrusted bytes into a `Source` (paragraphs and table grids); `match` finds the template's
tables, rows and figures in it (a `Reading`, every cell with a status); `published` checks a reading
with the template's rules and the published-report checks; `report` is the order of those stages for
one file (`import_report`, `check_report`).
"""
