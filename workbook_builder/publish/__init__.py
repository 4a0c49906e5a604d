"""Publishing: the annual report document made from a checked workbook's trusted values.

`model` turns the template's `document:` section and a `FileResult`'s values into a `Document`; the
formats (docx, HTML, PDF) lay it out; the read-back compares what was written with the values.
"""
