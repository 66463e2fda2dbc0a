"""Event-camera recordings delivered as spikes.

:class:`EventStreamInput` reads events as a structured array with fields
``x``, ``y`` (pixels), ``t`` (microseconds) and ``p`` (polarity: > 0 ON,
else OFF) -- the layout Tonic and the AEDAT/EVT readers give -- from an
array or a memory-mapped ``.npy`` file, and sets ``n.spike`` of a grid group
(``NeuronDimension``) at each event's step:

    step = floor((t - t_start) 1e-6 / dt)

(events before ``t_start`` are dropped). Pixel ``(x, y)`` becomes grid cell
``(x // downsample, y // downsample)`` (spatial downsampling: a cell spikes
when any of its pixels has an event in that step); polarity ``'both'`` puts
ON events in layer 0 and OFF events in layer 1 (depth 2), ``'on'`` or
``'off'`` keeps one polarity, ``'merge'`` puts both in one layer. Neuron
index: ``z*w*h + y*w + x``. Events must be sorted by time; the file is read
``chunk_steps`` steps at a time (binary search on ``t``), so its size does
not matter.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from monnto.core.errors import LoadError, bad_type, bad_value

from ..neurons._common import from_host, resolve_dt
from ._streaming import StreamingInput

__all__ = ["EventStreamInput", "event_steps"]

POLARITIES = ("both", "on", "off", "merge")


def event_steps(t_us: np.ndarray, t_start_us: float, dt: float) -> np.ndarray:
    """Step of each event time (µs): ``floor((t - t_start) 1e-6 / dt)``."""
    return np.floor((np.asarray(t_us, dtype=np.float64) - t_start_us) / (dt * 1e6) + 1e-9).astype(np.int64)


class _EventArray:
    """Events (a structured array, a memory-mapped one, or a dict of the columns x, y, t, p)
    with a read position in steps."""

    def __init__(self, events: np.ndarray, path: str | None) -> None:
        self.events = events
        self.path = path
        self.position = 0

    def skip(self, count: int) -> None:
        self.position += int(count)

    def close(self) -> None:
        self.events = None


class EventStreamInput(StreamingInput):
    """Event-camera events (x, y, t in µs, p) as spikes of a grid group (see module docstring).

    Keyword arguments
    -----------------
    source : structured array or path to an ``.npy`` file
        Fields ``x``, ``y``, ``t`` (µs), ``p``; sorted by ``t``.
    downsample : int
        Pixels per grid cell along x and y (default 1).
    polarity : {'both', 'on', 'off', 'merge'}
        Default ``'both'`` (needs depth 2).
    t_start : float
        Time (µs) of step 0 (default 0).
    chunk_steps : int
        Steps whose events are read at a time (default 1000).
    dt : float
        Step (s) when the group has no Clock (default 1e-3).

    Attributes: ``step`` (steps delivered), ``finished`` (no events left),
    ``last_events`` (number of events in the last step).
    """

    default_dt = 1e-3

    def set_variables(self, n) -> None:
        source = self._take_source()
        self.dt = resolve_dt(self, n, self.default_dt)
        self.downsample = int(self.get_init_attr("downsample", 1, None))
        if self.downsample < 1:
            raise bad_value(self, "downsample", self.downsample, "a positive int (pixels per cell)")
        self.polarity = self.get_init_attr("polarity", "both", None)
        if self.polarity not in POLARITIES:
            raise bad_value(self, "polarity", self.polarity, f"one of {list(POLARITIES)}")
        self.t_start = float(self.get_init_attr("t_start", 0.0, None))
        self.chunk_steps = int(self.get_init_attr("chunk_steps", 1000, None))
        if self.chunk_steps < 1:
            raise bad_value(self, "chunk_steps", self.chunk_steps, "a positive int")
        dims = [getattr(n, a, None) for a in ("width", "height", "depth")]
        if None in dims:
            raise bad_value(self, None, repr(n), "a NeuronGroup built on a NeuronDimension")
        self.width, self.height, depth = (int(x) for x in dims)
        need = 2 if self.polarity == "both" else 1
        if depth != need:
            raise bad_value(self, "polarity", self.polarity, f"used on a group of depth {need}, the "
                            f"group has depth {depth}")
        n.spike = n.get_neuron_vec(bool)
        self._reader = self._open(source)
        if self.source_kind == "array":
            # saved as four plain columns (a save holds numbers, not structured records)
            self.source_array = None
            self.source_columns = self._reader.events
            self.init_kwargs["source"] = self.source_columns
        self.step = 0
        self.finished = False
        self.last_events = 0
        self._chunk_start = 0
        self._chunk_end = 0
        self._index = np.zeros(0, dtype=np.int64)
        self._bounds = np.zeros(1, dtype=np.int64)
        self._remaining = -1

    def after_load(self, parent) -> None:
        if self.source_kind == "array":
            self._reader = _EventArray(self.source_columns, None)
            return
        super().after_load(parent)

    def _open(self, source) -> _EventArray:
        path = None
        if isinstance(source, dict) and set(source) == {"x", "y", "t", "p"}:
            return _EventArray({f: np.asarray(source[f]) for f in "xytp"}, None)
        if self.source_kind == "file":
            path = str(source)
            if not Path(path).is_file():
                raise bad_value(self, "source", path, "an existing .npy file of events",
                                hint="no such file", cls=LoadError)
            try:
                source = np.load(path, mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError) as err:
                raise bad_value(self, "source", path, "a readable .npy file of events", hint=str(err),
                                cls=LoadError) from None
        if not isinstance(source, np.ndarray):
            raise bad_type(self, "source", source, "a structured array with fields x, y, t, p or a "
                           "path to an .npy file of one")
        names = source.dtype.names or ()
        missing = [f for f in ("x", "y", "t", "p") if f not in names]
        if missing or source.ndim != 1:
            raise bad_value(self, "source", f"an array of dtype {source.dtype} and shape {source.shape}",
                            "a 1-D structured array with fields x, y, t (µs), p",
                            hint=f"missing fields {missing}" if missing else "")
        if path is None:   # an array: keep its columns (views of the caller's array)
            return _EventArray({f: source[f] for f in "xytp"}, None)
        return _EventArray(source, path)

    # ------------------------------------------------------------------ chunks

    def _load_chunk(self) -> None:
        events = self._reader.events
        start, end = self.step, self.step + self.chunk_steps
        dt_us = self.dt * 1e6
        t = events["t"]
        lo, hi = np.searchsorted(t, [np.ceil(self.t_start + (start - 1e-9) * dt_us),
                                     np.ceil(self.t_start + (end - 1e-9) * dt_us)])
        if start == 0:
            lo = int(np.searchsorted(t, self.t_start, side="left"))
        chunk = {f: np.asarray(events[f][lo:hi]) for f in "xytp"}
        self._remaining = len(t) - int(hi)
        steps = event_steps(chunk["t"], self.t_start, self.dt)
        if len(steps) > 1 and np.any(np.diff(steps) < 0):
            raise bad_value(self, "source", f"events {lo}..{hi} out of time order",
                            "events sorted by t")
        x = chunk["x"].astype(np.int64) // self.downsample
        y = chunk["y"].astype(np.int64) // self.downsample
        bad = (x < 0) | (x >= self.width) | (y < 0) | (y >= self.height)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise bad_value(self, "source", f"an event at pixel (x={int(chunk['x'][i])}, "
                            f"y={int(chunk['y'][i])})", f"pixels inside the group's {self.width}x"
                            f"{self.height} grid times downsample={self.downsample}")
        index = y * self.width + x
        on = chunk["p"] > 0
        if self.polarity == "both":
            index = np.where(on, index, index + self.width * self.height)
        elif self.polarity != "merge":
            keep = on if self.polarity == "on" else ~on
            index, steps = index[keep], steps[keep]
        self._index = index
        self._bounds = np.searchsorted(steps, np.arange(start, end + 1))
        self._chunk_start, self._chunk_end = start, end
        self._reader.position = end

    def new_iteration(self, n) -> None:
        if self.step >= self._chunk_end:
            self._load_chunk()
        k = self.step - self._chunk_start
        chosen = self._index[self._bounds[k]:self._bounds[k + 1]]
        spikes = np.zeros(n.size, dtype=bool)
        spikes[chosen] = True
        self.last_events = len(chosen)
        self.finished = self._remaining == 0 and self._bounds[k + 1] == len(self._index)
        n.spike = spikes if n.xp is np else from_host(n, spikes)
        self.step += 1
