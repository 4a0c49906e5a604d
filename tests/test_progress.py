"""The progress bar (workbook_builder.progress), driven by a fake clock and a fake stream: no bogus rate
on the first frames, never wider than the terminal (in display columns), and what each command's
bar is called."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from workbook_builder import api
from workbook_builder.progress import Progress
from workbook_builder.textsafe import display_width


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class GbkStream(io.StringIO):
    encoding = "gbk"


def _frames(stream: io.StringIO) -> list[str]:
    return [f.rstrip(" ") for f in stream.getvalue().split("\r") if f.strip()]


def _bar(columns: int = 80, stream: io.StringIO | None = None, label: str = "检查") -> tuple[Progress, Clock, io.StringIO]:
    clock, out = Clock(), stream if stream is not None else io.StringIO()
    return Progress(out, label=label, clock=clock, columns=lambda: columns), clock, out


def test_first_frame_has_no_rate() -> None:
    """Before any file is done, and for the first second, no speed and no time left: they were
    “0 个/秒  剩余约 0 秒”, or thousands a second after one file in a millisecond."""
    bar, clock, out = _bar()
    bar.update(0, 100)
    frames = _frames(out)
    assert frames[0].startswith("检查 0/100 ") and frames[0].endswith(" 0%")
    bar, clock, out = _bar()
    clock.now += 0.001
    bar.update(1, 100)  # the first file done in a millisecond: not “1000 个/秒”
    clock.now += 0.5
    bar.update(2, 100)
    frames += _frames(out)
    assert len(frames) == 3 and not any("个/秒" in f or "剩余" in f for f in frames), frames


def test_rate_once_it_means_something() -> None:
    bar, clock, out = _bar()
    bar.update(0, 100)
    clock.now += 2.0
    bar.update(10, 100)  # 5 a second, 90 left: 18 seconds
    assert _frames(out)[-1].endswith("10%  5.0 个/秒  剩余约 18 秒")
    clock.now += 98.0
    bar.update(50, 100)  # 0.5 a second, 50 left: 100 seconds
    assert _frames(out)[-1].endswith("剩余约 2 分钟")


def test_no_rate_while_nothing_is_done() -> None:
    bar, clock, out = _bar()
    clock.now += 30
    bar.update(0, 10)
    assert "个/秒" not in out.getvalue()


def test_last_frame_always_drawn_then_cleared() -> None:
    bar, clock, out = _bar()
    bar.update(1, 3)
    clock.now += 0.01
    bar.update(2, 3)  # too soon after the last frame: skipped
    clock.now += 0.01
    bar.update(3, 3)  # the end: always drawn
    frames = _frames(out)
    assert len(frames) == 2 and frames[-1].startswith("检查 3/3 ") and frames[-1].endswith("100%")
    assert "个/秒" not in frames[-1]
    bar.close()
    assert out.getvalue().endswith("\r")
    assert re.search(r"\r {20,}\r$", out.getvalue())


@pytest.mark.parametrize("columns", [20, 30, 40, 50, 60, 80, 120])
@pytest.mark.parametrize("wide", [False, True], ids=["utf8", "gbk"])
def test_never_wider_than_the_terminal(columns: int, wide: bool) -> None:
    """Measured in display columns: each Chinese character two, and on a GBK console the bar's own
    characters (█ ─, East Asian “ambiguous”) two as well."""
    bar, clock, out = _bar(columns, GbkStream() if wide else io.StringIO(), label="读取上年")
    for done in range(0, 1001, 50):
        clock.now += 1.5
        bar.update(done, 1000)
    bar.say("已读完 1000 个工作簿，正在写出汇总工作簿…")
    for frame in _frames(out):
        assert display_width(frame, 2 if wide else 1) <= columns - 1, (columns, frame)
    assert "读取上年" in _frames(out)[0]
    if columns >= 80:
        assert "█" in _frames(out)[-2] and "个/秒" in _frames(out)[-3]


def test_a_shorter_frame_covers_the_longer_one() -> None:
    bar, clock, out = _bar()
    bar.update(0, 10)
    clock.now += 2
    bar.update(5, 10)  # with the rate: longer
    clock.now += 2
    bar.stage("下发")
    bar.update(1, 10)  # a new stage: its own clock, no rate yet, so shorter
    last = out.getvalue().split("\r")[-1]
    assert last.startswith("下发 1/10 ") and display_width(last) == bar.drawn and "个/秒" not in last


def test_stage_restarts_the_rate() -> None:
    bar, clock, out = _bar()
    bar.update(0, 10)
    clock.now += 5
    bar.stage("下发")
    bar.update(1, 10)
    assert "个/秒" not in _frames(out)[-1]
    clock.now += 1
    bar.update(2, 10)
    assert _frames(out)[-1].endswith("2.0 个/秒  剩余约 4 秒")


def test_gbk_console_can_show_every_frame() -> None:
    bar, clock, out = _bar(stream=GbkStream())
    bar.update(0, 3)
    clock.now += 2
    bar.update(1, 3)
    bar.say("正在写出汇总工作簿…")
    out.getvalue().encode("gbk")


# ------------------------------------------------------------------ the API's progress callbacks


def test_annotate_ticks_once_per_copy(tmp_path: Path) -> None:
    from tests.test_hardening_cli import _unit_workbook

    for name in ("甲.xlsx", "乙.xlsx"):
        _unit_workbook(tmp_path / "in", name, name[0])
    run = api.check([tmp_path / "in"], jobs=1)
    ticks: list[tuple[int, int]] = []
    written = api.annotate(run, tmp_path / "out", progress=lambda done, total, result: ticks.append((done, total)))
    assert len(written) == 2 and ticks == [(1, 2), (2, 2)]


def test_build_for_roster_ticks_reading_then_writing(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n甲镇\n乙镇\n丙镇\n", encoding="utf-8-sig")
    ticks: list[tuple[int, int, str]] = []
    records = api.build_for_roster(roster, tmp_path / "out", year=2024,
                                   progress=lambda d, t, item: ticks.append((d, t, type(item).__name__)))
    assert len(records) == 3 and ticks == [(1, 3, "dict"), (2, 3, "dict"), (3, 3, "dict")]
    # next year, with this year's workbooks as last year's: each read, then each written
    ticks.clear()
    api.build_for_roster(roster, tmp_path / "next", prior_dir=tmp_path / "out", jobs=1,
                         progress=lambda d, t, item: ticks.append((d, t, type(item).__name__)))
    assert ticks == [(1, 3, "FileResult"), (2, 3, "FileResult"), (3, 3, "FileResult"),
                     (1, 3, "dict"), (2, 3, "dict"), (3, 3, "dict")]


# ------------------------------------------------------------------ each command's bar and label


def _cli(*args: str | Path) -> tuple[int, str]:
    from click.testing import CliRunner

    from workbook_builder import cli

    result = CliRunner().invoke(cli.main, [str(a) for a in args])
    return result.exit_code, result.stderr


def test_check_annotate_has_its_own_bar(tmp_path: Path) -> None:
    from tests.test_hardening_cli import _unit_workbook

    for name in ("甲.xlsx", "乙.xlsx"):
        _unit_workbook(tmp_path / "in", name, name[0])
    code, err = _cli("check", tmp_path / "in", "--annotate", tmp_path / "out", "--jobs", "1", "--progress")
    assert code == 1 and "检查 2/2" in err and "批注 1/2" in err and "批注 2/2" in err
    code, err = _cli("check", tmp_path / "in", "--annotate", tmp_path / "out2", "--jobs", "1")
    assert "批注 " not in err and "\r" not in err  # stderr is not a terminal here: no bar unless asked


def test_build_roster_bars(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n甲镇\n乙镇\n", encoding="utf-8-sig")
    code, err = _cli("build", "--roster", roster, "-o", tmp_path / "out", "--year", "2024", "--progress")
    assert code == 0 and "下发 1/2" in err and "下发 2/2" in err and "读取上年" not in err
    code, err = _cli("build", "--roster", roster, "-o", tmp_path / "next", "--prior-dir", tmp_path / "out",
                     "--jobs", "1", "--progress")
    assert code == 0 and "读取上年 2/2" in err and "下发 2/2" in err
    assert err.index("读取上年 2/2") < err.index("下发 1/2")
    code, err = _cli("build", "--roster", roster, "-o", tmp_path / "again", "--year", "2024")
    assert code == 0 and "下发" not in err


def test_the_width_is_the_terminal_of_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bar measures the terminal it is drawn on (stderr), not stdout (a file or pipe when the report
    is redirected: `check … > 结果.txt`)."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    monkeypatch.delenv("COLUMNS", raising=False)
    master, slave = pty.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 44, 0, 0))
        with os.fdopen(os.dup(slave), "w", encoding="utf-8") as stream:
            bar = Progress(stream, clock=Clock())
            assert bar.columns() == 44
            bar.update(3, 10)
            assert bar.drawn <= 43
    finally:
        os.close(slave)
        os.close(master)
