"""Drive a real LibreOffice (soffice) from the project's interpreter.

The project's Python has no ``uno``; Debian's ``/usr/bin/python3`` has.  So a
:class:`LibreOffice` starts one headless soffice listening on a local socket and
every job runs ``uno_worker.py`` in its own ``/usr/bin/python3`` subprocess,
talking JSON over stdin/stdout.

    with LibreOffice() as lo:
        results = lo.run("in.xlsx", [{"op": "set", "sheet": "S", "cell": "B2", "value": 1},
                                     {"op": "save_xlsx", "path": "out.xlsx"}])

See ``uno_worker.py`` for the ops.  Tests should use the session fixture in
``lo_fixtures.py`` so soffice starts once per test session.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

SOFFICE = os.environ.get("WB_SOFFICE", "/usr/bin/soffice")
UNO_PYTHON = os.environ.get("WB_UNO_PYTHON", "/usr/bin/python3")
WORKER = Path(__file__).with_name("uno_worker.py")

# Environment variables of the project's interpreter that must not leak into
# Debian's python3 (the worker also runs with -I) or into soffice.
_SCRUB = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV", "DISPLAY")


class LibreOfficeError(RuntimeError):
    """soffice could not be started or a job failed."""


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env.setdefault("HOME", tempfile.gettempdir())
    env["SAL_USE_VCLPLUGIN"] = "svp"  # headless VCL backend, no display needed
    return env


def _uno_importable(python: str) -> bool:
    try:
        proc = subprocess.run(
            [python, "-I", "-c", "import uno"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
            env=_clean_env(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def available(soffice: str = SOFFICE, python: str = UNO_PYTHON) -> bool:
    """True when soffice exists and ``python`` can ``import uno``."""
    soffice_path = shutil.which(soffice) or (soffice if os.path.isfile(soffice) else None)
    if not soffice_path or not os.access(soffice_path, os.X_OK):
        return False
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        return False
    return _uno_importable(python)


# Seeded into each fresh profile.  Without it soffice writes ".~lock.NAME#" next
# to every input it opens and, after a crash, the stale lock makes the next
# loadComponentFromURL of that file silently return None (headless, nobody to
# answer "document in use").  SAL_ENABLE_FILE_LOCKING=0 does NOT help there.
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
  xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="UseDocumentOOoLockFile" \
oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="UseDocumentSystemFileLocking" \
oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


def _signal_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to process group ``pgid``; False when the group is gone."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LibreOffice:
    """A headless soffice with its own throw-away profile and port.

    Use as a context manager (or call :meth:`start` / :meth:`stop`).
    """

    def __init__(
        self,
        soffice: str = SOFFICE,
        python: str = UNO_PYTHON,
        startup_timeout: float = 90.0,
    ) -> None:
        self.soffice = soffice
        self.python = python
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self.profile_dir: Path | None = None
        self.startup_seconds: float | None = None  # of the last (re)start
        self.restarts = 0
        self._proc: subprocess.Popen | None = None
        self._log: BinaryIO | None = None
        self._log_path: Path | None = None

    # -- lifecycle -----------------------------------------------------------
    def __enter__(self) -> LibreOffice:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        """pid of the launched soffice, also its process-group id (None when stopped)."""
        return self._proc.pid if self._proc is not None else None

    def is_alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        if self.is_alive():
            return
        if not available(self.soffice, self.python):
            raise LibreOfficeError(
                f"LibreOffice not available: need {self.soffice} and {self.python} with `import uno`"
            )
        last_error = None
        for _attempt in range(2):  # a second try with a fresh port and profile
            try:
                self._start_once()
                return
            except LibreOfficeError as exc:
                last_error = exc
                self._kill()
        raise last_error  # type: ignore[misc]

    def _start_once(self) -> None:
        began = time.monotonic()
        self.profile_dir = Path(tempfile.mkdtemp(prefix="wb-lo-profile-"))
        (self.profile_dir / "user").mkdir()
        (self.profile_dir / "user" / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
        self._log_path = self.profile_dir / "soffice.log"
        self._log = open(self._log_path, "wb")  # noqa: SIM115  (closed in _kill)
        self.port = _free_port()
        cmd = [
            self.soffice,
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            f"--accept=socket,host=127.0.0.1,port={self.port};urp;",
            f"-env:UserInstallation={(self.profile_dir / 'user').as_uri()}",
        ]
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=_clean_env(),
            start_new_session=True,  # own process group: soffice -> oosplash -> soffice.bin
        )
        deadline = began + self.startup_timeout
        last = ""
        while True:
            if self._proc.poll() is not None:
                raise LibreOfficeError(
                    f"soffice exited with code {self._proc.returncode} during startup:\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise LibreOfficeError(
                    f"soffice did not accept a UNO connection on port {self.port} within "
                    f"{self.startup_timeout:.0f}s.\nlast probe: {last}\nsoffice output:\n{self.log_tail()}"
                )
            if self._port_open():
                ok, last = self._probe()
                if ok:
                    break
            time.sleep(0.25)
        self.startup_seconds = time.monotonic() - began

    def _port_open(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def _probe(self) -> tuple[bool, str]:
        try:
            proc = subprocess.run(
                [self.python, "-I", str(WORKER), "--port", str(self.port), "--probe"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=20,
                env=_clean_env(),
            )
        except subprocess.TimeoutExpired:
            return False, "probe timed out"
        return proc.returncode == 0, (proc.stdout + proc.stderr).decode(errors="replace")[-2000:]

    def log_tail(self, chars: int = 4000) -> str:
        if self._log_path is None or not self._log_path.exists():
            return "(no soffice output)"
        if self._log is not None and not self._log.closed:
            self._log.flush()
        text = self._log_path.read_bytes().decode(errors="replace")
        return text[-chars:] or "(soffice printed nothing)"

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            # start_new_session=True made soffice the leader of its own process
            # group, so the group id is its pid and holds only our soffice,
            # oosplash and soffice.bin.
            pgid = proc.pid
            _signal_group(pgid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                proc.poll()  # reap our direct child so it does not linger as a zombie
                if not _signal_group(pgid, 0):
                    break
                time.sleep(0.1)
            _signal_group(pgid, signal.SIGKILL)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.profile_dir is not None:
            shutil.rmtree(self.profile_dir, ignore_errors=True)
            self.profile_dir = None

    def stop(self) -> None:
        self._kill()

    def restart(self) -> None:
        self._kill()
        self.restarts += 1
        self.start()

    # -- jobs ----------------------------------------------------------------
    def run(
        self,
        input_path: str | os.PathLike,
        ops: list[dict],
        timeout: float = 120,
        password: str | None = None,
    ) -> list:
        """Load ``input_path`` hidden, run ``ops``, close it; return per-op results.

        Restarts soffice once if it is dead or dies during the job.  Raises
        :class:`LibreOfficeError` (a RuntimeError) with the worker's traceback
        when the job fails.
        """
        input_path = Path(input_path).resolve()
        if not input_path.is_file():
            raise FileNotFoundError(f"LibreOffice job input does not exist: {input_path}")
        job = {"input": str(input_path), "ops": list(ops)}
        if password is not None:
            job["password"] = password
        if not self.is_alive():
            if self.startup_seconds is None:
                self.start()
            else:  # it ran before and has died since
                self.restart()
        result = self._run_once(job, timeout)
        if not result.get("ok") and (result.get("kind") == "connect" or not self.is_alive()):
            # soffice crashed (before or during the job): restart once and retry
            crash_log = self.log_tail()
            self.restart()
            result = self._run_once(job, timeout)
            if not result.get("ok"):
                result["error"] = f"{result.get('error')}\n(first attempt crashed soffice; its output:\n{crash_log})"
        if not result.get("ok"):
            raise LibreOfficeError(
                f"LibreOffice job failed ({result.get('kind')}, op #{result.get('op_index')}) "
                f"on {job['input']}:\n{result.get('error')}"
            )
        return result["results"]

    def _run_once(self, job: dict, timeout: float) -> dict:
        cmd = [self.python, "-I", str(WORKER), "--port", str(self.port)]
        try:
            proc = subprocess.run(
                cmd,
                input=json.dumps(job, ensure_ascii=False).encode(),
                capture_output=True,
                timeout=timeout,
                env=_clean_env(),
            )
        except subprocess.TimeoutExpired as exc:
            stderr = (exc.stderr or b"").decode(errors="replace")
            log = self.log_tail()
            # soffice may be stuck inside the job with the document open: start afresh
            self.restart()
            raise LibreOfficeError(
                f"LibreOffice job timed out after {timeout}s on {job['input']} (soffice restarted).\n"
                f"worker stderr:\n{stderr}\nsoffice output:\n{log}"
            ) from None
        stdout = proc.stdout.decode(errors="replace").strip()
        try:
            result = json.loads(stdout.splitlines()[-1]) if stdout else None
        except json.JSONDecodeError:
            result = None
        if not isinstance(result, dict):
            result = {
                "ok": False,
                "kind": "connect" if not self.is_alive() else "worker",
                "op_index": None,
                "error": f"worker exited {proc.returncode} without a JSON result.\n"
                f"stdout:\n{stdout}\nstderr:\n{proc.stderr.decode(errors='replace')}",
            }
        return result

    # -- conveniences --------------------------------------------------------
    def render_png(self, xlsx_path: str | os.PathLike, out_png: str | os.PathLike, dpi: int = 100) -> Path:
        """Export ``xlsx_path`` to PDF with this soffice and rasterise page 1 to ``out_png``."""
        out_png = Path(out_png)
        out_png.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="wb-lo-pdf-") as tmp:
            pdf = Path(tmp) / "render.pdf"
            self.run(xlsx_path, [{"op": "export_pdf", "path": str(pdf)}])
            if not pdf.exists() or pdf.stat().st_size == 0:
                raise LibreOfficeError(f"LibreOffice wrote no PDF for {xlsx_path}")
            prefix = out_png.with_suffix("")
            proc = subprocess.run(
                ["pdftoppm", "-png", "-r", str(int(dpi)), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=120,
            )
            if proc.returncode != 0:
                raise LibreOfficeError(f"pdftoppm failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
        produced = prefix.with_suffix(".png")
        if produced != out_png:
            produced.replace(out_png)
        return out_png


_shared: LibreOffice | None = None


def shared() -> LibreOffice:
    """The process-wide instance (started on first use; the pytest fixture stops it)."""
    global _shared
    if _shared is None:
        _shared = LibreOffice()
        atexit.register(stop_shared)  # no orphaned soffice if the fixture never tears down
    _shared.start()
    return _shared


def stop_shared() -> None:
    global _shared
    if _shared is not None:
        _shared.stop()
        _shared = None


def render_png(
    xlsx_path: str | os.PathLike,
    out_png: str | os.PathLike,
    dpi: int = 100,
    office: LibreOffice | None = None,
) -> Path:
    """Render page 1 of ``xlsx_path`` to ``out_png`` through a running LibreOffice.

    Uses ``office`` or else the shared instance (the one the ``libreoffice``
    fixture hands out).
    """
    return (office or shared()).render_png(xlsx_path, out_png, dpi)
