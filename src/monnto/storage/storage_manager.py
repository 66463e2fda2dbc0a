"""One folder per run: parameters, arrays, objects, frames, videos, streams.

Layout: ``<Data>/StorageManager/<main_folder_name>/<folder_name>/`` with

- ``params.json``: parameters, human-readable JSON, rewritten atomically
  (temporary file, then ``os.replace``) on every save, so a crash never
  leaves it half-written;
- ``<key>.npy`` (:meth:`StorageManager.save_np`), ``<key>.obj``
  (:meth:`StorageManager.save_obj`, pickle: loads only with ``trusted=True``),
  ``<key>.txt``;
- ``frames/<key>/<key>_000000.png`` and ``<key>.mp4``;
- ``streams.zarr/``: streaming recordings (:mod:`monnto.storage.streams`);
- ``.incomplete``: a marker made with the folder and removed by
  :meth:`StorageManager.finish` (called by a ``with`` block, or at normal
  interpreter exit). A run killed (SIGKILL, power loss) or ended by an
  uncaught exception keeps it, so it is recognised as incomplete.
"""
from __future__ import annotations

import atexit
import json
import os
import pickle
import secrets
import shutil
import socket
import sys
import time
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import MonntoTypeError, MonntoValueError, UnsafeLoadError
from . import streams as _streams
from .data_folder import atomic_open, atomic_write_text, check_name, get_data_folder, safe_name
from .errors import CorruptRunError
from .media import render_video as _render_video
from .media import save_frame as _save_frame

__all__ = ["INCOMPLETE_MARKER", "PARAMS_FILE", "STORAGE_FOLDER", "StorageManager", "folder_name_of"]

#: Subfolder of the Data folder that holds the groups of runs.
STORAGE_FOLDER = "StorageManager"
#: Parameter file of a run folder.
PARAMS_FILE = "params.json"
#: Set by an evolution worker for the script it starts: the trial's run folder,
#: the default data folder of StorageManagers made by that script.
RUN_FOLDER_ENV_VAR = "MONNTO_RUN_FOLDER"
#: Marker file present while a run is not finished.
INCOMPLETE_MARKER = ".incomplete"
_RECORDERS_FILE = "recorders.json"
_MISSING = object()


def folder_name_of(name: str | Mapping[str, Any], what: str = "folder name") -> str:
    """Folder name for ``name``: a str as is, a dict as ``'k1=v1_k2=v2'`` (made safe)."""
    if isinstance(name, Mapping):
        text = "_".join(f"{k}={v}" for k, v in name.items())
        return safe_name(text) if text else "_"
    return check_name(name, what)


