"""Render the HTML check report of a folder of published reports to the two PNGs in docs/cli.md.

    python -m tests.render_check_published docs/images

The folder holds what an auditor downloads: the real sample report (../shared), a PDF, a web page and a
Word file made by `publish` (one of them with a 2019-format report, one with a figure that breaks T3-A),
a legacy .doc and a scan. The report is checked with a roster, written as HTML, and Chromium (headless)
screenshots the summary and the findings of the published reports.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests import make_filled_2019  # noqa: E402
from tests.chromium_headless import find_chromium, screenshot  # noqa: E402
from tests.conftest import SHARED  # noqa: E402
from tests.import_files import legacy_doc, scanned_pdf  # noqa: E402
from tests.make_filled import build_to, honest_data  # noqa: E402
from workbook_builder import api  # noqa: E402


def folder(root: Path) -> tuple[Path, Path]:
    """The published reports, and a roster naming their units."""
    out = root / "已发布"
    out.mkdir(parents=True)
    shutil.copy(SHARED / "reference" / "sample-report-township-2023.txt", out / "哈图布呼镇2023年政府信息公开工作年度报告.txt")
    huaian = build_to(root / "src", honest_data(), "淮安.xlsx")
    api.publish([huaian], out, formats="pdf")
    wrong = dict(honest_data(), **{"meta.unit_name": "清河县人民政府"})
    wrong["requests.new.person"] = int(wrong["requests.new.person"]) + 1
    api.publish([build_to(root / "src", wrong, "清河.xlsx", strict=False)], out, formats="html", draft=True)
    data = make_filled_2019.generic_fill(unit="示例区人民政府办公室", year=2020)
    api.publish([make_filled_2019.build_to(root / "src", data, "示例区.xlsx")], out, formats="docx")
    (out / "某局2024年年报.doc").write_bytes(legacy_doc())
    (out / "某街道2024年年报（扫描件）.pdf").write_bytes(scanned_pdf())
    roster = root / "名单.csv"
    roster.write_text("单位名称\n哈图布呼镇\n淮安市人民政府\n清河县人民政府\n示例区人民政府办公室\n某局\n", encoding="utf-8")
    return out, roster


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the folder for check-published.png and check-published-detail.png")
    args = parser.parse_args(argv)
    browser = find_chromium()
    if browser is None:
        print("chromium is not installed", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        reports, roster = folder(root)
        here = Path.cwd()
        os.chdir(root)  # the report names files as the auditor typed them: 已发布/…
        try:
            run = api.check([reports.name], roster=roster.name, jobs=1)
        finally:
            os.chdir(here)
        page = root / "检查报告.html"
        api.save_report(run, page)
        text = page.read_text(encoding="utf-8")
        out = args.out.resolve()
        screenshot(browser, page, out / "check-published.png", width=1300, height=1250)
        # the findings of the published reports: the details from 淮安's section on (a pass, a T3-A
        # failure placed in the report, a 2019-format report)
        details = text.index('<section id="details"')
        start = text.rindex('<section class="file"', details, text.index("淮安市人民政府", details))
        head = text[: text.index("<body")]
        detail = root / "detail.html"
        detail.write_text(head + '<body><main>' + text[start:], encoding="utf-8")
        screenshot(browser, detail, out / "check-published-detail.png", width=1300, height=1100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
