"""Preallocated sample storage for Recorders: growable blocks, rings, streams, event tables."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.backend import to_numpy


class SampleBlock:
    """A growable ``(capacity, *shape)`` array, optionally a ring of ``max_length``.

    The buffer has the sample's array type: a torch sample gets a tensor
    buffer on the sample's device (copied to the host only when read as numpy).
    """

    def __init__(self, sample: Any, max_length: int | None):
        self.torch = hasattr(sample, "detach") and hasattr(sample, "device")
        if not self.torch:
            sample = np.asarray(sample)
        self.shape = tuple(sample.shape)
        self.dtype = sample.dtype
        self.device = sample.device if self.torch else None
        self.max_length = max_length
        #: [samples held, samples ever written]; blocks a Recorder writes in
        #: the same steps share one list (see Recorder._build_step)
        self.counter = [0, 0]
        self.data = self._empty(max_length or 16)

    @property
    def count(self) -> int:
        """Samples held."""
        return self.counter[0]

    @count.setter
    def count(self, value: int) -> None:
        self.counter[0] = value

    @property
    def total(self) -> int:
        """Samples ever written (more than ``count`` once a ring wraps)."""
        return self.counter[1]

    @total.setter
    def total(self, value: int) -> None:
        self.counter[1] = value

    @property
    def capacity(self) -> int:
        return len(self.data)

    def _empty(self, n: int) -> Any:
        if self.torch:
            import torch

            return torch.empty((n,) + self.shape, dtype=self.dtype, device=self.device)
        return np.empty((n,) + self.shape, dtype=self.dtype)

    def _concatenate(self, parts: tuple) -> Any:
        if self.torch:
            import torch

            return torch.cat(parts)
        return np.concatenate(parts)

    def reserve(self, extra: int) -> None:
        if self.max_length is None and self.count + extra > len(self.data):
            self._grow(self.count + extra)

    def _grow(self, needed: int) -> None:
        self.resize(max(needed, 2 * len(self.data)))

    def resize(self, capacity: int) -> None:
        """Give the buffer exactly ``capacity`` rows (at least ``count``), keeping the samples."""
        new = self._empty(max(capacity, self.count))
        new[: self.count] = self.data[: self.count]
        self.data = new

    def append(self, value: Any) -> None:
        if self.max_length is not None:
            self.data[self.total % self.max_length] = value
            self.total += 1
            self.count = min(self.total, self.max_length)
            return
        if self.count == len(self.data):
            self._grow(self.count + 1)
        self.data[self.count] = value
        self.count += 1
        self.total += 1

    def read(self) -> np.ndarray:
        if self.max_length is None or self.total <= self.max_length:
            return self.data[: self.count]
        start = self.total % self.max_length
        return self._concatenate((self.data[start:], self.data[:start]))

    def clear(self) -> None:
        self.count = 0
        self.total = 0


class StreamedBlock:
    """Keeps one chunk in memory and hands full chunks to a storage stream."""

    def __init__(self, sample: np.ndarray, stream: Any, chunk: int):
        self.stream = stream
        self.buffer = SampleBlock(sample, None)
        self.buffer.reserve(chunk)
        self.chunk = chunk

    def reserve(self, extra: int) -> None:
        pass

    def append(self, value: Any) -> None:
        self.buffer.append(to_numpy(value))
        if self.buffer.count >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if self.buffer.count:
            self.stream.append(self.buffer.read().copy())
            self.stream.flush()
            self.buffer.clear()

    def read(self) -> np.ndarray:
        stored = np.asarray(self.stream.read()) if len(self.stream) else None
        pending = self.buffer.read()
        if stored is None:
            return pending.copy()
        return np.concatenate((stored, pending)) if len(pending) else stored

    def clear(self) -> None:
        self.buffer.clear()


class EventBlock:
    """Growable ``(E, 1 + ndim)`` int64 event table."""

    def __init__(self, ndim: int):
        self.ndim = max(ndim, 1)
        self.data = np.empty((64, 1 + self.ndim), dtype=np.int64)
        self.count = 0

    def add(self, iteration: int, value: Any) -> None:
        value = to_numpy(value)
        if value.ndim <= 1:
            idx = np.flatnonzero(value)
            k = len(idx)
            if k == 0:
                return
            self._ensure(k)
            rows = self.data[self.count: self.count + k]
            rows[:, 0] = iteration
            rows[:, 1] = idx
        else:
            idx = np.argwhere(value)
            k = len(idx)
            if k == 0:
                return
            self._ensure(k)
            rows = self.data[self.count: self.count + k]
            rows[:, 0] = iteration
            rows[:, 1:] = idx
        self.count += k

    def _ensure(self, k: int) -> None:
        if self.count + k > len(self.data):
            new = np.empty((max(2 * len(self.data), self.count + k), 1 + self.ndim), dtype=np.int64)
            new[: self.count] = self.data[: self.count]
            self.data = new

    def read(self) -> np.ndarray:
        return self.data[: self.count]

    def reserve(self, extra: int) -> None:
        pass

    def clear(self) -> None:
        self.count = 0
