"""The XES lifecycle model of one case: which status each event leaves the case in.

In a log where some activity is ever started (``lifecycle:transition`` = start), START of X
makes the status X: someone works on it. COMPLETE of X ends that instance; the status becomes
the most recently started instance still open, or, when none is, "waiting after X" (a wait).
Touch time is then the union of the START->COMPLETE intervals. A COMPLETE of X while no
instance of X is open (a work item cancelled before anyone started it) ends no work and leaves
the status alone.

An activity never started anywhere in the log is a point in time, not work: its COMPLETE (or an
event without a transition) is an instantaneous status change to the activity, as in a log
without start transitions. BPI Challenge 2012 records its application and offer states (and
its outcomes, A_DECLINED, A_APPROVED) only as COMPLETE events beside started work items; left
out, no case of its 13,087 ever reached an outcome. While an instance is open the work goes
on: such an event leaves the status alone, and the latest one is where the case stands when
the work completes (instead of "waiting after X"), so an outcome reached during the work is not
lost. Other transitions (SCHEDULE, ...) leave the status alone.
"""

from __future__ import annotations

START = "start"
COMPLETE = "complete"


class CaseLifecycle:
    """The status of one case, event by event (:meth:`step`), under the lifecycle model."""

    def __init__(self, started: set[str], waiting_prefix: str) -> None:
        self._started = started
        self._waiting_prefix = waiting_prefix
        # The open instances, the latest started last, each (activity, instance number); an
        # instance completed below the top stays until it surfaces (``_closed``), so that a
        # case of many open instances costs a step each, not a scan of them all.
        self._open: list[tuple[str, int]] = []
        self._instances: dict[str, list[int]] = {}  # the open instances of each activity
        self._closed: set[int] = set()
        self._count = 0
        #: The latest never-started activity completed while work was open.
        self._reached: str | None = None

    def opens(self, activity: str, transition: str | None) -> bool:
        """Whether the case's first event sets its status itself; otherwise the case starts
        "queued"."""
        tr = (transition or COMPLETE).lower()
        return tr == (START if activity in self._started else COMPLETE)

    def step(self, activity: str, transition: str | None) -> str | None:
        """The status after this event, or None when it leaves the status alone."""
        tr = (transition or COMPLETE).lower()
        if activity not in self._started:
            if tr != COMPLETE:
                return None
            if self._open:  # its top is always an instance still open
                self._reached = activity
                return None
            return activity
        if tr == START:
            self._count += 1
            self._open.append((activity, self._count))
            self._instances.setdefault(activity, []).append(self._count)
            return activity
        if tr != COMPLETE:
            return None
        instances = self._instances.get(activity)
        if not instances:
            return None  # it ends no work (cancelled before it started): nothing changes
        self._closed.add(instances.pop())  # the latest started instance of the activity
        while self._open and self._open[-1][1] in self._closed:
            self._closed.remove(self._open.pop()[1])
        if self._open:
            return self._open[-1][0]
        reached, self._reached = self._reached, None
        return reached or self._waiting_prefix + activity
