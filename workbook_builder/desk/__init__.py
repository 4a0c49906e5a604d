"""The desk: a local web page (`workbook-builder serve`) for people who never open a terminal.

A skin over the API, as thin as the CLI: Starlette lives only in `app.py`, uvicorn only in `serve.py`;
the page handlers know no web framework."""
