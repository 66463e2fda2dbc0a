"""Encoding Python values into the JSON + files form of a saved network, and back.

Used by :mod:`monnto.storage.network_io` (which documents the format).
Decoding goes through a :class:`~.load_policy.LoadPolicy`: nothing a file
names is imported, called or unpickled unless the policy allows it.
"""
from __future__ import annotations

import importlib
import math
import pickle
import sys
import types
from fractions import Fraction
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from ..core.errors import LoadError, MonntoError, MonntoTypeError, MonntoValueError
from .load_policy import LoadPolicy
from .streams import ZarrStream, list_streams, load_stream, open_stream, open_stream_for_append

__all__ = ["Decoder", "Encoder", "class_path", "scipy_sparse"]

#: Numeric dtype kinds a file may declare (no objects, no strings, no void records).
_SAFE_DTYPE_KINDS = set("biufcmM")

_PICKLE_HOOKS = ("__reduce_ex__", "__reduce__", "__getstate__", "__setstate__",
                 "__getnewargs_ex__", "__getnewargs__")


def class_path(cls: type) -> str:
    """``'module:qualname'`` of a class."""
    return f"{cls.__module__}:{cls.__qualname__}"


def _is_plain_class(cls: type) -> bool:
    """Instances are stored attribute by attribute (no custom pickling, no slots)."""
    if cls.__module__ == "builtins" or "<locals>" in cls.__qualname__:
        return False
    for klass in cls.__mro__[:-1]:
        if "__slots__" in klass.__dict__:
            return False
    return all(getattr(cls, h, None) is getattr(object, h, None) for h in _PICKLE_HOOKS)


def _global_name(value: Any) -> str | None:
    """``module:qualname`` when that name imports back to ``value`` itself."""
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        return None
    try:
        obj: Any = sys.modules.get(module) or importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return f"{module}:{qualname}" if obj is value else None


def _is_torch_tensor(value: Any) -> bool:
    """A torch tensor, or monnto's torch SynapseTensor subclass."""
    return any(k.__name__ == "Tensor" and k.__module__ == "torch" for k in type(value).__mro__[1:]) or (
        type(value).__name__ == "Tensor" and type(value).__module__ == "torch")


def _is_storage_manager(value: Any) -> bool:
    cls = type(value)
    return any(k.__name__ == "StorageManager" and k.__module__ == "monnto.storage.storage_manager"
               for k in cls.__mro__)


def _is_recorder_block(value: Any) -> bool:
    """A Recorder's sample buffer (its array factory is a closure, so it is stored by content)."""
    cls = type(value)
    return cls.__name__ == "SampleBlock" and cls.__module__ == "monnto.behaviours.recording_blocks"


def scipy_sparse():
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover - scipy is a core dependency
        return None
    return sp


