"""What a page shows: the session's dataset, its config, and the (cached) analyses.

A session looks at its own upload when it has one, otherwise at the shared read-only demo
dataset given to ``flowgap serve INPUT...``. Its classification edits and team source apply on
top of the served config. Results are cached in a small LRU keyed by
(data digest, ingest-config digest) for load results and by
(data digest, full-config digest, filter digest) for analyses, so going back to a view
costs nothing. A filter change does not re-run the engine: the selected items' analysis is
the unfiltered one narrowed with ``Analysis.select`` (the same steps over the selected items'
rows; each table computed when a page first reads it).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..config import Config, parse_toml
from ..engine.analysis import Analysis
from ..errors import FlowgapError
from ..ingest.inflate import MB
from ..model import LoadResult
from .filters import Filters, selected_mask
from .sessions import SessionState, SessionStore

log = logging.getLogger("flowgap.dashboard")

#: An upload inflates to at most this many times the upload limit (all its layers together).
UPLOAD_INFLATION = 10
#: How the inflation cap of an upload is named in its error.
UPLOAD_CAP = f"{UPLOAD_INFLATION} x the dashboard's upload limit"


class LRUCache:
    """Thread-safe LRU bounded by entries and by memory; concurrent requests for the same key
    compute it once.

    Each entry's memory is measured (``nbytes``: the Arrow buffers it holds) when it is stored
    and again when it is read, since an analysis computes its tables on first read. Past
    ``maxsize`` entries or ``budget_bytes``, the least recently used entries go (the newest
    stays even alone over the budget: the request in flight needs it). The lock that makes a
    second request wait for a computation is per key, and a key that runs a session's own
    input (its upload, its config) carries the session id: no lock shared by two sessions is
    held while one of them runs its input.
    """

    def __init__(self, maxsize: int = 24, budget_bytes: int | None = None) -> None:
        self.maxsize = maxsize
        self.budget_bytes = budget_bytes
        self._data: OrderedDict[tuple, Any] = OrderedDict()
        self._sizes: dict[tuple, int] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[tuple, threading.Lock] = {}
        self.hits = 0
        self.misses = 0
        self.evicted = 0

    def get_or_compute(self, key: tuple, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                value = self._data[key]
                hit = True
            else:
                key_lock = self._key_locks.setdefault(key, threading.Lock())
                hit = False
        if hit:
            self._measure(key, value)
            return value
        with key_lock:
            with self._lock:
                if key in self._data:
                    self.hits += 1
                    return self._data[key]
            value = compute()
            with self._lock:
                self.misses += 1
                self._data[key] = value
                self._data.move_to_end(key)
                self._key_locks.pop(key, None)
            self._measure(key, value)
            return value

    def _measure(self, key: tuple, value: Any) -> None:
        size = nbytes(value)  # outside the cache's lock: sizes are summed table by table
        with self._lock:
            if key not in self._data:
                return
            self._sizes[key] = size
            gone = 0
            while len(self._data) > 1 and (
                len(self._data) > self.maxsize
                or (self.budget_bytes is not None and self.nbytes > self.budget_bytes)
            ):
                old, _ = self._data.popitem(last=False)
                self._sizes.pop(old, None)
                gone += 1
            self.evicted += gone
        if gone:
            release_memory()

    def drop(self, keep: Callable[[tuple], bool]) -> int:
        """Forget every entry whose key ``keep`` refuses (an expired session's); returns how
        many went."""
        with self._lock:
            gone = [key for key in self._data if not keep(key)]
            for key in gone:
                del self._data[key]
                self._sizes.pop(key, None)
        if gone:
            release_memory()
        return len(gone)

    @property
    def nbytes(self) -> int:
        return sum(self._sizes.values())

    def __len__(self) -> int:
        return len(self._data)


def nbytes(value: Any) -> int:
    """The memory a cached value holds, as far as it is Arrow data (nearly all of it)."""
    if isinstance(value, Analysis):
        return value.nbytes()
    if isinstance(value, LoadResult):
        return value.events.get_total_buffer_size() + value.items.get_total_buffer_size()
    if isinstance(value, pa.Table):
        return value.get_total_buffer_size()
    if isinstance(value, tuple | list):
        return sum(nbytes(v) for v in value)
    return 0


def release_memory() -> None:
    """Hand what evicted entries held back to the system: Arrow's allocator keeps freed pages
    for reuse, and glibc keeps freed heap until asked (``malloc_trim``); without this a
    server's RSS stays at its peak long after the data is gone."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def use_the_system_allocator() -> None:
    """For a server process (``flowgap serve``, the WSGI entry): Arrow allocates with the C
    library's ``malloc`` instead of its default mimalloc.

    mimalloc keeps the pages a thread freed in that thread's heap; the server answers each
    request on a thread of its own, so what a finished request's thread freed was never
    handed back, and a server stayed 250 MB above its baseline after every session had
    expired (measured with eight sessions of 3,000 items). ``malloc_trim`` hands glibc's
    free pages back whichever thread freed them. Called by the process' entry point, not by
    ``create_app``: it is a setting of the whole process."""
    pa.set_memory_pool(pa.system_memory_pool())


def _libc() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018  # glibc only
        return libc
    except (OSError, AttributeError):
        return None


_LIBC = _libc()


def digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:20]


