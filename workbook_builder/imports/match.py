"""A published report's blocks read into a template's data points: `read_report`.

The order: the stream of units (tokens), the title (identity), the template the report is written
in, its section headings, then each table's rows inside its section (rows), each row's tokens made
into its columns — as printed when they fit, by the template's arithmetic when they do not (split),
ambiguous otherwise. Never a guess: every data point gets a status, and only "value" carries a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..findings import Code, Finding, make
from ..template.registry import Template
from . import labels as labels_mod
from .identity import choose_template, find_title, year_fits
from .labels import RowModel, SectionModel, TableModel
from .model import CellRead, Reading
from .rows import find_heading_anywhere, find_headings, find_label, find_row, last_run, mixed_lines, row_tokens
from .source import Para, Source, Where
from .split import identities, resolve_row
from .tokens import (
    BLANK,
    CHAR,
    NUMBER,
    OTHER,
    SLASH,
    TOKENS,
    Stream,
    Unit,
    build_stream,
    is_page_mark,
    normalise,
    number,
    one_cell,
)


@dataclass
class _Row:
    """A row found in the report, before its tokens are made into cells."""

    table: TableModel
    row: RowModel
    tokens: list[Unit]
    where: Where
    exact_cells: bool  # the source gives cell positions (a grid, the one-cell-per-line shape)
    wording: str = ""  # the wording the row was found by (the label, or an older one)
    several: bool = False  # a table without row labels whose region holds several runs of figures
    end: int = 0  # the unit the row's span ends at
    mixed: bool = False  # text without cell positions whose figures stand on several lines (rows.mixed_lines)
    cells: dict[str, CellRead] = field(default_factory=dict)


def read_report(source: Source, templates: Sequence[Template], unit: str | None = None,
                year: int | None = None) -> Reading:
    """Read a report against the templates it may be written in; the best-fitting one is used and
    named in `Reading.template_id` (a 2021-year report best read as 2019 gets published-old-format)."""
    if not templates:
        raise ValueError("read_report needs at least one template")
    stream = build_stream(source)
    first = labels_mod.sections(templates[0])
    title, title_unit, title_year = find_title(source, normalise(first[0].heading) if first else "")
    year = year if year is not None else title_year
    unit = unit if unit is not None else title_unit
    template, _ = choose_template(_table_text(stream, first), templates, year)
    findings: list[Finding] = []
    if unit is None:
        findings.append(make(Code.IMPORT_IDENTITY, "unit"))
    if year is None:
        findings.append(make(Code.IMPORT_IDENTITY, "year"))
    findings.extend(_old_layout(template, templates, year))
    sections = labels_mod.sections(template)
    heads = find_headings(stream, sections)
    cells: dict[str, CellRead] = {}
    rows: list[_Row] = []
    tables_found = 0
    all_tables: list[TableModel] = []
    for k, section in enumerate(sections):
        if not section.tables:
            continue
        lo, hi = _region(heads, k, len(stream.units))
        if heads[k] is None:
            # without its heading a section is looked for after what the sections before it used
            lo = max([lo] + [r.end for r in rows])
        found, missing = _read_section(stream, section, lo, hi, rows, heads[k] is not None)
        tables_found += found
        all_tables.extend(section.tables)
        findings.extend(missing)
    if not any(u.kind in (CHAR, *TOKENS) for u in stream.units):
        findings = [make(Code.IMPORT_NOT_A_REPORT, "empty")]
    elif tables_found == 0 and all_tables:
        # not a report at all: its rows and its title are not worth a finding each
        findings = [f for f in findings if f.code not in (Code.IMPORT_ROW_MISSING, Code.IMPORT_IDENTITY)]
        findings.append(make(Code.IMPORT_NOT_A_REPORT, "no-tables", expected=all_tables[0].name))
    _make_cells(rows, template, findings)
    for r in rows:
        cells.update(r.cells)
        findings.extend(_old_label(r))
    for table in all_tables:
        for row in table.rows:
            for dp in row.datapoints:
                cells.setdefault(dp, CellRead("missing", where=_where_text(table, row, None)))
    prose = _prose(source, stream, sections, heads)
    # S1 judges the headings as printed: one out of the official order is looked for anywhere
    placed = [h if h is not None else find_heading_anywhere(stream, s, heads) for s, h in zip(sections, heads, strict=True)]
    printed = tuple(_heading_text(source, stream, h) for h in sorted(h for h in placed if h is not None))
    return Reading(template.spec.id, unit, year, cells, prose, printed, tuple(findings), title)


def _table_text(stream: Stream, first: tuple[SectionModel, ...]) -> str:
    """The label text the template is chosen by: the table sections' (found by the first template's
    headings), not the prose's. A 2021 report whose 总体情况 speaks of 政府集中采购 and 采购项目数量
    is not a 2019 one; the whole text where no table section's heading is found."""
    heads = find_headings(stream, first)
    spans = [_region(heads, k, len(stream.units)) for k, s in enumerate(first) if s.tables and heads[k] is not None]
    chars = "".join(stream.chars[a:b] for a, b in spans) if spans else stream.chars
    return chars.replace("\x00", "").replace("\n", "")


