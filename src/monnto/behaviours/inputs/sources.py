"""Chunked readers of frames and sound for the sensory inputs.

A *frame source* delivers frames of a video in order, a few at a time, as
float32 arrays ``(k, H, W, C)`` with intensities in [0, 1] (8-bit values are
divided by 255, 16-bit by 65535, floats are taken as they are). A *sound
source* delivers mono samples (float64; several channels are averaged).
Neither ever holds more than the chunk asked for (an ``.npy`` file is
memory-mapped), so a long recording needs bounded memory.

Sources and what they accept:

* :func:`open_frame_source`: a numpy array ``(T, H, W[, C])``, a path to a
  video file (decoded with PyAV), to a folder of images (sorted by name;
  read with Pillow, ``.npy`` files with numpy) or to an ``.npy`` file, or
  any iterable of frames ``(H, W[, C])`` (a generator);
* :func:`open_sound_source`: a numpy array ``(N,)`` or ``(N, channels)``, a
  path to a sound file (read with soundfile), or an iterable of sample
  chunks.

Every source counts what it delivered in ``position`` (frames or samples);
:meth:`skip` moves a freshly opened file or array source there again, which
is how a loaded network continues. Generators cannot be reopened.

PyAV and soundfile are optional (``pip install monnto[sensory]``) and are
imported only when a file is opened.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from monnto.core.errors import LoadError, bad_type, bad_value

__all__ = ["FrameSource", "SoundSource", "open_frame_source", "open_sound_source", "source_kind",
           "IMAGE_SUFFIXES", "StreamResampler"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".gif", ".npy")
SENSORY_HINT = "install the optional readers with `pip install monnto[sensory]`"


def _need(module: str, owner: str, what: str):
    """Import an optional module or raise ImportError naming the extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{owner}: {what} needs the package {module!r}; {SENSORY_HINT}") from None


def source_kind(source: Any) -> str:
    """``'array'``, ``'file'`` (a path) or ``'generator'`` (any other iterable); else ``'unknown'``.

    Examples
    --------
    >>> source_kind(np.zeros((2, 4, 4))), source_kind('movie.mp4'), source_kind(iter([]))
    ('array', 'file', 'generator')
    >>> source_kind(3)
    'unknown'
    """
    if isinstance(source, np.ndarray):
        return "array"
    if isinstance(source, (str, os.PathLike)):
        return "file"
    if isinstance(source, (bytes, dict)) or not isinstance(source, Iterable):
        return "unknown"
    return "generator"


def as_unit_frames(frames: np.ndarray) -> np.ndarray:
    """Frames as float32 in [0, 1], with a channel axis last (``(..., H, W, C)``)."""
    frames = np.asarray(frames)
    if frames.dtype == np.uint8:
        out = frames.astype(np.float32) * np.float32(1 / 255)
    elif frames.dtype == np.uint16:
        out = frames.astype(np.float32) * np.float32(1 / 65535)
    else:
        out = frames.astype(np.float32, copy=False)
    return out


# ---------------------------------------------------------------------------- frames


class FrameSource:
    """Base class: ``read(count)`` returns up to ``count`` frames ``(k, H, W, C)``.

    Attributes: ``fps`` (frames per second), ``position`` (frames delivered),
    ``kind`` (``'array'``, ``'file'``, ``'generator'``), ``path`` (for files).
    """

    kind = "generator"
    path: str | None = None

    def __init__(self, fps: float) -> None:
        self.fps = float(fps)
        self.position = 0

    def read(self, count: int) -> np.ndarray:
        frames = self._read(int(count))
        self.position += len(frames)
        return frames

    def _read(self, count: int) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def skip(self, count: int) -> None:
        """Drop ``count`` frames (used to continue a loaded network)."""
        left = int(count)
        while left > 0:
            got = len(self.read(min(left, 64)))
            if got == 0:
                break
            left -= got

    def close(self) -> None:
        """Release the file or decoder."""


def _frame_shape(frame: np.ndarray, owner: str) -> np.ndarray:
    if frame.ndim == 2:
        frame = frame[:, :, None]
    if frame.ndim != 3:
        raise bad_value(owner, "source", f"a frame of shape {frame.shape}",
                        "frames of shape (H, W) or (H, W, C)")
    return frame


