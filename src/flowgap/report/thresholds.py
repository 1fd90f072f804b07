"""``--fail-on`` thresholds: a small grammar, a real tokenizer and parser, never ``eval``.

::

    threshold := metric OP value
    metric    := NAME ( "." NAME | "[" STRING "]" )*       e.g. wait_share.status['Ready for QA']
    OP        := "<" | "<=" | ">" | ">=" | "==" | "!="
    value     := NUMBER [UNIT] | "baseline" [ ("+" | "-") NUMBER [UNIT] ]
    UNIT      := "d" | "h" | "%"

A threshold states the *failing* condition: ``lead_time.p85 > 30d`` fails the run when the
85th percentile of lead time exceeds 30 days. Units: ``d`` and ``h`` turn days and hours into
seconds and are allowed on duration metrics only; ``%`` divides by 100 on ratio metrics
(``40%`` is 0.40). A number without a unit is taken in the metric's own unit (seconds for
durations, 0..1 for ratios). After ``baseline``, ``+ 10%`` means 10 percent of the baseline's
value, ``- 5`` or ``+ 2d`` an absolute difference.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..engine import summary_metrics as registry
from ..engine.summary_metrics import Kind
from ..errors import UsageError, unknown_name
from ..units import DAY_S

#: Metric groups of ``Analysis.summary`` and their keys (from ``engine/summary_metrics.py``).
METRICS: dict[str, tuple[str, ...]] = {
    g.name: g.all_keys for g in registry.GROUPS if g.addressable and not g.named
}
#: Groups keyed by a name from the data: ``wait_share.status['Ready for QA']``.
NAMED_METRICS: dict[str, tuple[str, ...]] = {
    g.name: g.all_keys for g in registry.GROUPS if g.addressable and g.named
}
UNITS = {"d": DAY_S, "h": DAY_S / 24}
#: Where every metric is documented, for an error about an unknown one.
METRICS_DOC = "docs/metrics.md (section Summary)"


def _ratio_names() -> str:
    """The ratio metrics for an error message: ``flow_efficiency.*`` for a group of ratios."""
    names = []
    for g in registry.GROUPS:
        ratios = [m for m in g.every if m.kind is Kind.RATIO]
        if ratios and len(ratios) == len(g.every):
            names.append(f"{g.name}.*")
        else:
            names += [m.path for m in ratios]
    return ", ".join(names)


#: What a metric is, for a unit that does not fit it: what to write instead.
_KIND_PHRASES = {
    Kind.COUNT: "is a count (give a plain number)",
    Kind.AVERAGE: "is an average per item (give a plain number)",
    Kind.DURATION: "is a duration (write 30d, 12h, or seconds)",
    Kind.RATIO: "is a ratio (write 40% or 0.4)",
    Kind.MINUTES: "is in minutes (give a plain number)",
}


def _is(metric: Metric) -> str:
    return _KIND_PHRASES.get(metric.kind, "is not one")  # type: ignore[arg-type]


OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>\d+(?:\.\d*)?|\.\d+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<op><=|>=|==|!=|<|>)
  | (?P<punct>[.\[\]+\-%])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # number | name | string | op | punct | end
    text: str
    pos: int


@dataclass(frozen=True)
class Metric:
    """A path into the summary: ``("wait_share", "status", "Ready for QA")``."""

    parts: tuple[str, ...]

    @property
    def group(self) -> str:
        return self.parts[0]

    @property
    def kind(self) -> Kind | None:
        """From the registry; None for a path that names no metric."""
        return registry.kind_of(self.parts)

    @property
    def is_duration(self) -> bool:
        return self.kind is Kind.DURATION

    @property
    def is_ratio(self) -> bool:
        return self.kind is Kind.RATIO

    @property
    def is_average(self) -> bool:
        """An average of counts (2.35 handoffs per item), not a count."""
        return self.kind is Kind.AVERAGE

    def __str__(self) -> str:
        return format_path(self.parts)


@dataclass(frozen=True)
class Threshold:
    text: str
    metric: Metric
    op: str
    #: Absolute limit, or the offset from the baseline when ``relative``.
    number: float
    relative: bool = False
    #: Relative form with ``%``: the limit is baseline * (1 + number).
    proportional: bool = False


@dataclass(frozen=True)
class Outcome:
    """How one threshold fared: ``held`` is True when the failing condition was false."""

    threshold: Threshold
    actual: float | None
    limit: float | None
    baseline: float | None
    held: bool
    message: str

    def to_json(self) -> dict:
        t = self.threshold
        return {
            "expression": t.text,
            "metric": str(t.metric),
            "op": t.op,
            "relative": t.relative,
            "actual": self.actual,
            "limit": self.limit,
            "baseline": self.baseline,
            "held": self.held,
            "message": self.message,
        }


def format_path(parts: tuple[str, ...] | list[str]) -> str:
    out = parts[0]
    for i, p in enumerate(parts[1:], 1):
        # Names from the data (statuses, teams) are always quoted: wait_share.status['Done'].
        named = i == 2 and parts[0] in NAMED_METRICS
        ident = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", p)
        out += f".{p}" if ident and not named else f"[{p!r}]"
    return out


def valid_metric_names(summary: dict | None = None, limit: int = 40) -> list[str]:
    """Every metric a threshold can address (named ones from ``summary`` when given)."""
    names = [f"{g}.{k}" for g, keys in METRICS.items() for k in keys]
    for group, subs in NAMED_METRICS.items():
        for sub in subs:
            known = sorted(((summary or {}).get(group) or {}).get(sub) or {})
            if known:
                names += [format_path((group, sub, n)) for n in known[:limit]]
                if len(known) > limit:
                    names.append(f"{group}.{sub}[...] ({len(known) - limit} more)")
            else:
                names.append(f"{group}.{sub}['NAME']")
    return names


# --------------------------------------------------------------------------- parsing


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = self._tokenize(text)
        self.i = 0

    def _error(self, message: str, pos: int, hint: bool = True) -> UsageError:
        rest = self.text[pos:].strip()
        # JSON quoting keeps control characters escaped: the error stays one line.
        where = f"just before {json.dumps(rest, ensure_ascii=False)}" if rest else "at the end"
        # Where first, then what is wrong there: one sentence whatever the message.
        syntax = '; write METRIC OP NUMBER[d|h|%], e.g. "lead_time.p85 > 30d"' if hint else ""
        return UsageError(
            f"--fail-on {self.text!r}: at column {pos + 1} ({where}): {message}{syntax}"
        )

    def _tokenize(self, text: str) -> list[Token]:
        tokens, pos = [], 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m:
                raise self._error(f"unexpected character {text[pos]!r}", pos)
            kind = m.lastgroup or ""
            if kind != "ws":
                tokens.append(Token(kind, m.group(), pos))
            pos = m.end()
        tokens.append(Token("end", "", len(text)))
        return tokens

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self, kind: str, text: str | None = None, what: str = "") -> Token:
        tok = self.peek()
        if tok.kind != kind or (text is not None and tok.text != text):
            found = "the end" if tok.kind == "end" else repr(tok.text)
            raise self._error(f"expected {what or text or kind}, found {found}", tok.pos)
        self.i += 1
        return tok

    def parse(self) -> Threshold:
        metric = self.metric()
        op = self.take("op", what="a comparison (< <= > >= == !=)").text
        tok = self.peek()
        relative = proportional = False
        if tok.kind == "name" and tok.text == "baseline":
            self.i += 1
            relative = True
            sign_tok = self.peek()
            if sign_tok.kind == "punct" and sign_tok.text in "+-":
                self.i += 1
                number, unit = self.quantity(metric, relative=True)
                proportional = unit == "%"
                number = -number if sign_tok.text == "-" else number
            else:
                number = 0.0
        else:
            number, _ = self.quantity(metric, relative=False)
        end = self.peek()
        if end.kind != "end":
            raise self._error(f"unexpected {end.text!r}", end.pos)
        return Threshold(self.text.strip(), metric, op, number, relative, proportional)

    def metric(self) -> Metric:
        parts = [self.take("name", what="a metric name").text]
        while True:
            tok = self.peek()
            if tok.kind == "punct" and tok.text == ".":
                self.i += 1
                parts.append(self.take("name", what="a name after '.'").text)
            elif tok.kind == "punct" and tok.text == "[":
                self.i += 1
                raw = self.take("string", what="a quoted name inside [ ]").text
                parts.append(re.sub(r"\\(.)", r"\1", raw[1:-1]))
                self.take("punct", "]", what="']'")
            else:
                break
        return Metric(tuple(parts))

    def quantity(self, metric: Metric, relative: bool) -> tuple[float, str]:
        negative = False
        tok = self.peek()
        if tok.kind == "punct" and tok.text == "-" and not relative:
            negative = True
            self.i += 1
        num = self.take("number", what="a number" if relative else "a number or 'baseline'")
        value = float(num.text)
        unit = ""
        tok = self.peek()
        # A path that names no metric gets no unit check: parse() reports it as unknown.
        known = metric.kind is not None
        if tok.kind == "name" and tok.text in UNITS:
            unit = tok.text
            self.i += 1
            if known and not metric.is_duration:
                raise self._error(
                    f"unit '{unit}' needs a duration metric, and {metric} {_is(metric)}",
                    tok.pos,
                    hint=False,
                )
            value *= UNITS[unit]
        elif tok.kind == "punct" and tok.text == "%":
            unit = "%"
            self.i += 1
            if known and not relative and not metric.is_ratio:
                raise self._error(
                    f"'%' needs a ratio metric ({_ratio_names()}), and {metric} {_is(metric)}",
                    tok.pos,
                    hint=False,
                )
            value /= 100.0
        elif tok.kind == "name":
            raise self._error(f"unknown unit {tok.text!r} (units: d, h, %)", tok.pos)
        return (-value if negative else value), unit


def parse(text: str) -> Threshold:
    """Parse one ``--fail-on`` expression; check the metric exists in the summary's layout."""
    threshold = _Parser(text).parse()
    _check_static(threshold.metric)
    return threshold


