"""The byte/XML level of .xlsx packages, shared by the reader and the annotator: `refs` (A1
addressing), `xml` (the one door to defusedxml, encodings), `package` (parts, relationships,
content types, writing a changed copy), `splice` (byte-preserving XML edits)."""