def _region(heads: list[tuple[int, int] | None], k: int, size: int) -> tuple[int, int]:
    """Units of section k: after its heading up to the next heading found (neighbours' headings
    when its own is missing; the whole text when none is found)."""
    if heads[k] is not None:
        lo = heads[k][1]  # type: ignore[index]
    else:
        lo = max((h[1] for h in heads[:k] if h is not None), default=0)
    hi = min((h[0] for h in heads[k + 1:] if h is not None), default=size)
    return lo, max(lo, hi)


def _read_section(stream: Stream, section: SectionModel, lo: int, hi: int, out: list[_Row],
                  headed: bool) -> tuple[int, list[Finding]]:
    """Find the section's tables (bands by their titles) and their rows, in order."""
    findings: list[Finding] = []
    # band titles first: each band ends where the next one's title starts
    starts: list[tuple[int, int] | None] = []
    cursor = lo
    for table in section.tables:
        hit = find_label(stream, normalise(table.title), cursor, hi) if table.title else None
        starts.append((hit.start, hit.end) if hit else None)
        if hit:
            cursor = hit.end
    found_tables = 0
    cursor = lo
    for i, table in enumerate(section.tables):
        band_lo = starts[i][1] if starts[i] else cursor  # type: ignore[index]
        band_hi = min((s[0] for s in starts[i + 1:] if s is not None), default=hi)
        if table.rows and not table.rows[0].label:
            # a table without row labels is found by its heading (or band title) only
            run, count = last_run(stream, band_lo, band_hi) if headed or starts[i] else ([], 0)
            if count:
                found_tables += 1
                tokens = run if count == 1 else _all_tokens(stream, band_lo, band_hi)
                # empty cells before the figures, beyond the columns, are the row's merged label cells
                while count == 1 and len(tokens) > table.columns and tokens[0].kind == BLANK:
                    tokens = tokens[1:]
                out.append(_Row(table, table.rows[0], tokens, tokens[0].where, _positional(run),
                                several=count > 1, end=band_hi))
            else:
                findings.append(make(Code.IMPORT_ROW_MISSING, "table", table=table.name))
            cursor = band_hi
            continue
        hits = []
        pos = band_lo
        for row in table.rows:
            hit = find_row(stream, row, pos, band_hi)
            hits.append(hit)
            if hit:
                pos = hit.end
        if not any(hits):
            findings.append(make(Code.IMPORT_ROW_MISSING, "table", table=table.name))
            continue
        found_tables += 1
        for j, (row, hit) in enumerate(zip(table.rows, hits, strict=True)):
            if hit is None:
                findings.append(make(Code.IMPORT_ROW_MISSING, "row", table=table.name, label=row.path))
                continue
            end = min((h.start for h in hits[j + 1:] if h is not None), default=band_hi)
            tokens = row_tokens(stream, hit.start, end, hit.end)
            here = stream.units[hit.start].where
            out.append(_Row(table, row, tokens, here, _positional(tokens), wording=hit.wording, end=end,
                            mixed=mixed_lines(stream, hit.start, end, hit.end)))
        cursor = band_hi
    return found_tables, findings


