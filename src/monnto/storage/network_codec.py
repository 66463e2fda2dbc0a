"""Encoding Python values into the JSON + files form of a saved network, and back.

Used by :mod:`monnto.storage.network_io` (which documents the format).
"""
from __future__ import annotations

import importlib
import math
import pickle
import sys
import types
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from .streams import STREAM_STORE_NAME, ZarrStream, load_stream, open_stream_for_append

__all__ = ["Decoder", "Encoder", "class_path", "import_path", "scipy_sparse"]

_PICKLE_HOOKS = ("__reduce_ex__", "__reduce__", "__getstate__", "__setstate__",
                 "__getnewargs_ex__", "__getnewargs__")


def class_path(cls: type) -> str:
    """``'module:qualname'`` of a class."""
    return f"{cls.__module__}:{cls.__qualname__}"


def import_path(path: str, where: str) -> Any:
    module_name, _, qualname = path.partition(":")
    try:
        obj: Any = sys.modules.get(module_name) or importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as err:
        raise ImportError(f"load_network: {where} needs {qualname!r} from module {module_name!r}, "
                          f"which cannot be imported ({err}); import or define it before loading"
                          ) from None
    return obj


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
    cls = type(value)
    return cls.__module__.startswith("torch") and any(
        k.__name__ == "Tensor" and k.__module__ == "torch" for k in cls.__mro__)


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
            return {"$array": rel}
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
        if isinstance(value, PurePath):
            return {"$path": str(value)}
        if isinstance(value, types.ModuleType):
            return {"$module": value.__name__}
        if isinstance(value, ZarrStream):
            value.flush()
            return {"$stream": {"folder": str(Path(value.path).parent.parent), "name": value.name,
                                "length": len(value)}}
        if _is_torch_tensor(value):
            host = value.detach().cpu().numpy()
            return {"$torch": {"data": self.enc(host, where), "device": str(value.device),
                               "requires_grad": bool(value.requires_grad)}}
        if _is_recorder_block(value):
            return {"$rblock": {"data": self.enc(value.data, f"{where}.data"), "count": value.count,
                                "total": value.total, "max_length": value.max_length}}
        if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType, np.ufunc)):
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

    def _pickle(self, value: Any, where: str) -> Any:
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as err:
            raise TypeError(
                f"save_network: cannot save {where} ({type(value).__name__}: {err}). Store it as "
                "an array or a plain object, list its name in the behaviour class's "
                "'transient_attributes' and rebuild it in 'after_load(self, parent)'") from None
        path, rel = self._file("objects", ".pkl")
        path.write_bytes(data)
        self.pickled.append({"file": rel, "where": where, "type": type(value).__name__})
        return {"$pickle": rel}