def _to_json(value: Any, key: str) -> Any:
    """Plain JSON value for ``value`` (numpy scalars and arrays become Python values)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, np.ndarray):
        return [_to_json(v, key) for v in value.tolist()] if value.ndim else value.item()
    if isinstance(value, (list, tuple)):
        return [_to_json(v, key) for v in value]
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise MonntoTypeError(f"save_param({key!r}): dict keys must be str, got {k!r}")
            out[k] = _to_json(v, key)
        return out
    raise MonntoTypeError(
        f"save_param({key!r}): cannot store a {type(value).__name__} as a parameter (expected "
        "int, float, bool, str, None, a list/tuple or str-keyed dict of those); use save_np "
        "for arrays or save_obj for other objects")


class StorageManager:
    """A new run folder, with methods to save and load the run's data.

    Each instance makes a new folder ``<Data>/StorageManager/<main>/<folder>``;
    when that exists, ``<folder>_0``, ``<folder>_1``, ... (the first free one,
    claimed with ``os.mkdir`` so parallel processes never share a folder).

    Parameters
    ----------
    main_folder_name : str or dict
        Name of the group of runs. A dict ``{'k1': v1, 'k2': v2}`` gives
        ``'k1=v1_k2=v2'``.
    folder_name : str or dict, optional
        Name of the run folder (default: the main folder name).
    random_nr : bool or int
        True appends ``_<random 0..9999>``, an int appends ``_<int>``.
    add_date : bool
        Append ``_YYYYmmdd-HHMMSS`` (local time).
    data_folder : path-like, optional
        The Data folder (default: :func:`get_data_folder`, created in the
        working directory when none is found). In a script started by an
        evolution worker the default is the trial's own run folder
        (environment variable ``MONNTO_RUN_FOLDER``), so each evaluated
        genome keeps its data next to its score and log.
    auto_finish : bool
        Mark the run complete at normal interpreter exit if :meth:`finish`
        was not called (not after an uncaught exception or a kill).

    Attributes
    ----------
    absolute_path : str
        The run folder, ending with a path separator.
    path : pathlib.Path
        The run folder.
    """

    def __init__(self, main_folder_name: str | Mapping[str, Any],
                 folder_name: str | Mapping[str, Any] | None = None,
                 random_nr: bool | int = False, add_date: bool = False,
                 data_folder: str | os.PathLike | None = None, auto_finish: bool = True) -> None:
        main = folder_name_of(main_folder_name, "StorageManager main_folder_name")
        folder = main if folder_name is None else folder_name_of(folder_name,
                                                                  "StorageManager folder_name")
        if random_nr is True:
            folder = f"{folder}_{secrets.randbelow(10000)}"
        elif random_nr is not False and random_nr is not None:
            folder = f"{folder}_{int(random_nr)}"
        if add_date:
            folder = f"{folder}_{time.strftime('%Y%m%d-%H%M%S')}"
        if data_folder is None:
            data_folder = os.environ.get(RUN_FOLDER_ENV_VAR) or None
        from ..distributed.comm import shared_run_comm

        ranks = shared_run_comm()  # under mpiexec with > 1 rank: one run folder for all ranks
        if ranks is not None and ranks.rank != 0:
            self._attach(Path(ranks.bcast(None, root=0)))
            self._shared_rank = ranks.rank
            return
        data = Path(data_folder).resolve() if data_folder is not None else get_data_folder()
        group = data / STORAGE_FOLDER / main
        group.mkdir(parents=True, exist_ok=True)
        path = self._claim_folder(group, folder)
        self._attach(path)
        if ranks is not None:
            ranks.bcast(str(path), root=0)
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        atomic_write_text(path / INCOMPLETE_MARKER, json.dumps(info))
        self.save_param("time", info["started"])
        self._auto_finish = bool(auto_finish)
        if self._auto_finish:
            atexit.register(self._finish_at_exit)

    @staticmethod
    def _claim_folder(group: Path, folder: str) -> Path:
        taken = {p.name for p in group.iterdir()} if group.is_dir() else set()
        candidates = [folder] if folder not in taken else []
        i = 0
        while True:
            for name in candidates:
                try:
                    os.mkdir(group / name)
                    return group / name
                except FileExistsError:
                    taken.add(name)
            candidates = []
            while not candidates:
                name = f"{folder}_{i}"
                i += 1
                if name not in taken:
                    candidates = [name]

    def _attach(self, path: Path) -> None:
        self.path = Path(path)
        self.absolute_path = str(self.path) + os.sep
        self.folder_name = self.path.name
        self.main_folder_name = self.path.parent.name
        self._params_cache: tuple[tuple[int, int], dict[str, Any]] | None = None
        self._frame_counters: dict[str, int] = {}
        self._auto_finish = False

    @classmethod
    def open(cls, folder: str | os.PathLike) -> StorageManager:
        """Open an existing run folder (nothing is created or changed).

        Raises
        ------
        FileNotFoundError
            When ``folder`` is not an existing folder.
        """
        path = Path(folder).resolve()
        if not path.is_dir():
            raise FileNotFoundError(f"StorageManager.open: run folder {str(path)!r} does not exist")
        sm = cls.__new__(cls)
        sm._attach(path)
        return sm

    def __repr__(self) -> str:
        state = "complete" if self.is_complete else "incomplete"
        return f"<StorageManager {self.main_folder_name}/{self.folder_name} ({state})>"

    # ---------------------------------------------------------------- completion
    @property
    def is_complete(self) -> bool:
        """False while the run folder holds the ``.incomplete`` marker."""
        return not (self.path / INCOMPLETE_MARKER).exists()

    def finish(self) -> None:
        """Mark the run complete (remove the ``.incomplete`` marker; rank 0's call when run on MPI ranks)."""
        if getattr(self, "_shared_rank", 0):
            return
        try:
            (self.path / INCOMPLETE_MARKER).unlink()
        except FileNotFoundError:
            pass
        if self._auto_finish:
            atexit.unregister(self._finish_at_exit)
            self._auto_finish = False

    def _finish_at_exit(self) -> None:
        if getattr(sys, "last_value", None) is None:  # no uncaught exception
            self.finish()

    def __enter__(self) -> StorageManager:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.finish()
            return
        marker = self.path / INCOMPLETE_MARKER
        try:
            info = json.loads(marker.read_text()) if marker.exists() else {}
        except (OSError, ValueError):
            info = {}
        info["error"] = f"{exc_type.__name__}: {exc}"
        atomic_write_text(marker, json.dumps(info))
        if self._auto_finish:
            atexit.unregister(self._finish_at_exit)
            self._auto_finish = False

    # ---------------------------------------------------------------- parameters
    def _read_params(self) -> dict[str, Any]:
        file = self.path / PARAMS_FILE
        try:
            st = file.stat()
        except FileNotFoundError:
            return {}
        stamp = (st.st_mtime_ns, st.st_size)
        if self._params_cache is not None and self._params_cache[0] == stamp:
            return self._params_cache[1]
        text = file.read_text(encoding="utf-8", errors="replace")
        try:
            params = json.loads(text)
        except json.JSONDecodeError as err:
            raise CorruptRunError(
                f"run {self.main_folder_name}/{self.folder_name}: parameter file {str(file)!r} is "
                f"not valid JSON ({err}); the file was left untouched") from None
        if not isinstance(params, dict):
            raise CorruptRunError(
                f"run {self.main_folder_name}/{self.folder_name}: parameter file {str(file)!r} "
                f"must hold a JSON object, got {type(params).__name__}")
        self._params_cache = (stamp, params)
        return params

    def save_param_dict(self, params: Mapping[str, Any]) -> None:
        """Save several parameters at once (one atomic rewrite of ``params.json``)."""
        if not isinstance(params, Mapping):
            raise MonntoTypeError(f"save_param_dict: expected a dict, got {type(params).__name__}")
        new = {}
        for key, value in params.items():
            if not isinstance(key, str) or not key:
                raise MonntoTypeError(f"save_param_dict: parameter names must be non-empty str, got {key!r}")
            new[key] = _to_json(value, key)
        merged = dict(self._read_params())
        merged.update(new)
        text = json.dumps(merged, indent=2, sort_keys=True, allow_nan=True)
        atomic_write_text(self.path / PARAMS_FILE, text + "\n")
        self._params_cache = None

    def save_param(self, key: str, value: Any) -> None:
        """Save one parameter (int, float, bool, str, None, lists and str-keyed dicts of those).

        Tuples come back as lists; numpy scalars and arrays as Python numbers and lists.
        """
        self.save_param_dict({key: value})

    def load_param(self, key: str, default: Any = None) -> Any:
        """Return parameter ``key``, or ``default`` when it was never saved.

        Raises
        ------
        CorruptRunError
            When the parameter file cannot be read (the message names it).
        """
        return self._read_params().get(key, default)

    def load_param_list(self, keys: Iterable[str], default: Any = None) -> list[Any]:
        """Return the parameters ``keys`` in order (``default`` for missing ones)."""
        params = self._read_params()
        return [params.get(k, default) for k in keys]

    def get_all_params(self) -> dict[str, Any]:
        """All parameters as a new dict."""
        return dict(self._read_params())

    def has_param(self, key: str) -> bool:
        """Whether parameter ``key`` was saved."""
        return key in self._read_params()

    # ---------------------------------------------------------------- files
    def _file(self, key: str, suffix: str, what: str) -> Path:
        return self.path / (check_name(key, what) + suffix)

    def _missing(self, key: str, suffix: str, what: str) -> FileNotFoundError:
        have = sorted(p.stem for p in self.path.glob(f"*{suffix}"))
        return FileNotFoundError(f"run {self.main_folder_name}/{self.folder_name}: no {what} "
                                 f"{key!r} (expected {key}{suffix}); saved: {have}")

    def save_np(self, key: str, array: Any) -> Path:
        """Save an array as ``<key>.npy`` (atomically); returns the file path."""
        arr = np.asarray(array)
        if arr.dtype == object:
            raise MonntoTypeError(f"save_np({key!r}): object arrays cannot be saved as .npy; "
                            "use save_obj")
        path = self._file(key, ".npy", "save_np key")
        with atomic_open(path, fsync=False) as fh:
            np.save(fh, arr, allow_pickle=False)
        return path

    def load_np(self, key: str, mmap_mode: str | None = None) -> np.ndarray:
        """Load ``<key>.npy`` (``mmap_mode='r'`` maps it instead of reading it)."""
        path = self._file(key, ".npy", "load_np key")
        if not path.is_file():
            raise self._missing(key, ".npy", "array")
        return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)

    def has_np(self, key: str) -> bool:
        """Whether ``<key>.npy`` exists."""
        return self._file(key, ".npy", "has_np key").is_file()

    def save_obj(self, key: str, obj: Any) -> Path:
        """Pickle ``obj`` into ``<key>.obj``.

        Pickle runs code when loading: load only files you trust.
        """
        path = self._file(key, ".obj", "save_obj key")
        with atomic_open(path, fsync=False) as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return path

    def load_obj(self, key: str, *, trusted: bool = False) -> Any:
        """Unpickle ``<key>.obj``; refused unless ``trusted=True``.

        Unpickling runs whatever code the file names, so a run folder received
        from someone else could take over this process. Pass ``trusted=True``
        only for files you or someone you trust wrote (see ``docs/sharing.md``);
        prefer :meth:`save_np`, :meth:`save_param` and :meth:`save_str`, which
        load safely.

        Raises
        ------
        UnsafeLoadError
            Without ``trusted=True``.
        FileNotFoundError
            When the run holds no object ``key``.
        """
        path = self._file(key, ".obj", "load_obj key")
        if not path.is_file():
            raise self._missing(key, ".obj", "object")
        if trusted is not True:
            raise self._unsafe_obj(key, "load_obj")
        with open(path, "rb") as fh:
            return pickle.load(fh)

    def _unsafe_obj(self, key: str, caller: str) -> UnsafeLoadError:
        return UnsafeLoadError(
            f"run {self.main_folder_name}/{self.folder_name}: {caller}({key!r}) would unpickle "
            f"{key}.obj, and unpickling runs code named by the file; refused. If you trust "
            f"whoever wrote this run folder, call {caller}({key!r}, trusted=True); "
            "see docs/sharing.md")

    def has_obj(self, key: str) -> bool:
        """Whether ``<key>.obj`` exists."""
        return self._file(key, ".obj", "has_obj key").is_file()

    def save_str(self, key: str, text: str) -> Path:
        """Save text as ``<key>.txt`` (UTF-8, atomically)."""
        path = self._file(key, ".txt", "save_str key")
        atomic_write_text(path, str(text), fsync=False)
        return path

    def load_str(self, key: str) -> str:
        """Return the text of ``<key>.txt``."""
        path = self._file(key, ".txt", "load_str key")
        if not path.is_file():
            raise self._missing(key, ".txt", "text")
        return path.read_text(encoding="utf-8")

    # ---------------------------------------------------------------- frames and videos
    def save_frame(self, image: Any, key: str = "frame") -> Path:
        """Save the next frame ``frames/<key>/<key>_NNNNNN.png`` and return its path.

        Parameters
        ----------
        image : array-like
            (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA; floats in [0, 1]
            (clipped), integers in 0..255, or bool.
        key : str
            Name of the frame sequence (and of the video).
        """
        folder = self.path / "frames" / check_name(key, "save_frame key")
        if key not in self._frame_counters:
            folder.mkdir(parents=True, exist_ok=True)
            self._frame_counters[key] = len(list(folder.glob(f"{key}_*.png")))
        path = folder / f"{key}_{self._frame_counters[key]:06d}.png"
        _save_frame(image, path)
        self._frame_counters[key] += 1
        return path

    def render_video(self, key: str = "frame", fps: float = 25.0,
                     delete_frames: bool = False) -> Path:
        """Encode the frames of ``key`` into ``<key>.mp4`` with ffmpeg (H.264).

        Raises
        ------
        RuntimeError
            When ffmpeg is not installed (the message says how to install it)
            or fails.
        FileNotFoundError
            When no frames were saved under ``key``.
        """
        folder = self.path / "frames" / check_name(key, "render_video key")
        out = _render_video(folder, key, self.path / f"{key}.mp4", fps=fps)
        if delete_frames:
            shutil.rmtree(folder)
            self._frame_counters.pop(key, None)
        return out

    # ---------------------------------------------------------------- provenance
    def backup(self, source: str | os.PathLike) -> Path:
        """Copy a file or folder into ``<run>/backup/`` and return the copy's path."""
        src = Path(source)
        if not src.exists():
            raise FileNotFoundError(f"backup: {str(src)!r} does not exist")
        dest_dir = self.path / "backup"
        dest_dir.mkdir(exist_ok=True)
        dest = dest_dir / src.name
        if src.is_dir():
            shutil.copytree(src, dest, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("Data", ".git", "__pycache__"))
        else:
            shutil.copy2(src, dest)
        return dest

    def backup_executed_file(self) -> Path | None:
        """Copy the running script (``sys.argv[0]``) into ``<run>/backup/``.

        Returns the copy's path, or None (with a warning) when the program is
        not a script file (interactive session, ``python -c``).
        """
        script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
        if script is None or not script.is_file():
            warnings.warn(f"backup_executed_file: sys.argv[0]={sys.argv[:1]!r} is not a script "
                          "file; nothing was backed up", stacklevel=2)
            return None
        return self.backup(script)

    backup_execued_file = backup_executed_file  # PymoNNto's spelling

    # ---------------------------------------------------------------- recorders
    def save_recorder(self, tag: str, recorder: Any, keys: Iterable[str] | None = None) -> dict[str, str]:
        """Save each recorded variable of ``recorder`` as ``<tag>_<expression>.npy``.

        Works for Recorder and EventRecorder (anything with a ``variables``
        dict ``{expression: samples}``). Variables that already stream into
        this run's zarr store are not copied again. Returns ``{expression:
        file key or 'stream:<name>'}``, also written to ``recorders.json``.
        """
        variables = getattr(recorder, "variables", None)
        if not isinstance(variables, Mapping):
            raise MonntoTypeError(f"save_recorder({tag!r}): expected a recorder with a 'variables' "
                            f"dict, got {type(recorder).__name__}")
        wanted = None if keys is None else set(keys)
        index: dict[str, str] = {}
        for expression, value in variables.items():
            if wanted is not None and expression not in wanted:
                continue
            if isinstance(value, _streams.ZarrStream) and self._owns(value.path):
                index[expression] = f"stream:{value.name}"
                continue
            try:
                arr = np.asarray(value)
            except ValueError as err:
                raise MonntoValueError(f"save_recorder({tag!r}): variable {expression!r} cannot be "
                                 f"made one array ({err})") from None
            key = safe_name(f"{tag}_{expression}")
            self.save_np(key, arr)
            index[expression] = key
        file = self.path / _RECORDERS_FILE
        all_index = json.loads(file.read_text()) if file.exists() else {}
        all_index[str(tag)] = index
        atomic_write_text(file, json.dumps(all_index, indent=2) + "\n")
        return index

    def load_recorder(self, tag: str) -> dict[str, Any]:
        """Return ``{expression: array}`` saved by :meth:`save_recorder` under ``tag``."""
        file = self.path / _RECORDERS_FILE
        index = json.loads(file.read_text()) if file.exists() else {}
        if tag not in index:
            raise KeyError(f"run {self.main_folder_name}/{self.folder_name}: no recorder saved "
                           f"as {tag!r}; saved: {sorted(index)}")
        out = {}
        for expression, key in index[tag].items():
            if key.startswith("stream:"):
                out[expression] = self.load_stream(key[len("stream:"):])
            else:
                out[expression] = self.load_np(key)
        return out

    def _owns(self, path: Path) -> bool:
        try:
            Path(path).resolve().relative_to(self.path.resolve())
        except ValueError:
            return False
        return True

    # ---------------------------------------------------------------- streams
    def open_stream(self, name: str, sample_shape: tuple[int, ...], dtype: Any,
                    chunk_steps: int | None = None,
                    compressors: Any = "default") -> _streams.ZarrStream:
        """Open a new append-only stream in ``<run>/streams.zarr`` (see :mod:`.streams`).

        Parameters
        ----------
        name : str
            Name of the recording (any text; a recorded expression). When the
            name is taken, ``name#1``, ``name#2``, ... is used (``stream.name``).
        sample_shape : tuple of int
            Shape of one sample.
        dtype : numpy dtype-like
            Element type.
        chunk_steps : int, optional
            Time steps per zarr chunk (default: a divisor of 1000 keeping a
            chunk <= 4 MiB).
        compressors : zarr codecs, optional
            Default zstd level 1; ``None`` stores chunks raw (fastest).
        """
        return _streams.open_stream(self.path, name, sample_shape, dtype, chunk_steps, compressors)

    def load_stream(self, name: str) -> _streams.StreamArray:
        """Lazy, ``np.asarray``-able view of the samples of stream ``name``."""
        return _streams.load_stream(self.path, name)

    def list_streams(self) -> list[str]:
        """Names of this run's streams."""
        return _streams.list_streams(self.path)

    def has_stream(self, name: str) -> bool:
        """Whether this run holds a stream ``name``."""
        return name in self.list_streams()

    def load(self, key: str, default: Any = _MISSING, *, trusted: bool = False) -> Any:
        """Look ``key`` up as a parameter, an array, a stream or an object (in that order).

        An object (``<key>.obj``, a pickle) is only unpickled with
        ``trusted=True``; otherwise :class:`~monnto.UnsafeLoadError` says so.
        """
        if self.has_param(key):
            return self.load_param(key)
        if self.has_np(key):
            return self.load_np(key)
        if self.has_stream(key):
            return self.load_stream(key)
        if self.has_obj(key):
            if trusted is not True:
                raise self._unsafe_obj(key, "load")
            return self.load_obj(key, trusted=True)
        if default is _MISSING:
            raise KeyError(f"run {self.main_folder_name}/{self.folder_name}: nothing saved as "
                           f"{key!r}")
        return default