def _all_tokens(stream: Stream, lo: int, hi: int) -> list[Unit]:
    return [u for u in stream.units[lo:hi] if u.kind in TOKENS]


def _positional(tokens: list[Unit]) -> bool:
    """Whether cell positions are given: grid cells, or the one-cell-per-line shape (a blank line
    or a tab-only line is a cell there); text extracted from a PDF is not."""
    return any(t.where.col is not None for t in tokens) or any(t.kind == BLANK for t in tokens)


def _make_cells(rows: list[_Row], template: Template, findings: list[Finding]) -> None:
    """Rows whose tokens fit their columns first; then the others, resolved by the arithmetic of the
    cells already known, repeated while that settles more rows."""
    rules = identities(template)
    known: dict[str, float] = {}
    pending = []
    for r in rows:
        n = len(r.row.datapoints)
        if r.mixed and not r.exact_cells:
            # which of the figures are this row's is not known: neither by count nor by arithmetic
            # (a stray page number can make a row with a vanished blank add up)
            _ambiguous(r, "lines", findings)
        elif len(r.tokens) == n and not r.several:
            for dp, tok in zip(r.row.datapoints, r.tokens, strict=True):
                cell = _cell(tok, _where_text(r.table, r.row, tok.where))
                r.cells[dp] = cell
                if cell.status == "value":
                    known[dp] = float(cell.value)  # type: ignore[arg-type]
            findings.extend(_unreadable(r, template))
        else:
            pending.append(r)
    progress = True
    while progress and pending:
        progress = False
        for r in list(pending):
            if r.several:
                continue
            res = resolve_row(r.tokens, r.row.datapoints, known, rules, allow_blanks=not r.exact_cells)
            if res.cells is not None:
                raw = " ".join(t.text or "（空）" for t in r.tokens)
                where = _where_text(r.table, r.row, r.where)
                for dp, v in zip(r.row.datapoints, res.cells, strict=True):
                    if v is None:
                        r.cells[dp] = CellRead("blank", raw=raw, where=where, rebuilt=True)
                    else:
                        r.cells[dp] = CellRead("value", raw=raw, where=where, value=v, rebuilt=True)
                        known[dp] = float(v)
                pending.remove(r)
                progress = True
    for r in pending:
        res = resolve_row(r.tokens, r.row.datapoints, known, rules, allow_blanks=not r.exact_cells)
        raw = " ".join(t.text or "（空）" for t in r.tokens)
        where = _where_text(r.table, r.row, r.where)
        candidates = tuple(tuple(v for v in c if v is not None) for c in res.candidates if None not in c)
        for dp in r.row.datapoints:
            r.cells[dp] = CellRead("ambiguous", raw=raw, where=where, candidates=candidates)
        if res.digit_run and res.count > 1:
            shown = " / ".join(" ".join(str(v) for v in c) for c in candidates[:3])
            findings.append(make(Code.IMPORT_AMBIGUOUS, "digit-run", cell=where, label=r.row.path or r.table.name,
                                 raw=raw, count=res.count, candidates=shown))
        else:
            findings.append(make(Code.IMPORT_AMBIGUOUS, "count", cell=where, label=r.row.path or r.table.name,
                                 found=len(r.tokens), columns=len(r.row.datapoints), raw=raw))


def _ambiguous(r: _Row, reason: str, findings: list[Finding]) -> None:
    """Every cell of a row not read for certain, with the row's source text (lines kept apart)."""
    raw = " ".join(t.text or "（空）" for t in r.tokens)
    where = _where_text(r.table, r.row, r.where)
    for dp in r.row.datapoints:
        r.cells[dp] = CellRead("ambiguous", raw=raw, where=where)
    findings.append(make(Code.IMPORT_AMBIGUOUS, reason, cell=where, label=r.row.path or r.table.name, raw=raw))