class Encoder:
    """Turns attribute values into JSON forms, writing arrays and pickles under ``folder``."""

    def __init__(self, folder: Path, refs: dict[int, Any]) -> None:
        self.folder = folder
        self.refs = refs
        self.memo: dict[int, Any] = {}
        self.keep: list[Any] = []          # keeps encoded objects alive (stable ids)
        self.objects: dict[str, Any] = {}
        self.pickled: list[dict[str, str]] = []
        self.files = 0
        self.object_count = 0
        self.sparse = scipy_sparse()

    def _file(self, sub: str, suffix: str) -> tuple[Path, str]:
        self.files += 1
        (self.folder / sub).mkdir(exist_ok=True)
        rel = f"{sub}/{self.files}{suffix}"
        return self.folder / rel, rel

    def state(self, obj: Any, skip: set[str], where: str,
              unsaved: list[str] | None = None) -> dict[str, Any]:
        """Encode ``vars(obj)``; with ``unsaved`` (a list), attributes that cannot be
        stored are left out and their names appended to it instead of raising."""
        transient = set(getattr(type(obj), "transient_attributes", ()) or ())
        out = {}
        for k, v in vars(obj).items():
            if k in skip or k in transient:
                continue
            try:
                out[k] = self.enc(v, f"{where}.{k}")
            except TypeError:
                if unsaved is None:
                    raise
                unsaved.append(k)
        return out

    def enc(self, value: Any, where: str) -> Any:
        if value is None or isinstance(value, (bool, str)) and type(value) in (bool, str):
            return value
        if type(value) is int:
            return value
        if type(value) is float:
            return value if math.isfinite(value) else {"$float": repr(value)}
        key = id(value)
        if key in self.refs:
            return self.refs[key]
        if key in self.memo:
            return self.memo[key]
        self.keep.append(value)
        out = self._enc_new(value, where)
        if isinstance(out, dict) and next(iter(out)) in ("$array", "$sparse", "$obj", "$pickle",
                                                          "$torch"):
            self.memo[key] = out
        return out

    def _enc_new(self, value: Any, where: str) -> Any:
        sp = self.sparse
        if isinstance(value, np.ndarray) and value.dtype != object:
            path, rel = self._file("arrays", ".npy")
            np.save(path, value, allow_pickle=False)
            return {"$array": rel, "shape": list(value.shape), "dtype": value.dtype.str}
        if sp is not None and sp.issparse(value):
            path, rel = self._file("sparse", ".npz")
            fmt = value.format
            saved = value if fmt in ("csr", "csc", "bsr", "dia", "coo") else value.tocsr()
            sp.save_npz(path, saved, compressed=False)
            return {"$sparse": rel, "format": fmt, "array": isinstance(value, sp.sparray)}
        if isinstance(value, np.generic):
            return {"$scalar": value.dtype.str, "hex": value.tobytes().hex()}
        if isinstance(value, np.dtype):
            return {"$dtype": value.str}
        if isinstance(value, np.random.Generator):
            bitgen = value.bit_generator
            return {"$rng": type(bitgen).__name__, "state": self.enc(bitgen.state, where)}
        if isinstance(value, list):
            return [self.enc(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, tuple) and type(value) is tuple:
            return {"$tuple": [self.enc(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, (set, frozenset)):
            return {"$set": [self.enc(v, where) for v in value], "frozen": isinstance(value, frozenset)}
        if type(value) is dict:
            if all(type(k) is str for k in value):
                return {"$dict": {k: self.enc(v, f"{where}[{k!r}]") for k, v in value.items()}}
            return {"$items": [[self.enc(k, where), self.enc(v, f"{where}[{k!r}]")]
                               for k, v in value.items()]}
        if type(value) is complex:
            return {"$complex": [value.real, value.imag]}
        if type(value) is Fraction:
            return {"$fraction": [value.numerator, value.denominator]}
        if isinstance(value, PurePath):
            return {"$path": str(value)}
        if isinstance(value, types.ModuleType):
            return {"$module": value.__name__}
        if isinstance(value, ZarrStream):
            return {"$stream": self._copy_stream(value)}
        if _is_storage_manager(value):
            return {"$run": value.folder_name}
        if _is_torch_tensor(value):
            host = value.detach().cpu().numpy()
            return {"$torch": {"data": self.enc(host, where), "device": str(value.device),
                               "requires_grad": bool(value.requires_grad),
                               "synapse": type(value).__name__ == "SynapseTensor"}}
        if _is_recorder_block(value):
            return {"$rblock": {"data": self.enc(value.data, f"{where}.data"), "count": value.count,
                                "total": value.total, "max_length": value.max_length}}
        if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType, np.ufunc)) or \
                isinstance(getattr(value, "py_func", None), types.FunctionType):  # numba's @njit too
            name = _global_name(value)
            if name is not None:
                return {"$global": name}
        elif _is_plain_class(type(value)) and hasattr(value, "__dict__"):
            self.object_count += 1
            obj_id = str(self.object_count)
            ref = {"$obj": obj_id}
            self.memo[id(value)] = ref
            self.objects[obj_id] = {"class": class_path(type(value))}
            try:
                self.objects[obj_id]["state"] = self.state(value, set(), where)
            except BaseException:
                del self.objects[obj_id]
                del self.memo[id(value)]
                raise
            return ref
        return self._pickle(value, where)

    def _copy_stream(self, stream: ZarrStream) -> dict[str, Any]:
        """Copy the samples streamed so far into the save (a save travels with its data)."""
        stream.flush()
        length = len(stream)
        source = stream.read()
        copy = open_stream(self.folder, stream.name, stream.sample_shape, stream.dtype)
        step = max(1, copy._array.chunks[0]) * 16
        for start in range(0, length, step):
            copy.append(source[start:min(length, start + step)])
        copy.flush()
        return {"name": stream.name, "length": length, "copy": copy.name,
                "origin": str(Path(stream.path).parent.parent)}

    def _pickle(self, value: Any, where: str) -> Any:
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as err:
            raise MonntoTypeError(
                f"save_network: cannot save {where} ({type(value).__name__}: {err}). Store it as "
                "an array or a plain object, list its name in the behaviour class's "
                "'transient_attributes' and rebuild it in 'after_load(self, parent)'") from None
        path, rel = self._file("objects", ".pkl")
        path.write_bytes(data)
        self.pickled.append({"file": rel, "where": where, "type": type(value).__name__})
        return {"$pickle": rel}

class Decoder:
    """Turns the JSON forms written by :class:`Encoder` back into values.

    Every name the file gives (classes, functions, modules, bit generators)
    goes through ``policy``; pickles load only when it is trusted.
    """

    def __init__(self, folder: Path, manifest: dict[str, Any], storage_manager: Any,
                 policy: LoadPolicy) -> None:
        self.folder = folder
        self.manifest = manifest
        self.storage_manager = storage_manager
        self.policy = policy
        self.refs: dict[tuple, Any] = {}
        self.files: dict[str, Any] = {}
        self.objects: dict[str, Any] = {}

    def error(self, where: str, message: str) -> LoadError:
        """A LoadError naming the save folder's manifest and the place in it."""
        return LoadError(f"load_network: {str(self.folder / 'manifest.json')!r}: {where}: {message}")

    def ref(self, parts: Any, where: str = "a reference") -> Any:
        try:
            key = tuple(parts)
            return self.refs[key]
        except (KeyError, TypeError):
            raise self.error(where, f"refers to an unknown object {parts!r}") from None

    def refresh(self) -> None:
        """Reload every stored array into the same array object (an init method run
        by the rebuild may have changed it in place); reload other files anew."""
        for rel, value in list(self.files.items()):
            if isinstance(value, np.ndarray) and rel.startswith("arrays/"):
                fresh = np.load(self.folder / rel, allow_pickle=False)
                if value.shape == fresh.shape and value.dtype == fresh.dtype and value.flags.writeable:
                    np.copyto(value, fresh)
                    continue
            del self.files[rel]

    def dec_state(self, state: Any, where: str = "state") -> dict[str, Any]:
        if not isinstance(state, dict):
            raise self.error(where, f"expected a JSON object of attributes, got {type(state).__name__}")
        return {k: self.dec(v, f"{where}.{k}") for k, v in state.items()}

    def dec(self, value: Any, where: str = "a value") -> Any:
        try:
            return self._dec(value, where)
        except RecursionError:
            raise self.error(where, "values are nested too deeply") from None
        except MonntoError:
            raise
        except (KeyError, TypeError, IndexError, AttributeError, ArithmeticError, ValueError) as err:
            raise self.error(where, f"malformed value {_short(value)} ({type(err).__name__}: {err})"
                             ) from None

    def _dec(self, value: Any, where: str) -> Any:
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self._dec(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if not isinstance(value, dict) or len(value) == 0:
            raise self.error(where, f"malformed value {_short(value)}")
        tag = next(iter(value))
        body = value[tag]
        if tag == "$ref":
            return self.ref(body, where)
        if tag == "$dict":
            return {k: self._dec(v, f"{where}[{k!r}]") for k, v in body.items()}
        if tag == "$items":
            return {self._dec(k, where): self._dec(v, where) for k, v in body}
        if tag == "$tuple":
            return tuple(self._dec(v, where) for v in body)
        if tag == "$set":
            items = [self._dec(v, where) for v in body]
            return frozenset(items) if value.get("frozen") else set(items)
        if tag == "$float":
            if body not in ("nan", "inf", "-inf"):
                raise self.error(where, f"$float must be 'nan', 'inf' or '-inf', got {body!r}")
            return float(body)
        if tag == "$complex":
            return complex(float(body[0]), float(body[1]))
        if tag == "$fraction":
            return Fraction(int(body[0]), int(body[1]))
        if tag == "$scalar":
            dtype = self._dtype(body, where)
            raw = bytes.fromhex(value["hex"])
            if len(raw) != dtype.itemsize:
                raise self.error(where, f"a {dtype} scalar needs {dtype.itemsize} bytes, got {len(raw)}")
            return np.frombuffer(raw, dtype=dtype)[0]
        if tag == "$dtype":
            return self._dtype(body, where)
        if tag == "$path":
            return Path(str(body))
        if tag == "$module":
            return self.policy.module(body, where)
        if tag == "$global":
            return self.policy.global_object(body, where)
        if tag == "$obj":
            if body not in self.objects:
                raise self.error(where, f"refers to an unknown object {body!r}")
            return self.objects[body]
        if tag == "$rng":
            bitgen = self.policy.bit_generator(body, where)()
            try:
                bitgen.state = self._dec(value["state"], where)
            except (ValueError, TypeError, KeyError) as err:
                raise self.error(where, f"invalid state of the {body} random generator ({err})") from None
            return np.random.Generator(bitgen)
        if tag in ("$array", "$sparse", "$pickle"):
            if not isinstance(body, str):
                raise self.error(where, f"{tag} must name a file, got {body!r}")
            if tag == "$pickle":
                self.policy.allow_pickle(body, where)
            if body not in self.files:
                self.files[body] = self._load_file(tag, body, value, where)
            return self.files[body]
        if tag == "$torch":
            key = f"torch:{body['data'].get('$array')}:{body['device']}"
            if key not in self.files:
                import torch

                tensor = torch.from_numpy(np.array(self._dec(body["data"], where))).to(str(body["device"]))
                if body.get("synapse"):
                    from ..core.backend import synapse_tensor_class

                    tensor = tensor.as_subclass(synapse_tensor_class())
                self.files[key] = tensor.requires_grad_(bool(body["requires_grad"]))
            return self.files[key]
        if tag == "$rblock":
            from ..behaviours.recording_blocks import SampleBlock

            data = self._dec(body["data"], where)
            if getattr(data, "ndim", 0) < 1:  # a numpy array or a tensor of samples
                raise self.error(where, "a recorder block must hold an array of samples")
            count, total = int(body["count"]), int(body["total"])
            if not 0 <= count <= len(data) or total < count:
                raise self.error(where, f"recorder block count {count} / total {total} do not fit its "
                                 f"{len(data)} samples")
            max_length = body["max_length"]
            block = SampleBlock(np.asarray(data[0]), None if max_length is None else int(max_length))
            block.data, block.count, block.total = data, count, total
            return block
        if tag == "$stream":
            return self._stream(body, where)
        if tag == "$run":
            return self._run(body, where)
        raise self.error(where, f"unknown value form {tag!r}")

    def _dtype(self, text: Any, where: str) -> np.dtype:
        try:
            dtype = np.dtype(str(text))
        except TypeError:
            raise self.error(where, f"invalid dtype {text!r}") from None
        if dtype.kind not in _SAFE_DTYPE_KINDS:
            raise self.error(where, f"dtype must be numeric or bool, got {dtype}")
        return dtype

    def _file_path(self, rel: str, where: str) -> Path:
        path = (self.folder / rel).resolve()
        if not path.is_relative_to(self.folder):
            raise self.error(where, f"names a file outside its folder ({rel!r}); refusing to read it")
        if not path.is_file():
            raise self.error(where, f"the save is incomplete: {rel} is missing")
        return path

    def _load_file(self, tag: str, rel: str, value: dict[str, Any], where: str) -> Any:
        path = self._file_path(rel, where)
        if tag == "$array":
            return self._load_array(path, rel, value, where)
        if tag == "$sparse":
            sp = scipy_sparse()
            try:
                loaded = sp.load_npz(path)
            except (ValueError, OSError, KeyError) as err:
                raise self.error(where, f"{rel} is not a readable sparse matrix ({err})") from None
            if value.get("array") and not isinstance(loaded, sp.sparray):
                loaded = sp.csr_array(loaded)
            if not value.get("array") and isinstance(loaded, sp.sparray):
                loaded = sp.csr_matrix(loaded)
            fmt = value.get("format", "csr")
            if fmt not in ("csr", "csc", "coo", "bsr", "dia", "lil", "dok"):
                raise self.error(where, f"unknown sparse format {fmt!r}")
            return loaded.asformat(fmt)
        with open(path, "rb") as fh:
            return pickle.load(fh)

    def _load_array(self, path: Path, rel: str, value: dict[str, Any], where: str) -> np.ndarray:
        """Read ``rel``, checking its header against the manifest before reading the data."""
        try:
            with open(path, "rb") as fh:
                version = np.lib.format.read_magic(fh)
                reader = {(1, 0): np.lib.format.read_array_header_1_0,
                          (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if reader is None:
                    raise MonntoValueError(f"unsupported .npy version {version}")
                shape, _fortran, dtype = reader(fh)
        except (ValueError, OSError, SyntaxError) as err:
            raise self.error(where, f"{rel} is not a readable .npy array ({err})") from None
        if dtype.kind not in _SAFE_DTYPE_KINDS:
            raise self.error(where, f"{rel} holds {dtype} values; expected numbers or booleans")
        expected_shape = value.get("shape")
        if expected_shape is not None and tuple(shape) != tuple(expected_shape):
            raise self.error(where, f"{rel} has shape {tuple(shape)}, the manifest expects "
                             f"{tuple(expected_shape)}")
        expected_dtype = value.get("dtype")
        if expected_dtype is not None and dtype != self._dtype(expected_dtype, where):
            raise self.error(where, f"{rel} holds {dtype}, the manifest expects {np.dtype(expected_dtype)}")
        try:
            return np.load(path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as err:
            raise self.error(where, f"{rel} is not a readable .npy array ({err})") from None

    def _run(self, name: Any, where: str) -> Any:
        """A StorageManager attribute: the run the loader was given, never a folder from the file."""
        if self.storage_manager is None:
            raise self.error(where, f"was saved streaming into the run {name!r}; pass "
                             "storage_manager=StorageManager(...) (a new run) or "
                             "storage_manager=StorageManager.open(<that run's folder>) to continue it")
        return self.storage_manager

    def _stream(self, info: dict[str, Any], where: str) -> ZarrStream:
        """A streamed recording: it continues only in the run folder the loader was given.

        The original run (when the given StorageManager holds the stream with
        exactly the saved number of samples) is appended to; otherwise a new
        stream of that run is filled with the copy kept in the save.
        """
        name, length = str(info["name"]), int(info["length"])
        sm = self._run(info.get("origin", "?"), where)
        if name in list_streams(sm.path):
            held = len(load_stream(sm.path, name))
            if held != length:
                raise self.error(where, f"the streamed recording {name!r} in {str(sm.path)!r} has {held} "
                                 f"samples, the saved network expects {length}; pass a new "
                                 "storage_manager=StorageManager(...) to continue into a new run")
            return open_stream_for_append(sm.path, name)
        if "copy" not in info:
            raise self.error(where, f"the streamed recording {name!r} is not in {str(sm.path)!r}, and this "
                             "save (by an older monnto) holds no copy of it; pass "
                             "storage_manager=StorageManager.open(<the run's folder>)")
        saved = self.folder
        copy_name = str(info["copy"])
        if copy_name not in list_streams(saved):
            raise self.error(where, f"the save is incomplete: its copy of the stream {name!r} is missing")
        old = load_stream(saved, copy_name)
        if len(old) < length:
            raise self.error(where, f"the save's copy of the stream {name!r} holds {len(old)} samples, "
                             f"expected {length}")
        step = max(1, old._array.chunks[0]) * 16
        try:  # read it all once before writing into the receiver's run: a bad chunk leaves that run untouched
            for start in range(0, length, step):
                old[start:min(length, start + step)]
        except Exception as err:  # noqa: BLE001 - zarr and its codecs raise many kinds of errors
            raise self.error(where, f"the save's copy of the stream {name!r} (streams.zarr/{copy_name}) "
                             f"cannot be read ({type(err).__name__}: {err})") from None
        new = sm.open_stream(name, old.shape[1:], old.dtype)
        for start in range(0, length, step):
            new.append(old[start:min(length, start + step)])
        return new


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
