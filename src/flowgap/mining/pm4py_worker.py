"""pm4py in a process of its own, for one-shot runs (``flowgap analyze``).

``import pm4py`` costs about 2 s of CPU (pandas, scipy, matplotlib and every pm4py module),
nearly all of it Python holding the GIL. Imported in a thread of the analysing process, it
takes turns with the engine's Python work and flowgap's other imports instead of running
beside them on a core of its own. A worker process imports it from the start of the run, and
the calls into pm4py go there: the engine's reduced tables are sent (Arrow tables pickle as
their buffers), the maps, variants and drawings come back.

The worker is a plain ``python -c`` child speaking pickle over two pipes, not a
``multiprocessing`` pool: that would run the parent's main script again in the child, which a
script calling flowgap need not guard against. Only a process that has not imported pm4py
starts one: where pm4py is imported already (a test session, the dashboard's server), and
when no worker runs or it died, the calls run in process. The functions are the same either
way, so each rule stays in one place.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

T = TypeVar("T")


class _Worker:
    def __init__(self) -> None:
        to_child, inbox = os.pipe()
        outbox, from_child = os.pipe()
        src = str(Path(__file__).resolve().parents[2])  # where flowgap is imported from
        path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"from flowgap.mining.pm4py_worker import serve; serve({to_child}, {from_child})",
            ],
            pass_fds=(to_child, from_child),
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": path},
        )
        os.close(to_child)
        os.close(from_child)
        self.send: IO[bytes] = os.fdopen(inbox, "wb")
        self.receive: IO[bytes] = os.fdopen(outbox, "rb")
        self.lock = threading.Lock()

    def call(self, fn: Callable[..., T], args: tuple) -> T:
        with self.lock:
            pickle.dump((fn, args), self.send, protocol=pickle.HIGHEST_PROTOCOL)
            self.send.flush()
            ok, value = pickle.load(self.receive)
        if not ok:
            raise value
        return value

    def close(self) -> None:
        # Every answer is in: the worker holds nothing worth a clean exit (and may still be
        # importing pm4py when a run fails early). Waited for, so that no process outlives
        # the run and its CPU time counts in the run's.
        for pipe in (self.send, self.receive):
            with contextlib.suppress(OSError):
                pipe.close()
        self.process.kill()
        self.process.wait()


_worker: _Worker | None = None
_lock = threading.Lock()


def start() -> bool:
    """Start the worker and its import of pm4py, once; False (nothing started) where pm4py is
    imported in this process already, or off POSIX (the pipes are passed as descriptors)."""
    global _worker
    with _lock:
        if _worker is None and "pm4py" not in sys.modules and os.name == "posix":
            _worker = _Worker()
        return _worker is not None


def running() -> bool:
    return _worker is not None


def call(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` where pm4py is: in the worker when it runs (``fn`` a module-level
    function, ``args`` and the result picklable), else here."""
    worker = _worker
    if worker is not None:
        try:
            return worker.call(fn, args)
        except (OSError, EOFError, pickle.UnpicklingError):
            stop()  # the worker died (killed, out of memory): carry on here
    return fn(*args)


def stop() -> None:
    """Let the worker go."""
    global _worker
    with _lock:
        worker, _worker = _worker, None
    if worker is not None:
        worker.close()


def serve(inbox: int, outbox: int) -> None:
    """The worker's loop: import pm4py, then answer calls until the inbox closes."""
    # Ctrl-C reaches the whole process group: the parent handles it, and its exit closes
    # the pipes, which ends this loop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import pm4py  # noqa: F401  (the import this process exists for)

    with os.fdopen(inbox, "rb") as receive, os.fdopen(outbox, "wb") as send:
        while True:
            try:
                fn, args = pickle.load(receive)
            except EOFError:  # the parent is gone: nothing to flush, no teardown needed
                os._exit(0)
            try:
                answer = pickle.dumps((True, fn(*args)), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # raised in the caller, as it would be in process
                try:
                    answer = pickle.dumps((False, exc))
                except Exception:
                    answer = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
            send.write(answer)
            send.flush()