class ArrayFrames(FrameSource):
    """Frames of an array ``(T, H, W[, C])`` (memory-mapped ``.npy`` files too)."""

    kind = "array"

    def __init__(self, array: np.ndarray, fps: float, owner: str) -> None:
        super().__init__(fps)
        if array.ndim not in (3, 4) or min(array.shape[:3], default=0) < 1:
            raise bad_value(owner, "source", f"an array of shape {array.shape}",
                            "an array of frames (T, H, W) or (T, H, W, C) with T, H, W >= 1")
        self.array = array if array.ndim == 4 else array[..., None]

    def _read(self, count: int) -> np.ndarray:
        return as_unit_frames(self.array[self.position:self.position + count])

    def skip(self, count: int) -> None:
        self.position = min(len(self.array), self.position + int(count))


class NpyFileFrames(ArrayFrames):
    """An ``.npy`` file of frames, memory-mapped (never read whole)."""

    kind = "file"

    def __init__(self, path: Path, fps: float, owner: str) -> None:
        try:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as err:
            raise bad_value(owner, "source", str(path), "a readable .npy file of frames",
                            hint=str(err), cls=LoadError) from None
        super().__init__(array, fps, owner)
        self.path = str(path)


class GeneratorFrames(FrameSource):
    """Frames from any iterable (one frame ``(H, W[, C])`` per item)."""

    kind = "generator"

    def __init__(self, iterable: Iterable, fps: float, owner: str) -> None:
        super().__init__(fps)
        self._it: Iterator = iter(iterable)
        self.owner = owner

    def _read(self, count: int) -> np.ndarray:
        frames = []
        for _ in range(count):
            try:
                frame = next(self._it)
            except StopIteration:
                break
            frames.append(_frame_shape(as_unit_frames(frame), self.owner))
        if not frames:
            return np.zeros((0, 1, 1, 1), dtype=np.float32)
        return np.stack(frames)


class FolderFrames(FrameSource):
    """Image files of a folder, sorted by name, read one by one."""

    kind = "file"

    def __init__(self, folder: Path, fps: float, owner: str) -> None:
        super().__init__(fps)
        self.path = str(folder)
        self.owner = owner
        self.files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.files:
            raise bad_value(owner, "source", str(folder), "a folder holding image files "
                            f"({', '.join(IMAGE_SUFFIXES)})", cls=LoadError)

    def _load(self, file: Path) -> np.ndarray:
        if file.suffix.lower() == ".npy":
            return np.load(file, allow_pickle=False)
        image_module = _need("PIL.Image", self.owner, "reading image files")
        try:
            with image_module.open(file) as image:
                return np.asarray(image)
        except OSError as err:
            raise bad_value(self.owner, "source", str(file), "a readable image file", hint=str(err),
                            cls=LoadError) from None

    def _read(self, count: int) -> np.ndarray:
        chosen = self.files[self.position:self.position + count]
        if not chosen:
            return np.zeros((0, 1, 1, 1), dtype=np.float32)
        return np.stack([_frame_shape(as_unit_frames(self._load(f)), self.owner) for f in chosen])

    def skip(self, count: int) -> None:
        self.position = min(len(self.files), self.position + int(count))


class VideoFileFrames(FrameSource):
    """A video file decoded with PyAV, frame by frame (``gray`` or ``rgb24``)."""

    kind = "file"

    def __init__(self, path: Path, fps: float | None, owner: str, color: bool) -> None:
        av = _need("av", owner, "reading video files")
        self.path = str(path)
        self.owner = owner
        self._format = "rgb24" if color else "gray"
        try:
            self._container = av.open(self.path)
        except Exception as err:  # noqa: BLE001 - every FFmpeg/OS error means: cannot read this file
            raise bad_value(owner, "source", self.path, "a readable video file",
                            hint=f"{type(err).__name__}: {err}", cls=LoadError) from None
        streams = self._container.streams.video
        if not streams:
            self._container.close()
            raise bad_value(owner, "source", self.path, "a file with a video stream", cls=LoadError)
        stream = streams[0]
        check_decoder(av, stream, self.path, owner)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        if fps is None and not rate:
            raise bad_value(owner, "fps", None, "a frame rate in Hz (the file does not state one)")
        super().__init__(float(fps if fps is not None else rate))
        self._frames = self._container.decode(stream)

    def _read(self, count: int) -> np.ndarray:
        frames = []
        for _ in range(count):
            try:
                frame = next(self._frames)
            except StopIteration:
                break
            except Exception as err:  # noqa: BLE001 - a broken packet: say which file
                raise bad_value(self.owner, "source", self.path, "a decodable video file",
                                hint=f"decoding frame {self.position + len(frames)} failed: {err}",
                                cls=LoadError) from None
            frames.append(_frame_shape(as_unit_frames(frame.to_ndarray(format=self._format)), self.owner))
        if not frames:
            return np.zeros((0, 1, 1, 1), dtype=np.float32)
        return np.stack(frames)

    def close(self) -> None:
        self._container.close()