def parse_uploaded_config(text: str, name: str, ignored: list[str] | None = None) -> Config:
    """A flowgap.toml uploaded from a browser. Raises ConfigError naming the file and key.

    ``steering.meetings_file`` is dropped (and named in ``ignored``): a path in an uploaded
    file must not make the server read its own files.
    """
    config = Config.from_dict(parse_toml(text, name), name)
    if config.steering.meetings_file is not None and ignored is not None:
        ignored.append("steering.meetings_file")
    config.steering.meetings_file = None
    return config


@dataclass
class Dataset:
    key: str  # digest of the data (upload bytes, or the demo inputs)
    label: str
    paths: list[Path]
    demo: bool


@dataclass
class View:
    """Everything a page renders from."""

    sid: str | None
    config: Config
    filters: Filters
    dataset: Dataset | None = None
    result: LoadResult | None = None  # unfiltered load result
    full: Analysis | None = None  # unfiltered analysis (filter options, as_of)
    analysis: Analysis | None = None  # the filtered analysis every page shows
    error: str | None = None  # a readable message instead of the data
    selected: int = 0  # items the filters keep
    state: SessionState = field(default_factory=SessionState)


class DataService:
    def __init__(
        self,
        base_config: Config,
        store: SessionStore,
        demo_paths: list[Path] | None = None,
        cache_size: int | None = None,
    ) -> None:
        self.base_config = base_config
        self.store = store
        limits = base_config.dashboard
        self.cache = LRUCache(cache_size or limits.cache_entries, int(limits.cache_mb * 1_000_000))
        #: Pages of the served data as drawn, per (config, page, query string): drawing a page
        #: (figures, grid rows) costs more than reading its cached analysis, and a team on the
        #: served data opens the same views. Bounded by entries only: a page is small next to
        #: the analysis it shows.
        self.pages = LRUCache(2 * limits.cache_entries)
        #: Uploaded flowgap.toml files as parsed, per session and text: every request reads
        #: the session's config, and a large one (thousands of status classes) costs seconds
        #: of a shared core to parse and validate.
        self.configs = LRUCache(2 * limits.cache_entries)
        # An expired session's cached data and analyses go with its directory.
        store.on_removed = self.forget_sessions
        self.demo: Dataset | None = None
        if demo_paths:
            paths = [Path(p) for p in demo_paths]
            names = ", ".join(p.name for p in paths)
            key = "demo:" + digest([str(p.resolve()) for p in paths])
            self.demo = Dataset(key=key, label=f"demo data ({names})", paths=paths, demo=True)

    # ------------------------------------------------------------------ config

    def config_for(self, state: SessionState, sid: str | None = None) -> Config:
        if state.config_toml:
            text, name = state.config_toml, state.config_name or "flowgap.toml"
            key = ("config", sid or "", digest([text, name]))

            def parse() -> Config:
                # One parsed config per session: the one it uploaded last.
                self.configs.drop(lambda k: k[1] != key[1] or k == key)
                return parse_uploaded_config(text, name)

            parsed = self.configs.get_or_compute(key, parse)
            config = parsed.model_copy(deep=True)  # the edits below must not reach the cache
            # The server's limits are not the uploader's to change.
            config.dashboard = self.base_config.dashboard.model_copy()
            config.input.max_inflated_mb = self.base_config.input.max_inflated_mb
            config.input.max_compression_ratio = self.base_config.input.max_compression_ratio
        else:
            config = self.base_config.model_copy(deep=True)
        if state.upload_key:
            self.cap_upload(config)
        if state.input_map:
            ((section, values),) = state.input_map.items()
            config = config.with_input(section, values, "column mapping")
        if state.classes:
            config.statuses.classes = {**config.statuses.classes, **state.classes}
        if state.team_source is not None:
            config.teams.source = list(state.team_source)  # type: ignore[assignment]
        teams = config.teams
        for name, edits in (("status_map", state.status_map), ("assignee_map", state.assignee_map)):
            if edits:
                merged = {**getattr(teams, name), **edits}
                setattr(teams, name, {k: v for k, v in merged.items() if v})
        return config

    def cap_upload(self, config: Config) -> None:
        """Hold ``config``'s inputs to :meth:`upload_inflated_bytes`, the error past it naming
        that cap (not ``[input] max_inflated_mb``, which an uploader cannot change)."""
        config.input.cap_inflated(self.upload_inflated_bytes() / MB, UPLOAD_CAP)

    def upload_inflated_bytes(self) -> int:
        """The most an upload may inflate to, over all its gzip and zip layers: the served
        ``[input] max_inflated_mb``, and at most ``UPLOAD_INFLATION`` x the upload limit (a
        2 MB gzip within the ratio limit inflated to 300 MB, 2 GB of memory)."""
        base = self.base_config
        served = int(base.input.max_inflated_mb * MB)
        return min(served, int(UPLOAD_INFLATION * base.dashboard.upload_limit_mb * 1_000_000))

    @staticmethod
    def owner(sid: str | None, state: SessionState) -> str:
        """Who a cache entry belongs to: the session when its config is its own input (an
        uploaded flowgap.toml, classification edits), so that no computation of one
        session's input holds a lock another session waits for; "" for the served config,
        whose results every session may share."""
        return (sid or "") if state.own_config else ""

    def forget_sessions(self, sids: list[str]) -> int:
        """Drop the cached data and analyses of these sessions (expired, or replaced)."""
        gone = set(sids)

        def keep(key: tuple) -> bool:
            return not any(
                isinstance(part, str) and (part in gone or part.split(":", 1)[0] in gone)
                for part in key
            )

        return self.cache.drop(keep) + self.pages.drop(keep) + self.configs.drop(keep)

    def page(self, view: View, name: str, search: str, draw: Callable[[], Any]) -> Any:
        """A page of ``view`` as ``draw`` makes it. Pages of the served data under the served
        config, which every session may be looking at, are drawn once per query string
        (every page but the upload page is a function of the data, the config and the query
        string alone); a session's own data or config is drawn for each request, so that
        its pages' many small objects do not outlive the session in the heap."""
        dataset = view.dataset
        if dataset is None or not dataset.demo or view.error or self.owner(view.sid, view.state):
            return draw()
        key = ("page", dataset.key, digest(view.config.to_toml_dict()), name, search)
        return self.pages.get_or_compute(key, draw)

    # ------------------------------------------------------------------ data

    def dataset_for(self, sid: str | None, state: SessionState) -> Dataset | None:
        if sid and state.upload_key:
            paths = self.store.upload_paths(sid)
            if paths:
                names = ", ".join(state.uploaded_names) or ", ".join(p.name for p in paths)
                # The session id is part of the key: equal bytes uploaded by two sessions are
                # still two private datasets.
                return Dataset(
                    key=f"{sid}:{state.upload_key}",
                    label=f"your upload ({names})",
                    paths=paths,
                    demo=False,
                )
        return self.demo

    def load(self, dataset: Dataset, config: Config, owner: str = "") -> LoadResult:
        from .. import load

        ingest_key = digest(config.input.model_dump(mode="json"))
        return self.cache.get_or_compute(
            ("load", dataset.key, ingest_key, owner), lambda: load(dataset.paths, config)
        )

    def analyze(self, dataset: Dataset, config: Config, filters: Filters, owner: str = "") -> tuple:
        """(unfiltered analysis, filtered analysis or None when nothing is selected, count)."""
        from .. import analyze

        result = self.load(dataset, config, owner)
        config_key = digest(config.to_toml_dict())
        full = self.cache.get_or_compute(
            ("analysis", dataset.key, config_key, "", owner), lambda: analyze(result, config)
        )
        if not filters.active:
            return full, full, full.items.num_rows

        def filtered() -> tuple[Analysis | None, int]:
            mask = selected_mask(full.items, full.timeline, filters, full.as_of)
            count = int(mask.sum())
            if not count:
                return None, 0
            return full.select(mask), count

        part, count = self.cache.get_or_compute(
            ("analysis", dataset.key, config_key, filters.key(), owner), filtered
        )
        return full, part, count

    def filter_options(self, view: View) -> dict[str, list[str]]:
        """The dropdowns' values of the unfiltered analysis, computed once per data + config."""
        from .filters import options

        assert view.dataset is not None and view.full is not None
        full = view.full
        owner = self.owner(view.sid, view.state)
        key = ("options", view.dataset.key, digest(view.config.to_toml_dict()), owner)
        return self.cache.get_or_compute(key, lambda: options(full.items, full.timeline))

    def view(self, sid: str | None, filters: Filters) -> View:
        state = self.store.state(sid) if sid else SessionState()
        config = self.config_for(state, sid)
        view = View(sid=sid, config=config, filters=filters, state=state)
        view.dataset = self.dataset_for(sid, state)
        if view.dataset is None:
            return view
        owner = self.owner(sid, state)
        try:
            view.result = self.load(view.dataset, config, owner)
            view.full, view.analysis, view.selected = self.analyze(
                view.dataset, config, filters, owner
            )
        except FlowgapError as err:
            view.error = str(err)
        except Exception as exc:  # never a stack trace in the page; the log keeps it
            log.exception("analysis failed for %s", view.dataset.label)
            view.error = f"flowgap could not analyse this data: {type(exc).__name__}: {exc}"
        return view
