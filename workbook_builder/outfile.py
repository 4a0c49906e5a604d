"""Writing output files: atomically, so a crash never leaves half a workbook where a good one was."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(out: str | os.PathLike[str], content: bytes) -> Path:
    """Write `content` to a temporary file beside `out`, then rename it into place."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".wb-", suffix=out.suffix or ".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; an output is an ordinary file
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


# Every file we write that looks like a workbook (annotated copies, the --summary .xlsx, the roll-up)
# carries this custom document property, its value saying which output it is. A folder walk skips
# such files, so a report written inside the checked folder is never checked as a return next time.
OUTPUT_PROPERTY = "workbook_builder_output"
OUTPUT_ANNOTATED, OUTPUT_SUMMARY, OUTPUT_ROLLUP = "annotated", "summary", "rollup"
# A CSV cannot carry a property: the `--summary` .csv is known by the start of its header row
# (render/summary.py FILE_HEADER; a test keeps the two in step).
SUMMARY_CSV_HEAD = "文件,单位,年度,状态,错误,警告,提示"
