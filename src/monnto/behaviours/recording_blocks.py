"""Preallocated sample storage for Recorders: growable blocks, rings, streams, event tables.

Safety checks, none of them in the per-step fast path:

* a sample of another dtype widens the buffer (int then float: the buffer
  becomes float, earlier samples kept) instead of being truncated; a sample
  of another shape raises :class:`~monnto.core.errors.ConfigurationError`
  (:meth:`SampleBlock.accept`, called by the Recorder only when a cheap
  type/dtype/shape test fails);
* a buffer of :data:`MEMORY_CHECK_MIN_BYTES` or more is allocated only when
  :func:`available_memory` says it fits, else
  :class:`~monnto.core.errors.NotEnoughMemoryError` names the Recorder and
  what to change (``max_length``, ``gapwidth``, ``storage_manager``);
* a full disk while a streamed recording is written raises
  :class:`~monnto.core.errors.DiskFullError` naming the Recorder and the path.
"""
from __future__ import annotations

import errno
import math
from typing import Any

import numpy as np

from ..core.backend import to_numpy
from ..core.errors import ConfigurationError, DiskFullError, NotEnoughMemoryError
from ..core.memory import available_memory

#: Buffers at least this large (bytes) are checked against the available memory first.
MEMORY_CHECK_MIN_BYTES = 64 * 2**20


def check_memory(needed: int, who: str, what: str) -> None:
    """Raise :class:`NotEnoughMemoryError` when ``needed`` bytes exceed the available memory.

    Parameters
    ----------
    needed : int
        Bytes about to be allocated; below :data:`MEMORY_CHECK_MIN_BYTES` nothing is checked.
    who : str
        The Recorder and expression, for the message.
    what : str
        What is allocated, for the message.
    """
    if needed < MEMORY_CHECK_MIN_BYTES:
        return
    free = available_memory()
    if free is None or needed <= free:
        return
    raise NotEnoughMemoryError(
        f"{who}: {what} needs {needed / 2**30:.3g} GiB, but only {free / 2**30:.3g} GiB of memory "
        f"are available. Record fewer samples: pass max_length= (keep the newest samples), "
        f"gapwidth= (record every k-th step) or storage_manager= (stream samples to disk), record "
        f"a smaller expression (np.mean(...)), or run fewer steps at a time")


def _itemsize(dtype: Any) -> int:
    itemsize = getattr(dtype, "itemsize", None)
    return int(itemsize) if itemsize is not None else 8


def _promote(a: Any, b: Any, torch: bool) -> Any:
    """The dtype that holds values of both ``a`` and ``b`` (numpy or torch promotion)."""
    if torch:
        import torch as _torch

        return _torch.promote_types(a, b)
    return np.result_type(a, b)