def _check_static(metric: Metric) -> None:
    parts = metric.parts
    if parts[0] in METRICS and len(parts) == 2 and parts[1] in METRICS[parts[0]]:
        return
    if parts[0] in NAMED_METRICS and len(parts) == 3 and parts[1] in NAMED_METRICS[parts[0]]:
        return
    # Every name would take 900 characters: the close ones, and where all are documented.
    raise UsageError(
        f"--fail-on: {unknown_name('metric', str(metric), valid_metric_names(), METRICS_DOC)}"
    )


# --------------------------------------------------------------------------- evaluation


def lookup(
    summary: dict, metric: Metric, known_names: dict[str, set[str]] | None = None
) -> float | None:
    """The metric's value in ``summary``. A named metric (``wait_share.status['X']``) whose
    name is known to the data but absent from the map is 0; unknown to the data, an error."""
    node: object = summary
    for i, part in enumerate(metric.parts):
        if isinstance(node, dict) and part in node:
            node = node[part]
            continue
        if i == 2 and metric.group in NAMED_METRICS:
            kind = metric.parts[1]  # "status" or "team"
            known = (
                known_names.get(kind, set()) if known_names is not None else set(node or {})  # type: ignore[arg-type]
            )
            if part in known:
                return 0.0
            # The data's names of that kind, not every metric there is: a short line.
            raise UsageError(f"--fail-on {metric}: {unknown_name(kind, part, known)}")
        return None
    if isinstance(node, bool) or not isinstance(node, int | float):
        return None
    value = float(node)
    return None if math.isnan(value) else value


