"""workbook_builder: locked annual-report workbooks built from a declarative template, and a checker."""

__version__ = "0.1.0"
