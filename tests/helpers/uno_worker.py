#!/usr/bin/python3
"""One-shot UNO job runner for a running LibreOffice (soffice) instance.

Runs under Debian's ``/usr/bin/python3`` (the interpreter that has ``import
uno``), NOT under the project's interpreter.  ``tests/helpers/libreoffice.py``
drives it through ``subprocess`` with JSON:

    /usr/bin/python3 -I uno_worker.py --port P  < job.json  > result.json
    /usr/bin/python3 -I uno_worker.py --port P --probe   (connect, then exit)

Job (stdin)::

    {"input": "/abs/path.xlsx", "ops": [{"op": "set", ...}, ...],
     "password": "optional sheet password"}

Result (stdout, exactly one JSON document)::

    {"ok": true, "results": [<one entry per op, null when the op returns nothing>]}
    {"ok": false, "error": "<traceback>", "kind": "connect"|"load"|"op",
     "op_index": <index of the failing op or null>}

Sheets are addressed by name (str) or 0-based index (int).  Cells use A1
notation; ops that take a "cell" also accept a range ("B2:B4") where it makes
sense (set_locked, remove_validation; get_validation reads the top-left cell).

Ops (result in brackets, null when none):

    set            {sheet, cell, value}   number -> setValue, str -> setString, null -> ""
    type           {sheet, cell, text}    as typed in the input line ("12" -> number)
    set_formula    {sheet, cell, formula, syntax?="excel"|"calc"}
    get            {sheet, cells: [..]}   [[{value, formula, formula_excel, type, error, text}]]
    calculate_all  {}
    protect / unprotect {sheet, password?}        (password defaults to the job's)
    is_protected   {sheet}                [bool]
    is_workbook_protected {}              [bool]  (structure protection)
    insert_rows / delete_rows / insert_columns / delete_columns
                   {sheet, index (0-based), count?=1, password?}
    remove_validation {sheet, cell, password?}     (validation type -> ANY)
    set_locked     {sheet, cell, locked, password?}
    get_cell_protection {sheet, cell}     [{locked, formula_hidden, hidden, print_hidden}]
    get_validation {sheet, cell}          [{type, operator, formula1, formula2, error_message,
                                            error_title, error_alert_style, input_message,
                                            input_title, show_error, show_input, ignore_blank}]
    rename_sheet   {sheet, new_name}
    insert_sheet   {name, position?=end}
    remove_sheet   {sheet}
    sheets         {}                     [[{name, visible, protected}]]
    named_ranges   {}                     [[{name, content, scope}]]
    save_xlsx      {path}                 ("Calc MS Excel 2007 XML")
    export_pdf     {path}                 ("calc_pdf_Export")

Writes to cells go through sheet protection (that is how tampered files are
made).  Structural changes and attribute changes on locked cells do not; those
ops take a password (op or job) and unprotect/re-protect around the change.

The document is always loaded hidden and closed (``doc.close(True)``) in a
``finally``, whatever happens, so a failing job never leaves it open in soffice.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import traceback

# Anything UNO or LibreOffice prints must not corrupt the single JSON result.
_REAL_STDOUT = sys.stdout
sys.stdout = sys.stderr

import uno  # noqa: E402  (Debian python3-uno)
from com.sun.star.beans import PropertyValue  # noqa: E402

XLSX_FILTER = "Calc MS Excel 2007 XML"
PDF_FILTER = "calc_pdf_Export"

# com.sun.star.sheet.FormulaResult constants
_FORMULA_RESULT_VALUE = 1
_FORMULA_RESULT_STRING = 2
_FORMULA_RESULT_ERROR = 4


class JobError(Exception):
    def __init__(self, kind: str, message: str, op_index: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.op_index = op_index


def _props(**kwargs) -> tuple:
    out = []
    for name, value in kwargs.items():
        pv = PropertyValue()
        pv.Name = name
        pv.Value = value
        out.append(pv)
    return tuple(out)


def _url(path: str) -> str:
    return uno.systemPathToFileUrl(os.path.abspath(path))


def _enum(value) -> str | None:
    """UNO enum -> its name ("WHOLE", "BETWEEN", ...)."""
    if value is None:
        return None
    return getattr(value, "value", str(value))


def connect(port: int, host: str = "127.0.0.1"):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    ctx = resolver.resolve(f"uno:socket,host={host},port={port};urp;StarOffice.ComponentContext")
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    return ctx, desktop


class Runner:
    def __init__(self, doc, password: str | None):
        self.doc = doc
        self.password = password

    # -- addressing ---------------------------------------------------------
    def sheet(self, ref):
        sheets = self.doc.getSheets()
        if isinstance(ref, int):
            return sheets.getByIndex(ref)
        if not sheets.hasByName(ref):
            raise KeyError(f"no sheet {ref!r}; sheets: {list(sheets.getElementNames())}")
        return sheets.getByName(ref)

    def rng(self, op):
        return self.sheet(op["sheet"]).getCellRangeByName(op["cell"])

    # -- ops ----------------------------------------------------------------
    def op_set(self, op):
        cell = self.rng(op)
        value = op["value"]
        if value is None:
            cell.setString("")
        elif isinstance(value, bool):
            cell.setValue(1.0 if value else 0.0)
        elif isinstance(value, (int, float)):
            cell.setValue(float(value))
        else:
            cell.setString(str(value))
        return None

    def op_type(self, op):
        """Enter text the way it is typed into the input line: "12" becomes the
        number 12, "=A1+1" a formula, "abc" text (English/en-US number parsing)."""
        self.rng(op).setFormula(str(op["text"]))
        return None

    def op_set_formula(self, op):
        """Excel syntax by default (``=IF(A1>0,"x","y")``, ``Sheet!A1``); ``"syntax":
        "calc"`` passes the text to XCell.setFormula unchanged (LibreOffice API
        grammar: English names but ``;`` separators and ``$Sheet.A1`` references)."""
        cell = self.rng(op)
        formula = op["formula"]
        if op.get("syntax", "excel") == "calc":
            cell.setFormula(formula)
        else:
            cell.setTokens(self.excel_parser().parseFormula(formula, cell.getCellAddress()))
        return None

    _parser = None

    def excel_parser(self):
        """A FormulaParser speaking Excel's English syntax (XL_ENGLISH op codes, ``,``
        separators, ``Sheet!A1`` references), as a person types into Excel."""
        if self._parser is None:
            from com.sun.star.sheet.FormulaLanguage import XL_ENGLISH
            from com.sun.star.sheet.FormulaMapGroup import ALL_EXCEPT_SPECIAL, SPECIAL

            mapper = self.doc.createInstance("com.sun.star.sheet.FormulaOpCodeMapper")
            parser = self.doc.createInstance("com.sun.star.sheet.FormulaParser")
            parser.OpCodeMap = mapper.getAvailableMappings(XL_ENGLISH, SPECIAL) + mapper.getAvailableMappings(
                XL_ENGLISH, ALL_EXCEPT_SPECIAL
            )
            parser.FormulaConvention = uno.getConstantByName("com.sun.star.sheet.AddressConvention.XL_OOX")
            parser.CompileEnglish = True
            self._parser = parser
        return self._parser

    def op_get(self, op):
        sheet = self.sheet(op["sheet"])
        return [self._cell_info(sheet.getCellRangeByName(ref)) for ref in op["cells"]]

    def _cell_info(self, cell) -> dict:
        ctype = _enum(cell.getType())  # EMPTY / VALUE / TEXT / FORMULA
        error = int(cell.getError())
        formula = None
        if ctype == "EMPTY":
            value = None
        elif ctype == "VALUE":
            value = cell.getValue()
        elif ctype == "TEXT":
            value = cell.getString()
        else:  # FORMULA
            formula = cell.getFormula()
            result_type = cell.FormulaResultType2
            if result_type == _FORMULA_RESULT_STRING:
                value = cell.getString()
            elif result_type == _FORMULA_RESULT_ERROR:
                value = cell.getString()  # e.g. "#DIV/0!" / "Err:504"
            else:
                value = cell.getValue()
        return {
            "value": value,
            "formula": formula,  # LibreOffice API syntax: =IF(A1>0;"x";"y"), $Sheet.A1
            "formula_excel": (
                "=" + self.excel_parser().printFormula(cell.getTokens(), cell.getCellAddress())
                if formula is not None
                else None
            ),
            "type": ctype,
            "error": error,
            "text": cell.getString(),  # what the cell displays
        }

    def op_calculate_all(self, op):
        self.doc.calculateAll()
        return None

    def op_unprotect(self, op):
        self.sheet(op["sheet"]).unprotect(op.get("password", self.password) or "")
        return None

    def op_protect(self, op):
        self.sheet(op["sheet"]).protect(op.get("password", self.password) or "")
        return None

    def op_is_protected(self, op):
        return bool(self.sheet(op["sheet"]).isProtected())

    def op_is_workbook_protected(self, op):
        """Document ("spreadsheet structure") protection, i.e. xlsx workbookProtection."""
        return bool(self.doc.isProtected())

    @contextlib.contextmanager
    def _unprotected(self, op, what: str, required: bool = True):
        """LibreOffice refuses some changes on a protected sheet even through UNO
        (cell contents and formulas are always written through protection):

        * inserting/removing rows or columns raises a bare RuntimeException;
        * attribute changes (CellProtection, Validation) are silently ignored
          when the target range contains a locked cell, applied when every
          cell in it is unlocked.

        With a password (the op's or the job's) the sheet is unprotected for the
        change and protected again with the same password, as a person would do
        (the protection flags and the legacy password hash come back the same).
        Without one: raise when ``required``, else try as is (callers verify)."""
        sheet = self.sheet(op["sheet"])
        password = op.get("password", self.password)
        reprotect = bool(sheet.isProtected()) and password is not None
        if sheet.isProtected() and password is None and required:
            raise RuntimeError(
                f"sheet {sheet.getName()!r} is protected and LibreOffice will not {what} "
                "on a protected sheet: pass 'password' (in the op or the job) or unprotect first"
            )
        if reprotect:
            sheet.unprotect(password)
        try:
            yield sheet
        finally:
            if reprotect:
                sheet.protect(password)

    def _ignored(self, sheet, what: str) -> RuntimeError:
        hint = (
            " (the sheet is protected and the range has locked cells: pass 'password')" if sheet.isProtected() else ""
        )
        return RuntimeError(f"LibreOffice ignored {what}{hint}")

    def _structural(self, op, axis: str, action: str):
        with self._unprotected(op, f"{action} {axis}") as sheet:
            target = sheet.getRows() if axis == "rows" else sheet.getColumns()
            if action == "insert":
                target.insertByIndex(op["index"], op.get("count", 1))
            else:
                target.removeByIndex(op["index"], op.get("count", 1))
        return None

    def op_insert_rows(self, op):
        return self._structural(op, "rows", "insert")

    def op_delete_rows(self, op):
        return self._structural(op, "rows", "delete")

    def op_insert_columns(self, op):
        return self._structural(op, "columns", "insert")

    def op_delete_columns(self, op):
        return self._structural(op, "columns", "delete")

    def op_remove_validation(self, op):
        any_type = uno.Enum("com.sun.star.sheet.ValidationType", "ANY")
        with self._unprotected(op, "change validation", required=False) as sheet:
            cells = sheet.getCellRangeByName(op["cell"])
            validation = cells.Validation
            validation.Type = any_type
            validation.ShowErrorMessage = False
            cells.Validation = validation
            if _enum(cells.Validation.Type) != "ANY":  # a mixed range reads as its first cell
                raise self._ignored(sheet, f"removing the validation of {op['cell']}")
        return None

    def op_get_validation(self, op):
        v = self.rng(op).Validation
        return {
            "type": _enum(v.Type),
            "operator": _enum(v.getOperator()),
            "formula1": v.getFormula1(),
            "formula2": v.getFormula2(),
            "error_message": v.ErrorMessage,
            "error_title": v.ErrorTitle,
            "error_alert_style": _enum(v.ErrorAlertStyle),
            "input_message": v.InputMessage,
            "input_title": v.InputTitle,
            "show_error": bool(v.ShowErrorMessage),
            "show_input": bool(v.ShowInputMessage),
            "ignore_blank": bool(v.IgnoreBlankCells),
        }

    def op_set_locked(self, op):
        locked = bool(op["locked"])
        with self._unprotected(op, "change cell protection", required=False) as sheet:
            cells = sheet.getCellRangeByName(op["cell"])
            protection = cells.CellProtection
            protection.IsLocked = locked
            cells.CellProtection = protection
            if bool(cells.CellProtection.IsLocked) != locked:
                raise self._ignored(sheet, f"IsLocked={locked} on {op['cell']}")
        return None

    def op_get_cell_protection(self, op):
        p = self.rng(op).CellProtection
        return {
            "locked": bool(p.IsLocked),
            "formula_hidden": bool(p.IsFormulaHidden),
            "hidden": bool(p.IsHidden),
            "print_hidden": bool(p.IsPrintHidden),
        }

    def op_rename_sheet(self, op):
        self.sheet(op["sheet"]).setName(op["new_name"])
        return None

    def op_insert_sheet(self, op):
        sheets = self.doc.getSheets()
        position = op.get("position", sheets.getCount())
        sheets.insertNewByName(op["name"], position)
        return None

    def op_remove_sheet(self, op):
        sheets = self.doc.getSheets()
        name = op["sheet"]
        if isinstance(name, int):
            name = sheets.getByIndex(name).getName()
        sheets.removeByName(name)
        return None

    def op_sheets(self, op):
        sheets = self.doc.getSheets()
        out = []
        for i in range(sheets.getCount()):
            s = sheets.getByIndex(i)
            out.append({"name": s.getName(), "visible": bool(s.IsVisible), "protected": bool(s.isProtected())})
        return out

    def op_named_ranges(self, op):
        """Workbook-scoped names (scope null) then sheet-scoped ones (scope = sheet).
        Print areas appear only as sheet-scoped ``_xlnm.Print_Area`` names."""
        out = []
        named = self.doc.NamedRanges
        for name in named.getElementNames():
            out.append({"name": name, "content": named.getByName(name).getContent(), "scope": None})
        sheets = self.doc.getSheets()
        for i in range(sheets.getCount()):
            sheet = sheets.getByIndex(i)
            local = sheet.NamedRanges
            for name in local.getElementNames():
                out.append({"name": name, "content": local.getByName(name).getContent(), "scope": sheet.getName()})
        return out

    def op_save_xlsx(self, op):
        self.doc.storeToURL(_url(op["path"]), _props(FilterName=XLSX_FILTER, Overwrite=True))
        return None

    def op_export_pdf(self, op):
        self.doc.storeToURL(_url(op["path"]), _props(FilterName=PDF_FILTER, Overwrite=True))
        return None


def run_job(desktop, job: dict) -> list:
    try:
        doc = desktop.loadComponentFromURL(_url(job["input"]), "_blank", 0, _props(Hidden=True, ReadOnly=False))
    except Exception as exc:  # noqa: BLE001
        tb = traceback.format_exc()
        raise JobError("connect" if "DisposedException" in tb else "load", tb) from exc
    if doc is None:
        folder, name = os.path.split(job["input"])
        lock = os.path.join(folder, f".~lock.{name}#")
        hint = f" (stale lock file {lock} present)" if os.path.exists(lock) else ""
        raise JobError("load", f"LibreOffice could not load {job['input']!r}{hint}")
    try:
        runner = Runner(doc, job.get("password"))
        results = []
        for index, op in enumerate(job.get("ops", [])):
            handler = getattr(runner, "op_" + str(op.get("op")), None)
            if handler is None:
                raise JobError("op", f"unknown op {op.get('op')!r} at index {index}", index)
            try:
                results.append(handler(op))
            except JobError:
                raise
            except Exception as exc:  # noqa: BLE001
                tb = traceback.format_exc()
                kind = "connect" if "DisposedException" in tb else "op"  # soffice died mid-op
                raise JobError(kind, f"op #{index} {op!r} failed:\n{tb}", index) from exc
        return results
    finally:
        try:
            doc.close(True)
        except Exception:  # noqa: BLE001  (CloseVetoException, DisposedException)
            try:
                doc.dispose()
            except Exception:  # noqa: BLE001
                pass


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--probe", action="store_true", help="only check the connection")
    args = parser.parse_args(argv)

    def emit(payload: dict) -> None:
        _REAL_STDOUT.write(json.dumps(payload, ensure_ascii=False))
        _REAL_STDOUT.write("\n")
        _REAL_STDOUT.flush()

    try:
        _ctx, desktop = connect(args.port, args.host)
    except Exception:  # noqa: BLE001
        emit({"ok": False, "kind": "connect", "op_index": None, "error": traceback.format_exc()})
        return 3
    if args.probe:
        emit({"ok": True, "results": []})
        return 0

    try:
        job = json.loads(sys.stdin.read())
        results = run_job(desktop, job)
    except JobError as exc:
        emit({"ok": False, "kind": exc.kind, "op_index": exc.op_index, "error": str(exc)})
        return 1
    except Exception:  # noqa: BLE001
        kind = "connect" if "DisposedException" in traceback.format_exc() else "op"
        emit({"ok": False, "kind": kind, "op_index": None, "error": traceback.format_exc()})
        return 1
    emit({"ok": True, "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
