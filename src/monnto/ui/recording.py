"""The UI's recorders: merged requests, one recorder per expression (Qt-free).

Every module asks for ``(group, expression, timesteps)``. Requests for the
same expression on the same group are merged: the expression is recorded once,
by a ring-buffer :class:`~monnto.behaviours.recorder.Recorder` whose
``max_length`` is the longest request. Expressions of equal length share one
Recorder (tag ``'UI_rec,rec_<length>'``); ``'n.iteration'`` is always added,
sized for the longest request of the group, so every series can be aligned
with the iterations at which it was taken.
"""
from __future__ import annotations

import logging
import numbers
import warnings
from typing import Any

import numpy as np

from ..behaviours.recorder import Recorder
from ..behaviours.recorder_expressions import assigned_by_some_behaviour, compile_expression

log = logging.getLogger("monnto.ui")

ITERATION = "n.iteration"
#: Behaviour keys of UI recorders start here (after every ordinary key).
UI_KEY_BASE = 1_000_000


class _Behaviours:
    """A stand-in network holding only some behaviours, for :func:`assigned_by_some_behaviour`."""

    def __init__(self, behaviours: list) -> None:
        self.behaviours = behaviours

    def all_behaviours(self) -> list:
        return self.behaviours


def may_be_assigned(group: Any, attribute: str) -> bool:
    """Whether ``group.attribute`` exists or some behaviour may create it in a step.

    A behaviour with an ``assigns_attribute(group, attribute)`` method answers
    for itself (the sensory inputs create all their outputs at initialize, so
    they know); for the others, the source of their class is read
    (:func:`~monnto.behaviours.recorder_expressions.assigned_by_some_behaviour`).
    """
    if hasattr(group, attribute):
        return True
    unknown = []
    for behaviour in group.network.all_behaviours():
        answer = getattr(behaviour, "assigns_attribute", None)
        known = answer(group, attribute) if callable(answer) else None
        if known:
            return True
        if known is None:
            unknown.append(behaviour)
    return assigned_by_some_behaviour(_Behaviours(unknown), attribute)


class UIRecordings:
    """Collects recording requests and owns the UI recorders of a network."""

    def __init__(self, network):
        self.network = network
        self.requests: dict[int, dict[str, int]] = {}
        self.groups: dict[int, Any] = {}
        self.recorders: dict[tuple[int, str], Recorder] = {}
        self.created: list[Recorder] = []

    def request(self, group: Any, expression: str, timesteps: int) -> None:
        if group not in self.network.NeuronGroups and group not in self.network.SynapseGroups:
            raise ValueError(f"add_recording_variable: {group!r} is not a group of {self.network!r}")
        if not isinstance(expression, str) or not expression.strip():
            raise TypeError(f"add_recording_variable: expression must be a non-empty string such as "
                            f"'n.voltage', got {expression!r}")
        if isinstance(timesteps, bool) or not isinstance(timesteps, numbers.Integral) or timesteps < 1:
            raise ValueError(f"add_recording_variable({group!r}, {expression!r}): timesteps must be a "
                             f"positive int, got {timesteps!r}")
        table = self.requests.setdefault(id(group), {})
        self.groups[id(group)] = group
        key = (id(group), expression)
        if key in self.recorders:  # already recording: grow only if needed
            if self.recorders[key].max_length >= timesteps:
                return
            warnings.warn(f"add_recording_variable({group!r}, {expression!r}, {timesteps}) after the "
                          f"UI recorders were built keeps the existing length "
                          f"{self.recorders[key].max_length}", stacklevel=3)
            return
        table[expression] = max(table.get(expression, 0), int(timesteps))

    def _usable(self, group: Any, expression: str) -> bool:
        try:
            fn = compile_expression(expression, group, f"Network_UI recorder on {group!r}")
            fn(group)
        except AttributeError as err:
            if err.name is not None and may_be_assigned(group, err.name):
                return True
            log.info("Network_UI: not recording %r on %r (%s)", expression, group, err)
            return False
        except Exception as err:  # a bad expression should not stop the UI
            log.warning("Network_UI: not recording %r on %r: %s: %s", expression, group,
                        type(err).__name__, err)
            return False
        return True

    def build(self) -> None:
        """Create the recorders for every pending request."""
        for gid, table in self.requests.items():
            group = self.groups[gid]
            pending = {e: n for e, n in table.items()
                       if (gid, e) not in self.recorders and self._usable(group, e)}
            if not pending:
                continue
            longest = max([*pending.values(), *(r.max_length for (g, _), r in self.recorders.items()
                                                 if g == gid)])
            if (gid, ITERATION) not in self.recorders:
                pending[ITERATION] = max(pending.get(ITERATION, 0), longest)
            by_length: dict[int, list[str]] = {}
            for expression, length in pending.items():
                by_length.setdefault(length, []).append(expression)
            for length, expressions in sorted(by_length.items()):
                recorder = Recorder(expressions, tag=f"UI_rec,rec_{length}", max_length=length)
                key = UI_KEY_BASE + length
                while key in group.behaviour:
                    key += 0.5
                group.add_behaviour(key, recorder)
                self.created.append(recorder)
                for expression in expressions:
                    self.recorders[(gid, expression)] = recorder
            table.clear()

    # -- reading ------------------------------------------------------------
    def has(self, group: Any, expression: str) -> bool:
        return (id(group), expression) in self.recorders

    def read(self, group: Any, expression: str, column: Any = None, last: int | None = None) -> np.ndarray:
        """Oldest-first samples of ``expression`` (optionally only ``column`` of each)."""
        recorder = self.recorders.get((id(group), expression))
        if recorder is None:
            return np.empty((0,))
        block = getattr(recorder, "_blocks", {}).get(expression)
        if block is None:
            return np.empty((0,))
        return ring_read(block, column, last)

    def series(self, group: Any, expression: str, column: Any = None,
               last: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(iterations, values)`` of the same length, oldest first."""
        values = self.read(group, expression, column, last)
        iterations = self.read(group, ITERATION, None, last)
        k = min(len(values), len(iterations))
        return iterations[len(iterations) - k:], values[len(values) - k:]

    def clear(self) -> None:
        for recorder in self.created:
            recorder.clear_recorder()

    def set_enabled(self, enabled: bool) -> None:
        for recorder in self.created:
            recorder.behaviour_enabled = bool(enabled)
        self.network._structure_changed(clear_tags=False)


def ring_read(block: Any, column: Any = None, last: int | None = None) -> np.ndarray:
    """Read a recorder block oldest first without copying more than asked.

    ``column`` selects along the first sample axis (e.g. one neuron) before the
    ring is unrolled, so reading one neuron's trace of a (T, N) recording costs
    O(T), not O(T N).
    """
    data = getattr(block, "data", None)
    if data is None or not hasattr(block, "total"):
        out = block.read()
        if column is not None:
            out = out[:, column]
        return out if last is None else out[-last:]
    count, total, max_length = block.count, block.total, block.max_length
    if max_length is None or total <= max_length:
        index = np.arange(count)
    else:
        start = total % max_length
        index = (np.arange(count) + start) % max_length
    if last is not None:
        index = index[-last:] if last > 0 else index[:0]
    if column is None:
        if len(index) and index[-1] >= index[0] and len(index) == index[-1] - index[0] + 1:
            return data[index[0]: index[-1] + 1]
        return data[index]
    if data.ndim == 1:
        return data[index]
    if np.ndim(column) > 0:
        return data[np.ix_(index, np.asarray(column))]
    return data[index, column]
