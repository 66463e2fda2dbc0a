"""Save a whole network to a folder and load it to continue bit-identically.

Format ``monnto-network``, version 1: a folder holding

- ``manifest.json``: the format name and version, a human-readable
  description, and the structure: the network, its NeuronGroups and
  SynapseGroups (class, tags, size, source and destination), each object's
  behaviours (key, class, tags) and the state of every object (its
  attributes), plus the RNG state (``net.rng.bit_generator.state``);
- ``arrays/<n>.npy``: every numpy array (dense synapse matrices, group
  vectors, recorder blocks); an array held by several attributes is stored
  once and shared again after loading;
- ``sparse/<n>.npz``: scipy sparse matrices (``scipy.sparse.save_npz``);
- ``objects/<n>.pkl``: **pickle**, only for values nothing else can store
  (user objects with custom pickling, functions looked up by name).
  ``manifest['pickled']`` lists each one with where it came from. Loading
  unpickles them, which runs code: load only networks you trust.

State values are written as JSON with small tagged forms: ``{"$array":
file}``, ``{"$sparse": file}``, ``{"$scalar": dtype, "hex": bytes}`` (numpy
scalars, exact), ``{"$ref": [...]}`` (the network, a group, a behaviour, the
network's generator), ``{"$obj": id}`` (plain Python objects, stored
attribute by attribute in ``manifest['objects']``), ``{"$dict": {...}}``,
``{"$tuple": [...]}``, ``{"$set": [...]}``, ``{"$global": "module:name"}``.

Behaviours are rebuilt without running their ``set_variables``: the class is
imported by name and its attributes restored. Recorders recompile their
expressions after loading. A behaviour may name attributes that must not be
saved in a class attribute ``transient_attributes`` (a tuple of names) and
rebuild them in a method ``after_load(self, parent)``, called once all state
is back.
"""
from __future__ import annotations

import importlib
import json
import math
import os
import pickle
import shutil
import sys
import time
import types
import uuid
import warnings
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from .data_folder import atomic_write_text
from .errors import FormatVersionError
from .streams import STREAM_STORE_NAME, ZarrStream, load_stream, open_stream_for_append

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "load_network", "save_network"]

FORMAT_NAME = "monnto-network"
#: Version written by :func:`save_network`; :func:`load_network` reads up to it.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"

_COMMON_SKIP = {"_tag_cache", "_attribute_shortcuts", "tags", "behaviour", "network"}
_NETWORK_SKIP = _COMMON_SKIP | {"NeuronGroups", "SynapseGroups", "_steps", "_creation_order",
                                "_insertion_order", "_insertion", "rng", "xp"}
_NEURON_SKIP = _COMMON_SKIP | {"afferent_synapses", "efferent_synapses", "BaseNeuronGroup"}
_SYNAPSE_SKIP = _COMMON_SKIP | {"src", "dst"}
_BEHAVIOUR_SKIP = {"_tag_cache", "parent"}
_PICKLE_HOOKS = ("__reduce_ex__", "__reduce__", "__getstate__", "__setstate__",
                 "__getnewargs_ex__", "__getnewargs__")


def _class_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _import_path(path: str, where: str) -> Any:
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


def _scipy_sparse():
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover - scipy is a core dependency
        return None
    return sp


class _Encoder:
    def __init__(self, folder: Path, refs: dict[int, Any]) -> None:
        self.folder = folder
        self.refs = refs
        self.memo: dict[int, Any] = {}
        self.keep: list[Any] = []          # keeps encoded objects alive (stable ids)
        self.objects: dict[str, Any] = {}
        self.pickled: list[dict[str, str]] = []
        self.files = 0
        self.sparse = _scipy_sparse()

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
        if isinstance(out, dict) and next(iter(out)) in ("$array", "$sparse", "$obj", "$pickle"):
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
        if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType, np.ufunc)):
            name = _global_name(value)
            if name is not None:
                return {"$global": name}
        elif _is_plain_class(type(value)) and hasattr(value, "__dict__"):
            obj_id = str(len(self.objects))
            ref = {"$obj": obj_id}
            self.memo[id(value)] = ref
            self.objects[obj_id] = {"class": _class_path(type(value))}
            self.objects[obj_id]["state"] = self.state(value, set(), where)
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


