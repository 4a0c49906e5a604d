"""Reading caps for published reports: a hostile or absurd file is refused, never read without bound.

An honest annual report is a few pages, a few hundred kilobytes and three tables of about 200 cells;
the caps leave room for a city's report with attachments (a 30-page PDF of scans and charts) and still
bound time and memory per file, so one bad file in a folder never stops the batch.
"""

from __future__ import annotations

MiB = 1 << 20

MAX_BYTES = 30 * MiB  # the file itself, checked before any byte is read
MAX_PAGES = 300  # PDF pages
MAX_SECONDS = 60.0  # time per file, checked between PDF pages
MAX_DEPTH = 200  # HTML element nesting (real CMS pages nest about 30 deep)
MAX_CELLS = 50_000  # table cells over the whole file, spans counted as the slots they cover
MAX_SPAN = 1000  # a rowspan/colspan beyond this is clamped, as browsers clamp colspan
MAX_STREAM_BYTES = 64 * MiB  # one PDF stream inflated (a scanned A4 page at 300 dpi is about 26 MB)
MAX_CHARS = 1_000_000  # characters read from the file: a 300-page report is about 450,000; matching costs ~5 µs each
