"""Run one task in a fresh process and measure it from outside.

Wall time is taken around the whole process; CPU time comes from ``os.wait4`` on that very
child. Peak RSS is the child's ``VmHWM`` (the kernel's high-water mark of its resident set),
polled from ``/proc/<pid>/status`` every 10 ms while it runs and, for our own tasks, also read
by the child itself just before it exits. ``ru_maxrss`` is not used: it keeps the high-water
mark of the memory the child was forked from (the harness' own), which inflates small
processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]


_SEQ = [0]


class TaskFailed(RuntimeError):
    pass


@dataclass
class Measure:
    name: str
    wall_s: float  # whole process: interpreter start, imports, work, exit
    cpu_s: float  # user + system CPU of the process (less sensitive to a loaded machine)
    peak_rss_mb: float
    inner_s: float | None = None  # the work itself, timed inside the child after imports
    inner_cpu_s: float | None = None  # CPU time of that work (all threads)
    phases: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def task_cmd(*args: object) -> list[str]:
    return [sys.executable, "-m", "tests.benchmarks.tasks", *map(str, args)]


def run(name: str, cmd: list[str], timeout: float = 3600.0) -> Measure:
    """Run ``cmd`` (cwd: the project root); parse its ``RESULT`` line when it prints one."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONWARNINGS="ignore")
    _SEQ[0] += 1
    out_path = ROOT / "tests" / "benchmarks" / ".cache" / f"task-{os.getpid()}-{_SEQ[0]}.log"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    with out_path.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = t + timeout
        hwm_kb = 0
        while True:
            hwm_kb = max(hwm_kb, vm_hwm_kb(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise TaskFailed(f"{name}: timed out after {timeout:.0f} s")
            time.sleep(0.01)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = out_path.read_text(encoding="utf-8", errors="replace")
    out_path.unlink(missing_ok=True)
    if proc.returncode != 0:
        tail = "\n".join(text.strip().splitlines()[-15:])
        raise TaskFailed(f"{name}: exit {proc.returncode}\n{tail}")
    m = Measure(
        name=name,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=0.0,
    )
    for line in text.splitlines():
        if line.startswith("RESULT "):
            doc = orjson.loads(line[7:])
            m.inner_s, m.phases, m.facts = doc["inner_s"], doc["phases"], doc["facts"]
            m.inner_cpu_s = doc.get("inner_cpu_s")
            hwm_kb = max(hwm_kb, int(m.facts.pop("vm_hwm_kb", 0)))
    m.peak_rss_mb = hwm_kb * 1024 / 1e6  # MB = 10^6 bytes
    return m


def vm_hwm_kb(pid: int | str = "self") -> int:
    """Peak resident set size of a live process in KiB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0
