"""Recordings that stream to a zarr store on disk in chunks.

A streaming recorder asks its run's :class:`~monnto.storage.StorageManager`
for one stream per recorded expression (``sm.open_stream(name, sample_shape,
dtype)``) and appends blocks of samples as they fill; only the current block
lives in memory. The data sit in ``<run>/streams.zarr/<name>``, a zarr 3
array of shape ``(T, *sample_shape)`` chunked along time.

Crash safety: zarr's local store writes each chunk file and the array
metadata atomically (temporary file, then rename). An append first grows the
array, then writes the block, then records the new valid length in the
array's attributes (``monnto_length``). Readers use that length, so a process
killed at any point loses at most the block being appended; everything
appended before is readable.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import MonntoTypeError, MonntoValueError
from .data_folder import check_name, safe_name

__all__ = ["STREAM_STORE_NAME", "StreamArray", "ZarrStream", "default_chunk_steps", "list_streams",
           "load_stream", "open_stream"]

#: Folder of the zarr store inside a run folder.
STREAM_STORE_NAME = "streams.zarr"
_LENGTH_ATTR = "monnto_length"
_NAME_ATTR = "monnto_name"
# Divisors of 1000: any recorder chunk that is a multiple of 1000 (or of the
# chosen value) lines up with whole zarr chunks, so appends never rewrite one.
_STEP_CHOICES = (1000, 500, 250, 200, 125, 100, 50, 40, 25, 20, 10, 8, 5, 4, 2, 1)
_TARGET_CHUNK_BYTES = 4 * 2**20


def _zarr():
    try:
        import zarr
    except ImportError as err:  # pragma: no cover - zarr is a core dependency
        raise ImportError("streaming recordings need zarr 3: pip install 'zarr>=3'") from err
    return zarr


def default_chunk_steps(sample_shape: tuple[int, ...], dtype: Any) -> int:
    """Time steps per zarr chunk: the largest divisor of 1000 keeping a chunk <= 4 MiB.

    Parameters
    ----------
    sample_shape : tuple of int
        Shape of one sample (one time step).
    dtype : numpy dtype-like
        Element type.
    """
    sample_bytes = max(1, int(np.prod(sample_shape, dtype=np.int64)) * np.dtype(dtype).itemsize)
    for steps in _STEP_CHOICES:
        if steps * sample_bytes <= _TARGET_CHUNK_BYTES:
            return steps
    return 1


class StreamArray:
    """Read-only, lazy view of a stream's valid samples (``np.asarray``-able).

    Indexing (``view[-100:]``, ``view[:, 5]``) reads only what is asked for;
    ``np.asarray(view)`` reads everything.
    """

    def __init__(self, array: Any, length: int, name: str) -> None:
        self._array = array
        self._length = int(length)
        self.name = name

    @property
    def shape(self) -> tuple[int, ...]:
        """``(T, *sample_shape)`` with T the number of valid samples."""
        return (self._length, *self._array.shape[1:])

    @property
    def dtype(self) -> np.dtype:
        """Element type."""
        return np.dtype(self._array.dtype)

    @property
    def ndim(self) -> int:
        """Number of dimensions (1 + sample dimensions)."""
        return len(self.shape)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: Any) -> np.ndarray:
        first, rest = (index[0], index[1:]) if isinstance(index, tuple) else (index, ())
        if first is Ellipsis:
            first, rest = slice(None), (Ellipsis, *rest)
        if isinstance(first, slice):
            start, stop, step = first.indices(self._length)
            if step == 1:
                return np.asarray(self._array[(slice(start, stop), *rest)])
            return np.asarray(self._array[(slice(0, self._length), *rest)])[start:stop:step]
        if isinstance(first, (int, np.integer)):
            i = int(first) + self._length if first < 0 else int(first)
            if not 0 <= i < self._length:
                raise IndexError(f"stream {self.name!r}: index {int(first)} out of range for "
                                 f"{self._length} samples")
            return np.asarray(self._array[(i, *rest)])
        return np.asarray(self)[index]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        data = np.asarray(self._array[: self._length])
        return data if dtype is None else data.astype(dtype, copy=False)

    def __repr__(self) -> str:
        return f"StreamArray({self.name!r}, shape={self.shape}, dtype={self.dtype})"


class ZarrStream:
    """An append-only recording of samples of a fixed shape, stored in zarr.

    Made by :meth:`StorageManager.open_stream`; not constructed directly.
    ``append`` writes each block to disk at once; ``read`` gives a lazy
    :class:`StreamArray`.
    """

    def __init__(self, array: Any, name: str, path: Path) -> None:
        self._array = array
        self.name = name
        self.path = path
        self.sample_shape = tuple(array.shape[1:])
        self.dtype = np.dtype(array.dtype)
        self._length = int(array.attrs.get(_LENGTH_ATTR, 0))

    def __len__(self) -> int:
        return self._length

    def __repr__(self) -> str:
        return (f"ZarrStream({self.name!r}, samples={self._length}, "
                f"sample_shape={self.sample_shape}, dtype={self.dtype})")

    def append(self, block: Any) -> None:
        """Append a block of samples of shape ``(k, *sample_shape)`` and write it to disk.

        Parameters
        ----------
        block : array-like
            ``k`` samples; a single sample of shape ``sample_shape`` is also
            accepted. Values are cast to the stream's dtype (same kind only).
        """
        block = np.asarray(block)
        if block.shape == self.sample_shape and (block.ndim == 0 or block.shape[:1] != (0,)):
            block = block[None]
        if block.shape[1:] != self.sample_shape:
            raise MonntoValueError(
                f"stream {self.name!r}: append expected a block of shape (k, "
                f"{', '.join(map(str, self.sample_shape))}), got {block.shape}")
        if not np.can_cast(block.dtype, self.dtype, casting="same_kind"):
            raise MonntoTypeError(f"stream {self.name!r}: cannot store {block.dtype} values in a "
                            f"{self.dtype} stream")
        k = block.shape[0]
        if k == 0:
            return
        start = self._length
        stop = start + k
        if self._array.shape[0] < stop:
            self._array.resize((stop, *self.sample_shape))
        self._array[start:stop] = block.astype(self.dtype, copy=False)
        self._length = stop
        self._array.attrs[_LENGTH_ATTR] = stop

    def flush(self) -> None:
        """Make sure everything appended is on disk (each append already is)."""
        if int(self._array.attrs.get(_LENGTH_ATTR, 0)) != self._length:
            self._array.attrs[_LENGTH_ATTR] = self._length

    def close(self) -> None:
        """Flush and trim the array to the valid samples."""
        self.flush()
        if self._array.shape[0] != self._length:
            self._array.resize((self._length, *self.sample_shape))

    def read(self) -> StreamArray:
        """Return a lazy, ``np.asarray``-able view of all samples appended so far."""
        return StreamArray(self._array, self._length, self.name)


def _open_or_create_group(zarr: Any, store: Path) -> Any:
    """The stream group at ``store``, created when missing.

    Several processes (MPI ranks sharing one run folder, evolution workers)
    may create it at the same moment: whoever loses the race opens the
    group the other one wrote.
    """
    from zarr.errors import ContainsGroupError

    for _ in range(20):
        try:
            return zarr.open_group(str(store), mode="a")
        except ContainsGroupError:
            try:
                return zarr.open_group(str(store), mode="r+")
            except (FileNotFoundError, ValueError):  # metadata not fully written yet
                time.sleep(0.01)
    return zarr.open_group(str(store), mode="r+")


def _store_path(run_folder: Path) -> Path:
    return Path(run_folder) / STREAM_STORE_NAME


def _array_key(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise MonntoValueError(f"stream name: expected a non-empty str, got {name!r}")
    return safe_name(name)


def open_stream(run_folder: str | os.PathLike, name: str, sample_shape: tuple[int, ...],
                dtype: Any, chunk_steps: int | None = None, compressors: Any = "default") -> ZarrStream:
    """Create a new stream ``name`` in ``<run_folder>/streams.zarr``.

    Parameters
    ----------
    run_folder : path-like
        The run folder.
    name : str
        Any text (a recorded expression); stored as a safe array name. When a
        stream of that name exists, ``name#1``, ``name#2``, ... is used
        instead (``stream.name`` holds the name given to it); nothing is
        overwritten.
    sample_shape : tuple of int
        Shape of one sample (``()`` for a scalar per step).
    dtype : numpy dtype-like
        Element type of the samples.
    chunk_steps : int, optional
        Time steps per zarr chunk (default :func:`default_chunk_steps`).
    compressors : zarr codecs, optional
        Default zstd level 1 (about twice as fast as zarr's default level,
        the same ratio on recorded traces); ``None`` stores chunks raw.
    """
    zarr = _zarr()
    if isinstance(compressors, str) and compressors == "default":
        from zarr.codecs import ZstdCodec

        compressors = [ZstdCodec(level=1)]
    try:
        sample_shape = tuple(int(d) for d in sample_shape)
    except TypeError:
        raise MonntoTypeError(f"open_stream({name!r}): sample_shape must be a tuple of ints, "
                        f"got {sample_shape!r}") from None
    if any(d < 0 for d in sample_shape):
        raise MonntoValueError(f"open_stream({name!r}): sample_shape must be non-negative, "
                         f"got {sample_shape}")
    dtype = np.dtype(dtype)
    if dtype.kind in "OUSV":
        raise MonntoTypeError(f"open_stream({name!r}): dtype must be numeric or bool, got {dtype}")
    steps = default_chunk_steps(sample_shape, dtype) if chunk_steps is None else int(chunk_steps)
    if steps < 1:
        raise MonntoValueError(f"open_stream({name!r}): chunk_steps must be >= 1, got {chunk_steps!r}")
    store = _store_path(run_folder)
    root = _open_or_create_group(zarr, store)
    existing = set(root.array_keys())
    stream_name = name
    suffix = 0
    while _array_key(stream_name) in existing:
        suffix += 1
        stream_name = f"{name}#{suffix}"
    key = _array_key(stream_name)
    array = root.create_array(
        key, shape=(0, *sample_shape), chunks=(steps, *[max(1, d) for d in sample_shape]),
        dtype=dtype, fill_value=0, compressors=compressors,
        attributes={_LENGTH_ATTR: 0, _NAME_ATTR: stream_name})
    return ZarrStream(array, stream_name, store / key)


#: Codecs a stream stored on disk may use; anything else (a codec that
#: unpickles, say) is refused before a chunk is read.
SAFE_CODECS = frozenset({"bytes", "zstd", "blosc", "gzip", "crc32c", "transpose"})


def _check_stored_array(array: Any, run_folder: Path, name: str) -> Any:
    """Refuse a stored stream with a non-numeric dtype or an unknown codec."""
    where = f"run folder {str(run_folder)!r}: stream {name!r}"
    try:
        dtype = np.dtype(array.dtype)
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in "biufc" or dtype.hasobject:
        raise MonntoValueError(f"{where} has element type {array.dtype}; expected a numeric or bool "
                         "dtype (a stream holds numbers only)")
    codecs = getattr(getattr(array, "metadata", None), "codecs", ()) or ()
    for codec in codecs:
        codec_name = getattr(codec, "codec_name", None) or type(codec).__name__.lower()
        codec_name = str(codec_name).removesuffix("codec")
        if codec_name not in SAFE_CODECS:
            raise MonntoValueError(f"{where} uses the codec {codec_name!r}; expected one of "
                             f"{sorted(SAFE_CODECS)} (streams holding other codecs are not read)")
    return array


def _open_root(run_folder: Path, mode: str = "r") -> Any:
    store = _store_path(run_folder)
    if not store.is_dir():
        return None
    return _zarr().open_group(str(store), mode=mode)


def list_streams(run_folder: str | os.PathLike) -> list[str]:
    """Names of the streams stored in ``run_folder`` (in creation order of their keys)."""
    root = _open_root(Path(run_folder))
    if root is None:
        return []
    return sorted(str(arr.attrs.get(_NAME_ATTR, key)) for key, arr in root.arrays())


def load_stream(run_folder: str | os.PathLike, name: str) -> StreamArray:
    """Return the valid samples of stream ``name`` as a lazy :class:`StreamArray`.

    Raises
    ------
    KeyError
        When the run holds no stream of that name (the message lists those it holds).
    """
    root = _open_root(Path(run_folder))
    key = _array_key(name)
    if root is None or key not in set(root.array_keys()):
        raise KeyError(f"run folder {str(run_folder)!r}: no stream named {name!r}; streams: "
                       f"{list_streams(run_folder)}")
    array = _check_stored_array(root[key], Path(run_folder), name)
    length = array.attrs.get(_LENGTH_ATTR, array.shape[0])
    if not isinstance(length, int) or isinstance(length, bool) or not 0 <= length <= array.shape[0]:
        raise MonntoValueError(f"run folder {str(run_folder)!r}: stream {name!r} says it holds "
                         f"{length!r} samples; expected an int from 0 to its {array.shape[0]} rows")
    return StreamArray(array, length, name)


def open_stream_for_append(run_folder: str | os.PathLike, name: str) -> ZarrStream:
    """Reopen an existing stream to append more samples (continuing a run)."""
    check_name(_array_key(name), "stream name")
    root = _open_root(Path(run_folder), mode="r+")
    key = _array_key(name)
    if root is None or key not in set(root.array_keys()):
        raise KeyError(f"run folder {str(run_folder)!r}: no stream named {name!r}")
    array = _check_stored_array(root[key], Path(run_folder), name)
    return ZarrStream(array, name, _store_path(Path(run_folder)) / key)