def display(metric: Metric, value: float | None) -> str:
    if value is None:
        return "no value"
    if metric.is_duration:
        return f"{value / DAY_S:.1f} d"
    if metric.is_ratio:
        return f"{value * 100:.1f}%"
    return number(value, decimals=metric.is_average)


def number(value: float, signed: bool = False, decimals: bool = False) -> str:
    """A count as a whole number with thousands separators (12,345), an average or any other
    fraction with two decimals (2.35, 3.00): never an exponent."""
    sign = "+" if signed else ""
    if not decimals and float(value).is_integer():
        return f"{int(value):{sign},}"
    return f"{value:{sign},.2f}"


def evaluate(
    thresholds: list[Threshold],
    summary: dict,
    baseline_summary: dict | None = None,
    known_names: dict[str, set[str]] | None = None,
) -> list[Outcome]:
    """Evaluate every threshold against the summary (and the baseline's for relative ones)."""
    out = []
    for t in thresholds:
        actual = lookup(summary, t.metric, known_names)
        base = None
        if t.relative:
            if baseline_summary is None:
                raise UsageError(f"--fail-on {t.text!r}: a 'baseline' threshold needs --baseline")
            base = lookup(baseline_summary, t.metric, known_names)
            limit = (
                None
                if base is None
                else (base * (1.0 + t.number) if t.proportional else base + t.number)
            )
        else:
            limit = t.number
        if actual is None or limit is None:
            missing = "this run" if actual is None else "the baseline"
            msg = f"failed: {t.metric} has no value in {missing}, so it cannot hold"
            out.append(Outcome(t, actual, limit, base, False, msg))
            continue
        failed = OPS[t.op](actual, limit)
        verdict = "failed" if failed else "held"
        msg = f"{t.metric} = {display(t.metric, actual)}, limit {t.op} {display(t.metric, limit)}"
        if base is not None:
            msg += f" (baseline {display(t.metric, base)})"
        out.append(Outcome(t, actual, limit, base, not failed, f"{verdict}: {msg}"))
    return out
