"""Pure checks over (layout, extracted workbook, recomputed values) → findings."""