def check_decoder(av: Any, stream: Any, path: str, owner: str) -> None:
    """Raise LoadError when the FFmpeg build in PyAV cannot decode ``stream``'s codec."""
    context = getattr(stream, "codec_context", None)
    name = getattr(context, "name", None) or getattr(getattr(stream, "codec", None), "name", None)
    if context is None or name not in av.codecs_available:
        raise bad_value(owner, "source", path, "a video whose codec this FFmpeg build can decode",
                        hint=f"codec {name!r} is not installed in PyAV's FFmpeg; convert the file "
                             "(e.g. to H.264 or MPEG-4) or install a PyAV built with that codec",
                        cls=LoadError)


def open_frame_source(source: Any, fps: float | None, owner: str, color: bool = True) -> FrameSource:
    """A :class:`FrameSource` for ``source`` (see the module docstring).

    Parameters
    ----------
    source : array, path or iterable
        The frames.
    fps : float or None
        Frames per second; required except for video files (which state it).
    owner : str
        Name used in error messages.
    color : bool
        Decode video files as RGB (else as 8-bit luma, cheaper).
    """
    kind = source_kind(source)
    if kind == "unknown":
        raise bad_type(owner, "source", source, "an array (T, H, W[, C]), a path to a video file, "
                       "an image folder or an .npy file, or an iterable of frames")
    if kind == "file":
        path = Path(source).expanduser()
        if not path.exists():
            raise bad_value(owner, "source", str(path), "an existing video file, image folder or "
                            ".npy file", hint="no such file or folder", cls=LoadError)
        if path.is_dir() or path.suffix.lower() == ".npy":
            if fps is None:
                raise bad_value(owner, "fps", None, f"a frame rate in Hz for the frames of {str(path)!r}")
            if path.is_dir():
                return FolderFrames(path, fps, owner)
            return NpyFileFrames(path, fps, owner)
        return VideoFileFrames(path, fps, owner, color)
    if fps is None:
        raise bad_value(owner, "fps", None, "a frame rate in Hz (needed for arrays and generators)")
    if kind == "array":
        return ArrayFrames(source, fps, owner)
    return GeneratorFrames(source, fps, owner)


# ---------------------------------------------------------------------------- sound


class SoundSource:
    """Base class: ``read(count)`` returns up to ``count`` mono samples (float64).

    Attributes: ``samplerate`` (Hz), ``position`` (samples delivered),
    ``kind``, ``path``.
    """

    kind = "generator"
    path: str | None = None

    def __init__(self, samplerate: float) -> None:
        self.samplerate = float(samplerate)
        self.position = 0

    def read(self, count: int) -> np.ndarray:
        out = self._read(int(count))
        self.position += len(out)
        return out

    def _read(self, count: int) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def skip(self, count: int) -> None:
        left = int(count)
        while left > 0:
            got = len(self.read(min(left, 1 << 16)))
            if got == 0:
                break
            left -= got

    def close(self) -> None:
        """Release the file."""


def _mono(samples: np.ndarray) -> np.ndarray:
    samples = np.asarray(samples, dtype=np.float64)
    return samples.mean(axis=1) if samples.ndim == 2 else samples


class ArraySound(SoundSource):
    kind = "array"

    def __init__(self, array: np.ndarray, samplerate: float, owner: str) -> None:
        super().__init__(samplerate)
        if array.ndim not in (1, 2) or len(array) == 0:
            raise bad_value(owner, "source", f"an array of shape {array.shape}",
                            "samples of shape (N,) or (N, channels) with N >= 1")
        self.array = array

    def _read(self, count: int) -> np.ndarray:
        return _mono(self.array[self.position:self.position + count])

    def skip(self, count: int) -> None:
        self.position = min(len(self.array), self.position + int(count))