class Decoder:
    """Turns the JSON forms written by :class:`Encoder` back into values."""

    def __init__(self, folder: Path, manifest: dict[str, Any], storage_manager: Any) -> None:
        self.folder = folder
        self.manifest = manifest
        self.storage_manager = storage_manager
        self.refs: dict[tuple, Any] = {}
        self.files: dict[str, Any] = {}
        self.objects: dict[str, Any] = {}

    def ref(self, parts: list[Any]) -> Any:
        key = tuple(parts)
        if key not in self.refs:
            raise ValueError(f"load_network: {str(self.folder)!r} refers to an unknown object {parts}")
        return self.refs[key]

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

    def dec_state(self, state: dict[str, Any]) -> dict[str, Any]:
        return {k: self.dec(v) for k, v in state.items()}

    def dec(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self.dec(v) for v in value]
        tag = next(iter(value))
        if tag == "$ref":
            return self.ref(value["$ref"])
        if tag == "$dict":
            return {k: self.dec(v) for k, v in value["$dict"].items()}
        if tag == "$items":
            return {self.dec(k): self.dec(v) for k, v in value["$items"]}
        if tag == "$tuple":
            return tuple(self.dec(v) for v in value["$tuple"])
        if tag == "$set":
            items = [self.dec(v) for v in value["$set"]]
            return frozenset(items) if value["frozen"] else set(items)
        if tag == "$float":
            return float(value["$float"])
        if tag == "$complex":
            return complex(*value["$complex"])
        if tag == "$scalar":
            return np.frombuffer(bytes.fromhex(value["hex"]), dtype=np.dtype(value["$scalar"]))[0]
        if tag == "$dtype":
            return np.dtype(value["$dtype"])
        if tag == "$path":
            return Path(value["$path"])
        if tag == "$module":
            return importlib.import_module(value["$module"])
        if tag == "$global":
            return import_path(value["$global"], "a saved function or class")
        if tag == "$obj":
            return self.objects[value["$obj"]]
        if tag == "$rng":
            bitgen = getattr(np.random, value["$rng"])()
            bitgen.state = self.dec(value["state"])
            return np.random.Generator(bitgen)
        if tag in ("$array", "$sparse", "$pickle"):
            rel = value[tag]
            if rel not in self.files:
                self.files[rel] = self._load_file(tag, rel, value)
            return self.files[rel]
        if tag == "$torch":
            info = value["$torch"]
            key = f"torch:{info['data'].get('$array')}:{info['device']}"
            if key not in self.files:
                import torch

                tensor = torch.from_numpy(np.array(self.dec(info["data"]))).to(info["device"])
                self.files[key] = tensor.requires_grad_(info["requires_grad"])
            return self.files[key]
        if tag == "$rblock":
            from ..behaviours.recording_blocks import SampleBlock

            info = value["$rblock"]
            data = self.dec(info["data"])
            sample = np.asarray(data[0]) if isinstance(data, np.ndarray) else data[0]
            block = SampleBlock(sample, info["max_length"])
            block.data, block.count, block.total = data, info["count"], info["total"]
            return block
        if tag == "$stream":
            return self._stream(value["$stream"])
        raise ValueError(f"load_network: unknown value form {tag!r} in {str(self.folder)!r}")

    def _load_file(self, tag: str, rel: str, value: dict[str, Any]) -> Any:
        path = (self.folder / rel).resolve()
        if not path.is_relative_to(self.folder):
            raise ValueError(f"load_network: {str(self.folder)!r} names a file outside its "
                             f"folder ({rel!r}); refusing to read it")
        if not path.is_file():
            raise FileNotFoundError(f"load_network: {str(self.folder)!r} is incomplete: "
                                    f"{rel} is missing")
        if tag == "$array":
            return np.load(path, allow_pickle=False)
        if tag == "$sparse":
            sp = scipy_sparse()
            loaded = sp.load_npz(path)
            if value.get("array") and not isinstance(loaded, sp.sparray):
                loaded = sp.csr_array(loaded)
            if not value.get("array") and isinstance(loaded, sp.sparray):
                loaded = sp.csr_matrix(loaded)
            return loaded.asformat(value["format"])
        with open(path, "rb") as fh:
            return pickle.load(fh)

    def _stream(self, info: dict[str, Any]) -> ZarrStream:
        folder, name, length = Path(info["folder"]), info["name"], int(info["length"])
        sm = self.storage_manager
        if sm is not None:
            old = load_stream(folder, name) if (folder / STREAM_STORE_NAME).is_dir() else None
            if old is None or len(old) < length:
                raise FileNotFoundError(f"load_network: the streamed recording {name!r} in "
                                        f"{str(folder)!r} no longer holds {length} samples")
            new = sm.open_stream(name, old.shape[1:], old.dtype)
            step = max(1, new._array.chunks[0]) * 16
            for start in range(0, length, step):
                new.append(old[start:min(length, start + step)])
            return new
        stream = open_stream_for_append(folder, name)
        if len(stream) != length:
            raise ValueError(
                f"load_network: the streamed recording {name!r} in {str(folder)!r} has "
                f"{len(stream)} samples, the saved network expects {length}; pass "
                "storage_manager=StorageManager(...) to continue into a new run")
        return stream