def _cell(tok: Unit, where: str) -> CellRead:
    if tok.kind == NUMBER and one_cell(tok.text):
        return CellRead("value", raw=tok.text, where=where, value=number(tok.text))
    if tok.kind == SLASH:
        return CellRead("slash", raw=tok.text, where=where)
    if tok.kind == BLANK:
        return CellRead("blank", raw="", where=where)
    return CellRead("ambiguous", raw=tok.text, where=where)


def _unreadable(r: _Row, template: Template) -> list[Finding]:
    """A grid cell that holds text where a figure belongs ("约3", "12件"): that cell only."""
    return [make(Code.IMPORT_AMBIGUOUS, "unreadable", cell=_where_text(r.table, r.row, t.where),
                 datapoint=dp, label=template.layout.by_id[dp].label or r.row.path, raw=t.text)
            for dp, t in zip(r.row.datapoints, r.tokens, strict=True)
            if t.kind == OTHER or t.kind == NUMBER and not one_cell(t.text)]


def _where_text(table: TableModel, row: RowModel, where: Where | None) -> str:
    """`表三“（一）予以公开”行 · 第2页 第12行`."""
    head = f"{table.name}“{row.label}”行" if row.label else table.name
    place = where.describe() if where is not None else ""
    return f"{head} · {place}" if place else head


def _old_label(r: _Row) -> list[Finding]:
    wording = r.wording
    if not wording or wording == r.row.label:
        return []
    return [make(Code.PUBLISHED_OLD_FORMAT, "old-label", cell=_where_text(r.table, r.row, r.where),
                 label=r.row.path, actual=wording, expected=r.row.label)]


def _old_layout(template: Template, templates: Sequence[Template], year: int | None) -> list[Finding]:
    """A report best read with a template whose years do not hold its year, when another does."""
    if year is None or year_fits(template, year):
        return []
    fitting = next((t for t in templates if t is not template and year_fits(t, year)), None)
    if fitting is None:
        return []
    return [make(Code.PUBLISHED_OLD_FORMAT, "old-layout", year=year,
                 actual=format_name(template), expected=format_name(fitting))]


def format_name(template: Template) -> str:
    """The format as people know it: the document section's `name`, else the template's title."""
    doc = template.spec.document
    return (doc.name if doc is not None and doc.name else "") or template.spec.title.zh


def _prose(source: Source, stream: Stream, sections: tuple[SectionModel, ...],
           heads: list[tuple[int, int] | None]) -> dict[str, str]:
    """Each prose field → its section's paragraphs (the lines after its heading up to the next)."""
    out: dict[str, str] = {}
    for k, section in enumerate(sections):
        if not section.prose or heads[k] is None:
            continue
        lo, hi = _region(heads, k, len(stream.units))
        first = stream.units[lo].block if lo < len(stream.units) else len(source.blocks)
        last = stream.units[hi].block if hi < len(stream.units) else len(source.blocks)
        head_block = stream.units[heads[k][0]].block  # type: ignore[index]
        texts: list[str] = []
        for index in range(max(first, head_block + 1), last):
            block = source.blocks[index]
            if isinstance(block, Para):
                texts.extend(line.strip() for line in block.text.split("\n") if line.strip() and not is_page_mark(line))
        out[section.prose] = "\n".join(texts)
    return out


def _heading_text(source: Source, stream: Stream, head: tuple[int, int]) -> tuple[str, str]:
    """A heading line as printed, and where."""
    unit = stream.units[head[0]]
    block = source.blocks[unit.block]
    want = "".join(u.text for u in stream.units[head[0]:head[1]] if u.kind == CHAR)
    text = want
    if isinstance(block, Para):
        for line in block.text.split("\n"):
            if normalise(line).startswith(want[:4]):
                text = line.strip()
                break
    return text, unit.where.describe()