class GeneratorSound(SoundSource):
    """Samples from an iterable of chunks (each a 1-D or (n, channels) array)."""

    def __init__(self, iterable: Iterable, samplerate: float, owner: str) -> None:
        super().__init__(samplerate)
        self._it = iter(iterable)
        self._left = np.zeros(0)

    def _read(self, count: int) -> np.ndarray:
        parts, have = [self._left], len(self._left)
        while have < count:
            try:
                chunk = _mono(np.atleast_1d(next(self._it)))
            except StopIteration:
                break
            parts.append(chunk)
            have += len(chunk)
        data = np.concatenate(parts)
        self._left = data[count:]
        return data[:count]


class SoundFile(SoundSource):
    """A sound file read in blocks with soundfile (libsndfile: WAV, FLAC, OGG, ...)."""

    kind = "file"

    def __init__(self, path: Path, owner: str) -> None:
        sf = _need("soundfile", owner, "reading sound files")
        self.path = str(path)
        try:
            self._file = sf.SoundFile(self.path)
        except Exception as err:  # noqa: BLE001 - libsndfile errors: cannot read this file
            raise bad_value(owner, "source", self.path, "a readable sound file (WAV, FLAC, OGG, ...)",
                            hint=f"{type(err).__name__}: {err}", cls=LoadError) from None
        super().__init__(self._file.samplerate)

    def _read(self, count: int) -> np.ndarray:
        return _mono(self._file.read(count, dtype="float64", always_2d=True))

    def skip(self, count: int) -> None:
        self._file.seek(min(self._file.frames, self.position + int(count)))
        self.position = self._file.tell()

    def close(self) -> None:
        self._file.close()


def open_sound_source(source: Any, samplerate: float | None, owner: str) -> SoundSource:
    """A :class:`SoundSource` for ``source`` (see the module docstring).

    ``samplerate`` (Hz) is required for arrays and iterables; sound files
    state their own (giving another one is an error).
    """
    kind = source_kind(source)
    if kind == "unknown":
        raise bad_type(owner, "source", source, "an array of samples, a path to a sound file or an "
                       "iterable of sample chunks")
    if kind == "file":
        path = Path(source).expanduser()
        if not path.is_file():
            raise bad_value(owner, "source", str(path), "an existing sound file",
                            hint="no such file", cls=LoadError)
        sound = SoundFile(path, owner)
        if samplerate is not None and float(samplerate) != sound.samplerate:
            sound.close()
            raise bad_value(owner, "samplerate", samplerate, f"left out or {sound.samplerate:g} Hz, "
                            f"the rate of {str(path)!r}", hint="use resample_to= to change the rate")
        return sound
    if samplerate is None or not float(samplerate) > 0:
        raise bad_value(owner, "samplerate", samplerate, "a positive sampling rate in Hz (needed for "
                        "arrays and generators)")
    if kind == "array":
        return ArraySound(source, samplerate, owner)
    return GeneratorSound(source, samplerate, owner)


class StreamResampler:
    """Linear-interpolation resampling of a stream, chunk by chunk, without drift.

    Output sample ``k`` is the input interpolated at position ``k * rate_in /
    rate_out`` (in input samples), computed from the integer ``k``, so
    chunking never shifts the timing. ``N`` input samples give the outputs
    at positions up to ``N - 1``: ``floor((N - 1) rate_out / rate_in) + 1``
    samples, that is the input's duration to within one output sample.
    The state (``produced``, ``consumed``, ``last``) is plain numbers.
    """

    def __init__(self, rate_in: float, rate_out: float) -> None:
        self.ratio = float(rate_in) / float(rate_out)
        self.produced = 0        # output samples made so far
        self.consumed = 0        # input samples seen so far
        self.last = 0.0          # the last input sample seen

    def process(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if len(x) == 0:
            return x
        start = self.consumed - 1              # absolute index of ext[0]
        ext = np.concatenate(([self.last if self.consumed else x[0]], x))
        end = self.consumed + len(x) - 1       # last absolute input index available
        k_max = int(np.floor(end / self.ratio + 1e-9))
        k = np.arange(self.produced, k_max + 1)
        pos = k * self.ratio - start
        i0 = np.clip(np.floor(pos + 1e-9).astype(np.int64), 0, len(ext) - 1)
        i1 = np.minimum(i0 + 1, len(ext) - 1)
        frac = np.clip(pos - i0, 0.0, 1.0)
        out = ext[i0] * (1 - frac) + ext[i1] * frac
        self.produced = k_max + 1 if len(k) else self.produced
        self.consumed += len(x)
        self.last = float(x[-1])
        return out