def _behaviour_entries(enc: _Encoder, owner: Any, where: str) -> list[dict[str, Any]]:
    from ..behaviours.recorder import Recorder

    entries = []
    for key, b in owner.behaviour.items():
        name = f"{where}.behaviour[{key!r}] ({type(b).__name__})"
        cls = type(b)
        if "<locals>" in cls.__qualname__:
            raise TypeError(f"save_network: {name}: class {cls.__qualname__} is defined inside a "
                            "function; define behaviour classes at module level to save them")
        skip = set(_BEHAVIOUR_SKIP)
        entry: dict[str, Any] = {"key": key, "class": _class_path(cls), "tags": list(b.tags)}
        if isinstance(b, Recorder):
            skip |= {"_functions", "_pending"}
            entry["recorder"] = {"functions": [e for e, _ in getattr(b, "_functions", [])],
                                 "pending": [e for e, *_ in getattr(b, "_pending", [])]}
        unsaved: list[str] = []
        can_rebuild = type(b)._init_method_name() is not None
        entry["state"] = enc.state(b, skip, name, unsaved if can_rebuild else None)
        if unsaved:
            entry["reinitialize"] = unsaved
        entries.append(entry)
    return entries


def save_network(net: Any, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Save ``net`` (structure, state, recordings, iteration, RNG) into the folder ``path``.

    Parameters
    ----------
    net : Network
        The network, initialized or not.
    path : path-like
        Folder to create. The network is written to a temporary folder
        beside it and renamed into place, so a failed save leaves nothing
        behind and never damages an existing save.
    overwrite : bool
        Replace an existing folder at ``path`` (default: refuse).

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    path = Path(path).resolve()
    if path.exists() and not overwrite:
        raise FileExistsError(f"save_network: {str(path)!r} already exists; pass overwrite=True "
                              "to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    try:
        _write(net, tmp)
        if path.exists():
            old = path.with_name(f".{path.name}.old-{uuid.uuid4().hex[:8]}")
            os.rename(path, old)
            os.rename(tmp, path)
            shutil.rmtree(old)
        else:
            os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _write(net: Any, folder: Path) -> None:
    refs: dict[int, Any] = {id(net): {"$ref": ["net"]}, id(net.rng): {"$ref": ["rng"]}}
    owners = [("net", 0, net)]
    owners += [("ng", i, g) for i, g in enumerate(net.NeuronGroups)]
    owners += [("sg", i, s) for i, s in enumerate(net.SynapseGroups)]
    for kind, i, obj in owners:
        if kind != "net":
            refs[id(obj)] = {"$ref": [kind, i]}
        for key, b in obj.behaviour.items():
            refs[id(b)] = {"$ref": ["b", kind, i, key]}
    for i, s in enumerate(net.SynapseGroups):
        for end in ("src", "dst"):
            group = getattr(s, end)
            if id(group) not in refs:
                refs[id(group)] = {"$ref": ["sub", i, end]}
    enc = _Encoder(folder, refs)
    neuron_groups = []
    for g in net.NeuronGroups:
        where = f"NeuronGroup {g.tag!r}"
        neuron_groups.append({"class": _class_path(type(g)), "tags": list(g.tags), "size": g.size,
                              "state": enc.state(g, _NEURON_SKIP, where),
                              "behaviours": _behaviour_entries(enc, g, where)})
    synapse_groups = []
    index = {id(g): i for i, g in enumerate(net.NeuronGroups)}
    for s in net.SynapseGroups:
        where = f"SynapseGroup {s.tag!r}"
        ends = {}
        for end in ("src", "dst"):
            group = getattr(s, end)
            base = getattr(group, "BaseNeuronGroup", group)
            ends[end] = {"group": index[id(base)]}
            if group is not base:
                ends[end]["mask"] = enc.enc(np.asarray(group.mask), f"{where}.{end}.mask")
        user_tags = s.tags[: s.tags.index("syn")] if "syn" in s.tags else list(s.tags)
        synapse_groups.append({"class": _class_path(type(s)), "tags": list(s.tags),
                               "user_tags": user_tags, **ends,
                               "state": enc.state(s, _SYNAPSE_SKIP, where),
                               "behaviours": _behaviour_entries(enc, s, where)})
    network = {"class": _class_path(type(net)), "tags": list(net.tags),
               "rng": {"bit_generator": type(net.rng.bit_generator).__name__,
                       "state": enc.enc(net.rng.bit_generator.state, "net.rng")},
               "state": enc.state(net, _NETWORK_SKIP, f"Network {net.tag!r}"),
               "behaviours": _behaviour_entries(enc, net, f"Network {net.tag!r}")}
    try:
        from .. import __version__ as version
    except ImportError:  # pragma: no cover
        version = "unknown"
    manifest = {
        "format": FORMAT_NAME, "format_version": FORMAT_VERSION, "monnto_version": version,
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "iteration": int(net.iteration),
        "description": net.describe() if hasattr(net, "describe") else str(net),
        "network": network, "neuron_groups": neuron_groups, "synapse_groups": synapse_groups,
        "objects": enc.objects, "pickled": enc.pickled,
    }
    atomic_write_text(folder / MANIFEST, json.dumps(manifest, indent=1) + "\n")


class _Decoder:
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
            return _import_path(value["$global"], "a saved function or class")
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
            sp = _scipy_sparse()
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


def _apply_states(d: _Decoder, m: dict[str, Any], net: Any, owners: list) -> tuple[list, list]:
    """Set every saved attribute (objects, network, groups, behaviours) and the RNG state."""
    for obj_id, entry in m["objects"].items():
        d.objects[obj_id].__dict__.update(d.dec_state(entry["state"]))
    recorders, rebuild = [], []
    for _kind, _i, obj, e in owners:
        state = d.dec_state(e["state"])
        if obj is net:
            state.pop("initialized", None)
        obj.__dict__.update(state)
        for b_entry in e["behaviours"]:
            b = obj.behaviour[b_entry["key"]]
            b.__dict__.pop("initialize_on_init", None)
            b.__dict__.update(d.dec_state(b_entry["state"]))
            b._tag_cache = {}
            if "recorder" in b_entry:
                recorders.append((b, obj, b_entry["recorder"]))
            if b_entry.get("reinitialize"):
                rebuild.append((b, obj, b_entry["reinitialize"]))
    net.rng.bit_generator.state = d.dec(m["network"]["rng"]["state"])
    return recorders, rebuild


def _rebuild(net: Any, rebuild: list) -> None:
    """Run the init method of behaviours whose attributes could not be saved (compiled
    functions, lambdas) to make those attributes again; the saved state is applied
    afterwards, over whatever the init methods changed."""
    order = {id(b): i for i, b in enumerate(net.all_behaviours())}
    rebuild = sorted(rebuild, key=lambda r: (r[0].initialize_last, order.get(id(r[0]), 0)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for b, parent, names in rebuild:
            getattr(b, type(b)._init_method_name())(parent)
            missing = [n for n in names if n not in b.__dict__]
            if missing:
                raise ValueError(
                    f"load_network: {b!r}: attribute(s) {missing} could not be saved and "
                    f"{type(b).__name__}.{type(b)._init_method_name()} does not recreate them; "
                    "list them in 'transient_attributes' and rebuild them in "
                    "'after_load(self, parent)'")


def _shell(entry: dict[str, Any]) -> Any:
    from ..core.behaviour import Behaviour

    cls = _import_path(entry["class"], f"behaviour {entry['class']}")
    b = cls.__new__(cls)
    Behaviour.__init__(b)
    b.tags = list(entry["tags"])
    b.initialize_on_init = False  # the saved state replaces any initialization
    return b


def _read_manifest(folder: Path) -> dict[str, Any]:
    if not folder.exists():
        raise FileNotFoundError(f"load_network: {str(folder)!r} does not exist")
    file = folder / MANIFEST
    if not file.is_file():
        raise FileNotFoundError(f"load_network: {str(folder)!r} is not a saved network "
                                f"(no {MANIFEST})")
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"load_network: {str(file)!r} is not valid JSON ({err})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ValueError(f"load_network: {str(file)!r} is not a {FORMAT_NAME!r} manifest")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise FormatVersionError(f"load_network: {str(file)!r} has an invalid format_version "
                                 f"{version!r}")
    if version > FORMAT_VERSION:
        raise FormatVersionError(
            f"load_network: {str(folder)!r} was written in format version {version} (by monnto "
            f"{manifest.get('monnto_version', '?')}); this monnto reads versions up to "
            f"{FORMAT_VERSION}: upgrade monnto to load it")
    return manifest


def load_network(path: str | os.PathLike, storage_manager: Any = None) -> Any:
    """Load a network saved by :func:`save_network`, ready to continue.

    Continuing the loaded network gives bit-identical results to never
    stopping. Behaviour classes must be importable (defined at module level
    of an importable module, or in the running ``__main__``).

    Parameters
    ----------
    path : path-like
        The folder written by :func:`save_network`.
    storage_manager : StorageManager, optional
        Where streaming recorders continue: their samples so far are copied
        into new streams of this run. Without it they append to their
        original streams, which must not have grown since the save.

    Raises
    ------
    FileNotFoundError
        When ``path`` is missing or not a saved network.
    FormatVersionError
        When it was written by a newer format version.
    ImportError
        When a behaviour class cannot be imported.
    """
    from ..core.behaviour import Behaviour
    from ..core.network import Network
    from ..core.neuron_group import NeuronGroup
    from ..core.synapse_group import SynapseGroup

    folder = Path(path).resolve()
    m = _read_manifest(folder)
    d = _Decoder(folder, m, storage_manager)
    net_entry = m["network"]
    raw = net_entry["state"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net_cls = _import_path(net_entry["class"], "the network")
        net = net_cls.__new__(net_cls)
        shells = {e["key"]: _shell(e) for e in net_entry["behaviours"]}
        Network.__init__(net, tag=net_entry["tags"][0] if net_entry["tags"] else None,
                         behaviour=shells, seed=raw["seed"], dtype=d.dec(raw["dtype"]),
                         backend=raw.get("backend", "numpy"))
        d.refs[("net",)] = net
        d.refs[("rng",)] = net.rng
        owners = [("net", 0, net, net_entry)]
        for i, e in enumerate(m["neuron_groups"]):
            cls = _import_path(e["class"], f"NeuronGroup {e['tags'][:1]}")
            g = cls.__new__(cls)
            shells = {b["key"]: _shell(b) for b in e["behaviours"]}
            NeuronGroup.__init__(g, net=net, size=e["size"], behaviour=shells, tag=e["tags"][0])
            d.refs[("ng", i)] = g
            owners.append(("ng", i, g, e))
        for i, e in enumerate(m["synapse_groups"]):
            ends = []
            for end in ("src", "dst"):
                group = d.refs[("ng", e[end]["group"])]
                if "mask" in e[end]:
                    group = group.subGroup(d.dec(e[end]["mask"]))
                    d.refs[("sub", i, end)] = group
                ends.append(group)
            cls = _import_path(e["class"], f"SynapseGroup {e['tags'][:1]}")
            s = cls.__new__(cls)
            shells = {b["key"]: _shell(b) for b in e["behaviours"]}
            SynapseGroup.__init__(s, net=net, src=ends[0], dst=ends[1], behaviour=shells,
                                  tag=",".join(e["user_tags"]) or None)
            d.refs[("sg", i)] = s
            owners.append(("sg", i, s, e))
    for kind, i, obj, e in owners:
        obj.tags = list(e["tags"])
        for b in e["behaviours"]:
            d.refs[("b", kind, i, b["key"])] = obj.behaviour[b["key"]]
    for obj_id, entry in m["objects"].items():
        cls = _import_path(entry["class"], f"saved object {obj_id}")
        d.objects[obj_id] = cls.__new__(cls)
    recorders, rebuild = _apply_states(d, m, net, owners)
    if rebuild:
        _rebuild(net, rebuild)
        d.refresh()
        _apply_states(d, m, net, owners)
    if recorders:
        from ..behaviours.recorder import compile_expression

        for b, parent, info in recorders:
            if storage_manager is not None and getattr(b, "storage_manager", None) is not None:
                b.storage_manager = storage_manager
            owner = f"{type(b).__name__} {b.tag!r} on {parent!r}"
            b._functions = [(x, compile_expression(x, parent, owner)) for x in info["functions"]]
            b._pending = [(x, compile_expression(x, parent, owner), owner) for x in info["pending"]]
    for _kind, _i, obj, _e in owners:
        for b in obj.behaviour.values():
            hook = getattr(b, "after_load", None)
            if callable(hook) and isinstance(b, Behaviour):
                hook(obj)
    net.initialized = bool(raw.get("initialized", False))
    net._structure_changed()
    return net
