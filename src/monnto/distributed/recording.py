"""Recorders of a distributed network: local samples, global results on rank 0.

Each rank records what its behaviours see. A recorded expression is one of

* **local** (its value has one entry per local neuron, ``'n.voltage'``,
  ``'n.spike'``): each rank records its neurons; at the end of every
  ``simulate_iterations`` / ``simulate_iteration`` (a collective point all
  ranks reach) the new samples are gathered to rank 0, which keeps them in
  global neuron order (EventRecorder events with global indices, sorted by
  step and index as a single process records them);
* **global** (anything else, ``'np.mean(n.voltage)'``, ``'n.iteration'``):
  evaluated on the :class:`~monnto.distributed.views.GlobalView` of the
  group, so ``n.voltage`` in it is the whole group's vector and the value is
  the one a single process records; every rank records the same values.

Reading a Recorder on rank 0 (``net['n.voltage', 0]``, ``rec['n.spike.i']``)
needs no communication and returns the global arrays, so rank 0 may read
alone. Other ranks read their local samples (events with global indices).
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["GatheredSeries", "RecorderSync"]


class GatheredSeries:
    """Rank 0's global recording of one expression: appended blocks, read as one array.

    Parameters
    ----------
    max_length : int or None
        Keep only the newest samples (the Recorder's ``max_length``).
    """

    def __init__(self, max_length: int | None = None):
        self.parts: list[np.ndarray] = []
        self.max_length = max_length
        self._joined: np.ndarray | None = None
        self._empty: np.ndarray = np.empty((0,))

    def append(self, rows: np.ndarray) -> None:
        if not self.parts:
            self._empty = rows[:0]
        if len(rows):
            self.parts.append(rows)
            self._joined = None

    def read(self) -> np.ndarray:
        if self._joined is None:
            if not self.parts:
                return self._empty
            joined = np.concatenate(self.parts) if len(self.parts) > 1 else self.parts[0]
            if self.max_length is not None and len(joined) > self.max_length:
                joined = joined[-self.max_length:]
            self.parts = [joined]
            self._joined = joined
        return self._joined


class RecorderSync:
    """Gathers the local recordings of all ranks to rank 0 after each run."""

    def __init__(self, ctx: Any):
        self.ctx = ctx
        #: (id(recorder), expression) -> 'local' or 'global'
        self.modes: dict[tuple[int, str], str] = {}
        #: id(block) -> samples (or event rows) already sent
        self.sent: dict[int, int] = {}

    def _new_rows(self, block: Any) -> np.ndarray | None:
        from ..behaviours.recording_blocks import EventBlock, SampleBlock

        sent = self.sent.get(id(block), 0)
        if isinstance(block, EventBlock):
            if block.count < sent:  # cleared
                sent = 0
            rows = np.array(block.data[sent:block.count])
            self.sent[id(block)] = block.count
            return rows
        if type(block) is SampleBlock:
            if block.total < sent:
                sent = 0
            new = block.total - sent
            data = np.asarray(block.read())
            self.sent[id(block)] = block.total
            return np.array(data[len(data) - min(new, len(data)):])
        return None

    def after_run(self) -> None:
        """Send the samples recorded since the last call to rank 0 (a collective call)."""
        from ..behaviours.recorder import EventRecorder, Recorder
        from ..behaviours.recording_blocks import EventBlock

        ctx = self.ctx
        if ctx.size == 1:
            return
        entries, payload = [], []
        for rec in ctx.network.all_behaviours():
            if not isinstance(rec, Recorder):
                continue
            offset = int(getattr(rec.parent, "global_start", 0))
            for expression, block in rec.__dict__.get("_blocks", {}).items():
                if self.modes.get((id(rec), expression)) != "local":
                    continue
                rows = self._new_rows(block)
                if rows is None:
                    continue
                if isinstance(block, EventBlock) and rows.shape[1] == 2:
                    rows[:, 1] += offset
                entries.append((rec, expression, isinstance(rec, EventRecorder)))
                payload.append(rows)
        everything = ctx.comm.gather(payload, root=0)
        if ctx.rank != 0:
            return
        for j, (rec, expression, events) in enumerate(entries):
            parts = [ranks_payload[j] for ranks_payload in everything]
            store = rec.__dict__.setdefault("_gathered", {})
            series = store.get(expression)
            if series is None:
                series = store[expression] = GatheredSeries(None if events else rec.max_length)
            if events:
                rows = np.concatenate(parts)
                rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
            else:
                rows = np.concatenate(parts, axis=1)
            series.append(rows)
