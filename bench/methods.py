"""The aligners under test, each run as a child process and measured.

Wall time is measured around the child.  CPU time comes from the kernel's
rusage for that child (``os.wait4``), which includes the descendants it
waited for (ffmpeg under ffsubsync, for example).  Peak memory is sampled
(see ``_MemoryWatch``): rusage's ``ru_maxrss`` is no use here, because
Linux starts a forked child's high-water mark from the parent's RSS, so it
reported this bench's own size.
"""
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.audio import ffmpeg_exe
from bench.subs import parse_srt

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Outcome:
    """What one method did on one case."""

    method: str
    ok: bool
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_mb: float = 0.0              # peak PSS of the process tree
    error: str = ""
    output: object = None            # srtmedia: result dict; ffsubsync: [SrtCue]
    extra: dict = field(default_factory=dict)


class _MemoryWatch:
    """Peak memory of a process tree, sampled.

    ``peak`` is the largest sum of PSS over the child and its descendants:
    pages shared between them (a forked worker shares its parent's
    libraries and heap until it writes to them) are split rather than
    counted once per process, so the figure is what the tree really holds.
    The plain RSS sum (an upper bound) and the child's own ``VmHWM`` are
    kept for comparison.
    """

    def __init__(self, pid):
        self.pid, self.peak, self.rss_sum, self.hwm, self.by_name = pid, 0, 0, 0, {}

    def sample(self):
        try:
            root = psutil.Process(self.pid)
            procs = [root] + root.children(recursive=True)
        except psutil.Error:
            return  # exited between calls
        sizes = [_sizes(p) for p in procs]
        self.peak = max(self.peak, sum(pss for _, _, pss in sizes))
        self.rss_sum = max(self.rss_sum, sum(rss for _, rss, _ in sizes))
        for name, rss, _ in sizes:  # which process holds the memory
            self.by_name[name] = max(self.by_name.get(name, 0), rss)
        self.hwm = _hwm(self.pid) or self.hwm  # 0 once the child has exited

    def report(self):
        mb = lambda n: round(n / 2**20, 1)  # noqa: E731
        return {"tree_pss_peak_mb": mb(self.peak), "tree_rss_sum_peak_mb": mb(self.rss_sum),
                "child_hwm_mb": mb(self.hwm),
                "rss_per_process_mb": {k: mb(v) for k, v in self.by_name.items()}}


def _sizes(proc):
    """(name, RSS, PSS) of one process; zeros if it is gone."""
    try:
        info = proc.memory_full_info()
        return proc.name(), info.rss, info.pss
    except psutil.Error:
        return "?", 0, 0


def _hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def measure(cmd, timeout, env=None, log_path=None):
    """Run ``cmd``; return (exit code or None on timeout, wall s, cpu s, peak MB, log tail, memory report)."""
    log = open(log_path, "w+b") if log_path else tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            env=env, cwd=ROOT, start_new_session=True)
    code, usage, memory = None, None, _MemoryWatch(proc.pid)
    while time.perf_counter() - start < timeout:
        memory.sample()
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            code = os.waitstatus_to_exitcode(status)
            break
        time.sleep(0.05)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = code if code is not None else -9  # already reaped: keep Popen quiet
    wall = time.perf_counter() - start
    log.seek(0)
    tail = log.read().decode("utf-8", "replace")[-2000:]
    log.close()
    cpu = usage.ru_utime + usage.ru_stime
    return code, wall, cpu, memory.peak / 2**20, tail, memory.report()


def _tool_path():
    """A bin dir with ``ffmpeg`` (imageio-ffmpeg's binary) first on PATH."""
    path = Path(tempfile.gettempdir()) / "srtmedia-bench-bin"
    path.mkdir(exist_ok=True)
    link = path / "ffmpeg"
    if not link.exists():
        with contextlib.suppress(FileExistsError):   # another run (or thread) made it just now
            link.symlink_to(ffmpeg_exe())
    return f"{path}{os.pathsep}{os.environ.get('PATH', '')}"


def run_srtmedia(case, workdir, timeout=900, options=None):
    """srtmedia.pipeline.run in a child (``bench.child``); Outcome with the result dict."""
    out = Path(workdir) / "srtmedia.json"
    cmd = [sys.executable, "-m", "bench.child", str(case.subtitles), str(case.media), str(out),
           "--options", json.dumps(options or {})]
    code, wall, cpu, rss, tail, memory = measure(cmd, timeout, log_path=Path(workdir) / "srtmedia.log")
    if code != 0 or not out.exists():
        return Outcome("srtmedia", False, wall, cpu, rss, _why(code, tail), extra={"memory_mb": memory})
    payload = json.loads(out.read_text(encoding="utf-8"))
    return Outcome("srtmedia", True, wall, cpu, rss, output=payload["result"],
                   extra={"run_s": payload["seconds"], "stages": payload["stages"], "cpu": payload.get("cpu", {}),
                          "memory_mb": memory})


FFSUBSYNC_VARIANTS = {
    "ffsubsync": [],
    # alass-style piecewise offsets: the mode meant for breaks and cuts.
    "ffsubsync-split": ["--split-penalty"],
}


def run_ffsubsync(case, workdir, variant="ffsubsync", timeout=600):
    """``ffs media -i in.srt -o out.srt`` in a child; Outcome with the output cues."""
    # The interpreter's own bin dir first: a virtualenv need not be on PATH.
    exe = shutil.which("ffs", path=str(Path(sys.executable).parent)) or shutil.which("ffs")
    if exe is None:
        return Outcome(variant, False, error="ffs not installed (pip install ffsubsync)")
    out = Path(workdir) / f"{variant}.srt"
    cmd = [exe, str(case.media), "-i", str(case.subtitles), "-o", str(out)]
    cmd += FFSUBSYNC_VARIANTS[variant]
    env = {**os.environ, "PATH": _tool_path()}
    code, wall, cpu, rss, tail, memory = measure(cmd, timeout, env=env,
                                                 log_path=Path(workdir) / f"{variant}.log")
    if code != 0 or not out.exists():
        return Outcome(variant, False, wall, cpu, rss, _why(code, tail), extra={"memory_mb": memory})
    return Outcome(variant, True, wall, cpu, rss, output=parse_srt(out.read_text(encoding="utf-8")),
                   extra={**_ffs_fit(tail), "memory_mb": memory})


def _ffs_fit(log):
    """Offset and scale factor ffsubsync printed, if any."""
    found = {}
    for line in log.splitlines():
        for key, label in (("offset", "offset seconds:"), ("scale", "framerate scale factor:")):
            if label in line:
                try:
                    found[key] = float(line.split(label)[1].split()[0])
                except (IndexError, ValueError):
                    pass
    return found


def _why(code, tail):
    """A one-line reason for a failed child."""
    if code is None:
        return "timed out"
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    return f"exit {code}: {lines[-1][:200] if lines else 'no output'}"


METHODS = ["srtmedia", *FFSUBSYNC_VARIANTS]


def run_method(name, case, workdir, srtmedia_options=None):
    """Dispatch on a method name from ``METHODS``."""
    if name == "srtmedia":
        return run_srtmedia(case, workdir, options=srtmedia_options)
    return run_ffsubsync(case, workdir, variant=name)