class SampleBlock:
    """A growable ``(capacity, *shape)`` array, optionally a ring of ``max_length``.

    The buffer has the sample's array type: a torch sample gets a tensor
    buffer on the sample's device (copied to the host only when read as numpy).

    Parameters
    ----------
    sample : array-like
        The first sample (sets shape, dtype and array type).
    max_length : int or None
        Keep only the newest ``max_length`` samples (a ring).
    owner : str
        Who records, for messages (``"Recorder 'rec' on <NeuronGroup 'exc'>"``).
    expression : str
        What is recorded, for messages.
    widen : bool
        Whether a sample of a wider dtype may widen the buffer (False for the
        buffer of a stream, whose dtype on disk is fixed).
    """

    def __init__(self, sample: Any, max_length: int | None, owner: str = "", expression: str = "",
                 widen: bool = True):
        self.torch = hasattr(sample, "detach") and hasattr(sample, "device")
        if not self.torch:
            sample = np.asarray(sample)
        self.shape = tuple(sample.shape)
        self.dtype = sample.dtype
        self.device = sample.device if self.torch else None
        self.max_length = max_length
        self.owner = owner
        self.expression = expression
        self.widen = widen
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

    def _who(self) -> str:
        owner = getattr(self, "owner", "") or "Recorder"
        expression = getattr(self, "expression", "")
        return f"{owner}: expression {expression!r}" if expression else owner

    def _check_memory(self, n: int) -> None:
        """Refuse a buffer of ``n`` samples that does not fit in the available memory."""
        if self.torch and str(self.device) != "cpu":
            return
        check_memory(n * math.prod(self.shape) * _itemsize(self.dtype), self._who(),
                     f"a buffer of {n} samples of shape {self.shape} ({self.dtype})")

    def _empty(self, n: int) -> Any:
        self._check_memory(n)
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

    def matches(self, value: Any) -> bool:
        """Whether ``value`` can be stored as it is (same array type, dtype and shape)."""
        if self.torch:
            return (hasattr(value, "detach") and value.dtype == self.dtype
                    and tuple(value.shape) == self.shape)
        return type(value) is np.ndarray and value.dtype == self.dtype and value.shape == self.shape

    def accept(self, value: Any, iteration: Any = None) -> Any:
        """Check a sample of another kind than the buffer's; return it to be stored.

        A sample of a wider dtype widens the buffer (``int`` then ``float``
        makes the buffer float, the samples so far are kept); a narrower one
        is stored as it is (``int`` into a float buffer). A sample of
        another shape raises, as storing it would broadcast or truncate.

        Raises
        ------
        ConfigurationError
            For a sample of another shape, or of a wider dtype when the
            block may not widen (a stream's buffer).
        """
        sample = value.detach() if (self.torch and hasattr(value, "detach")) else value
        if not self.torch:
            sample = np.asarray(to_numpy(sample))
        at = f" at iteration {iteration}" if iteration is not None else ""
        shape = tuple(getattr(sample, "shape", ()))
        if shape != self.shape:
            raise ConfigurationError(
                f"{self._who()} gave a sample of shape {shape}{at}, but its recording holds samples "
                f"of shape {self.shape}; a recorded expression must keep its shape (storing it "
                f"would broadcast or truncate). Record a fixed-size value (np.mean(...), a slice) "
                f"or use a separate Recorder")
        dtype = getattr(sample, "dtype", None)
        if dtype is None or dtype == self.dtype:
            return value
        try:
            wider = _promote(self.dtype, dtype, self.torch)
        except TypeError:
            raise ConfigurationError(f"{self._who()} gave a sample of dtype {dtype}{at}, which cannot "
                                     f"be stored with the earlier samples of dtype {self.dtype}") from None
        if wider == self.dtype:
            return value
        if not self.widen:
            raise ConfigurationError(
                f"{self._who()} gave a sample of dtype {dtype}{at}, but its stream stores {self.dtype} "
                f"(fixed when the stream was opened); storing it would truncate. Make the "
                f"expression's dtype fixed from the start (e.g. 'n.x.astype(float)')")
        self.astype(wider)
        return value

    def astype(self, dtype: Any) -> None:
        """Give the buffer the dtype ``dtype``, keeping the samples (a widening)."""
        old = self.data
        self.dtype = dtype
        new = self._empty(len(old))
        new[: len(old)] = old
        self.data = new

    def append(self, value: Any, iteration: Any = None) -> None:
        """Store one sample (``iteration`` names the step in error messages)."""
        if not self.matches(value):
            value = self.accept(value, iteration)
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

    def __init__(self, sample: np.ndarray, stream: Any, chunk: int, owner: str = "",
                 expression: str = ""):
        self.stream = stream
        self.buffer = SampleBlock(sample, None, owner, expression, widen=False)
        self.buffer.reserve(chunk)
        self.chunk = chunk
        self.owner = owner

    def reserve(self, extra: int) -> None:
        pass

    def append(self, value: Any, iteration: Any = None) -> None:
        """Store one sample; write the chunk to the stream when it is full."""
        self.buffer.append(to_numpy(value), iteration)
        if self.buffer.count >= self.chunk:
            self.flush()

    def flush(self) -> None:
        """Write the samples held in memory to the stream (kept in memory if that fails).

        Raises
        ------
        DiskFullError
            When the disk (or the quota) is full, naming the Recorder and the stream's path.
        """
        if self.buffer.count:
            try:
                self.stream.append(self.buffer.read().copy())
                self.stream.flush()
            except OSError as err:
                path = getattr(self.stream, "path", None) or getattr(err, "filename", None) or "?"
                name = getattr(self.stream, "name", "")
                who = self.buffer._who()
                if err.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise DiskFullError(
                        err.errno, f"{who}: the disk is full while writing {self.buffer.count} samples "
                                   f"to the stream {name!r} at {str(path)!r} ({err.strerror or err}). "
                                   f"Free space there, or record less (gapwidth=, a smaller "
                                   f"expression)") from err
                err.add_note(f"while {who} wrote its samples to the stream {name!r} at {str(path)!r}")
                raise
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

    def __init__(self, ndim: int, owner: str = "", expression: str = ""):
        self.ndim = max(ndim, 1)
        self.owner = owner
        self.expression = expression
        self.data = np.empty((64, 1 + self.ndim), dtype=np.int64)
        self.count = 0

    def add(self, iteration: int, value: Any) -> None:
        value = to_numpy(value)
        if max(value.ndim, 1) != self.ndim:
            raise ConfigurationError(
                f"{getattr(self, 'owner', '') or 'EventRecorder'}: expression "
                f"{getattr(self, 'expression', '')!r} gave an array with {value.ndim} dimension(s) at "
                f"iteration {iteration}, but its events hold {self.ndim} index column(s); a recorded "
                f"expression must keep its number of dimensions")
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
            rows = max(2 * len(self.data), self.count + k)
            check_memory(rows * (1 + self.ndim) * 8,
                         f"{getattr(self, 'owner', '') or 'EventRecorder'}: expression "
                         f"{getattr(self, 'expression', '')!r}", f"a table of {rows} events")
            new = np.empty((rows, 1 + self.ndim), dtype=np.int64)
            new[: self.count] = self.data[: self.count]
            self.data = new

    def read(self) -> np.ndarray:
        return self.data[: self.count]

    def reserve(self, extra: int) -> None:
        pass

    def clear(self) -> None:
        self.count = 0
