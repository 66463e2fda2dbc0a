"""Save a whole network to a folder and load it to continue bit-identically.

Format ``monnto-network``, version 2: a folder holding

- ``manifest.json``: the format name and version, a human-readable
  description, and the structure: the network, its NeuronGroups and
  SynapseGroups (class, tags, size, source and destination), each object's
  behaviours (key, class, tags) and the state of every object (its
  attributes), plus the RNG state (``net.rng.bit_generator.state``);
- ``arrays/<n>.npy``: every numpy array (dense synapse matrices, group
  vectors, recorder blocks), with its shape and dtype repeated in the
  manifest and checked at load; an array held by several attributes is
  stored once and shared again after loading;
- ``sparse/<n>.npz``: scipy sparse matrices (``scipy.sparse.save_npz``);
- ``streams.zarr``: a copy of the samples that streaming recorders had
  written to their run folder, so that a save travels with its data;
- ``objects/<n>.pkl``: **pickle**, only for values nothing else can store
  (user objects with custom pickling). ``manifest['pickled']`` lists each
  one with where it came from.

State values are written as JSON with small tagged forms: ``{"$array":
file}``, ``{"$sparse": file}``, ``{"$scalar": dtype, "hex": bytes}`` (numpy
scalars, exact), ``{"$ref": [...]}`` (the network, a group, a behaviour, the
network's generator), ``{"$obj": id}`` (plain Python objects, stored
attribute by attribute in ``manifest['objects']``), ``{"$dict": {...}}``,
``{"$tuple": [...]}``, ``{"$set": [...]}``, ``{"$fraction": [p, q]}``,
``{"$global": "module:name"}``.

**Loading is safe by default** (see :mod:`.load_policy` and
``docs/sharing.md``): it never executes stored source, never unpickles, and
imports only monnto's own classes, numpy's ufuncs and scalar types, and the
classes the caller passes (``classes=[MyBehaviour]``) or registers
(:func:`~.load_policy.register_loadable`). Equation behaviours regenerate
their code from their equation strings through the parser; recorded
expressions are re-parsed with a restricted grammar; streamed recordings
continue only in the run folder the caller passes. ``trusted=True`` lifts
these limits for files whose sender you trust.

Behaviours are rebuilt without running their ``set_variables`` (except
those whose class sets ``regenerate_on_load``, and those with attributes
that could not be saved): the class is looked up and its attributes
restored. A behaviour may name attributes that must not be saved in a
class attribute ``transient_attributes`` (a tuple of names) and rebuild
them in a method ``after_load(self, parent)``, called once all state is
back.

Saving writes a temporary folder beside the target and renames it into
place; a save killed at any moment leaves the old or the new save, which
the next :func:`save_network` or :func:`load_network` of that path
recovers, removing leftovers of interrupted saves.
"""
from __future__ import annotations

import inspect
import json
import os
import shutil
import time
import types
import uuid
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import LoadError, MonntoTypeError, UnsafeLoadError
from .data_folder import atomic_write_text
from .errors import FormatVersionError
from .load_context import checked_folders, loading
from .load_policy import LoadPolicy
from .manifest_schema import validate_manifest
from .network_codec import Decoder, Encoder, class_path
from .processes import pid_alive

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "load_network", "save_network"]

FORMAT_NAME = "monnto-network"
#: Version written by :func:`save_network`; :func:`load_network` reads up to it.
FORMAT_VERSION = 2
MANIFEST = "manifest.json"

_COMMON_SKIP = {"_tag_cache", "_attribute_shortcuts", "tags", "behaviour", "network"}
_NETWORK_SKIP = _COMMON_SKIP | {"NeuronGroups", "SynapseGroups", "_steps", "_fused_cache", "_run_loop",
                                "_creation_order", "_insertion_order", "_insertion", "rng", "xp",
                                "array_backend", "_convert", "_distributed", "_keyed_draws"}
_NEURON_SKIP = _COMMON_SKIP | {"afferent_synapses", "efferent_synapses", "BaseNeuronGroup"}
_SYNAPSE_SKIP = _COMMON_SKIP | {"src", "dst"}
_BEHAVIOUR_SKIP = {"_tag_cache", "parent"}


def _behaviour_entries(enc: Encoder, owner: Any, where: str) -> list[dict[str, Any]]:
    from ..behaviours.recorder import Recorder

    entries = []
    for key, b in owner.behaviour.items():
        name = f"{where}.behaviour[{key!r}] ({type(b).__name__})"
        cls = type(b)
        if "<locals>" in cls.__qualname__:
            raise MonntoTypeError(f"save_network: {name}: class {cls.__qualname__} is defined inside a "
                            "function; define behaviour classes at module level to save them")
        before_save = getattr(b, "before_save", None)
        if callable(before_save):
            before_save()  # may refuse (a sensory input reading a generator) or record a position
        skip = set(_BEHAVIOUR_SKIP)
        entry: dict[str, Any] = {"key": key, "class": class_path(cls), "tags": list(b.tags)}
        if isinstance(b, Recorder):
            skip |= {"_functions", "_pending"}
            entry["recorder"] = {"functions": [e for e, _ in getattr(b, "_functions", [])],
                                 "pending": [e for e, *_ in getattr(b, "_pending", [])]}
        unsaved: list[str] = []
        # a Recorder's data must never be silently replaced by an empty re-initialization
        can_rebuild = type(b)._init_method_name() is not None and not isinstance(b, Recorder)
        entry["state"] = enc.state(b, skip, name, unsaved if can_rebuild else None)
        if unsaved:
            entry["reinitialize"] = unsaved
            stateful = [k for k in unsaved if not callable(getattr(b, k, None))]
            if stateful:
                warnings.warn(
                    f"save_network: {name}: attribute(s) {stateful} cannot be saved; loading will "
                    f"rebuild them with {type(b).__name__}.{type(b)._init_method_name()}, so their "
                    "current content is lost (define 'transient_attributes' and 'after_load' to "
                    "control this)", stacklevel=3)
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
        behind and never damages an existing save; a save killed between
        the renames is completed by the next save or load of ``path``.
    overwrite : bool
        Replace an existing folder at ``path`` (default: refuse).

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    path = _folder_path(path, "save_network")
    recover_interrupted_save(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"save_network: {str(path)!r} already exists; pass overwrite=True "
                              "to replace it")
    if path.exists() and not (path / MANIFEST).is_file():
        raise FileExistsError(f"save_network: {str(path)!r} exists and is not a saved network; "
                              "refusing to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(_leftover_name(path, "partial"))
    tmp.mkdir()
    try:
        _write(net, tmp)
        if path.exists():
            old = path.with_name(_leftover_name(path, "old"))
            os.rename(path, old)
            os.rename(tmp, path)
            shutil.rmtree(old)
        else:
            os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _folder_path(path: Any, caller: str) -> Path:
    """``path`` resolved, or an error naming ``caller`` when it is not a path."""
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise MonntoTypeError(f"{caller}: path must be a folder path (str or os.PathLike), got {path!r}")
    return Path(path).resolve()


def _leftover_name(path: Path, kind: str) -> str:
    """``.<name>.<kind>-<pid>-<random>``: a temporary folder of a save in progress."""
    return f".{path.name}.{kind}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _writer_alive(folder: Path) -> bool:
    """Whether the process that made a leftover folder may still be writing it.

    Its PID is in the name; on another host the PID means nothing, so a
    leftover is also taken as abandoned once it is an hour old.
    """
    try:
        pid = int(folder.name.rsplit("-", 2)[-2])
    except (ValueError, IndexError):
        return False
    if pid == os.getpid():
        return False
    try:
        age = time.time() - folder.stat().st_mtime
    except OSError:
        return False
    return age <= 3600 and pid_alive(pid)


def recover_interrupted_save(path: str | os.PathLike) -> Path | None:
    """Finish a save of ``path`` that was killed, and remove leftovers of interrupted saves.

    When ``path`` is missing, the newest complete new save (its manifest is
    written last) is renamed into place, else the newest old one. Leftovers
    whose writer is still running are left alone.

    Returns
    -------
    pathlib.Path or None
        The folder renamed into place, if any.
    """
    path = Path(path)
    parent = path.parent
    if not parent.is_dir():
        return None
    prefix = f".{path.name}."
    leftovers = [p for p in parent.iterdir()
                 if p.name.startswith(prefix) and p.name[len(prefix):].split("-", 1)[0] in ("partial", "old")
                 and p.is_dir() and not _writer_alive(p)]
    if not leftovers:
        return None
    restored = None
    if not path.exists():
        def newest(kind: str) -> Path | None:
            done = [p for p in leftovers if p.name[len(prefix):].startswith(kind) and (p / MANIFEST).is_file()]
            return max(done, key=lambda p: (p / MANIFEST).stat().st_mtime, default=None)

        restored = newest("partial") or newest("old")
        if restored is not None:
            os.rename(restored, path)
            leftovers.remove(restored)
    for p in leftovers:
        shutil.rmtree(p, ignore_errors=True)
    return path if restored is not None else None


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
    enc = Encoder(folder, refs)
    neuron_groups = []
    for g in net.NeuronGroups:
        where = f"NeuronGroup {g.tag!r}"
        neuron_groups.append({"class": class_path(type(g)), "tags": list(g.tags), "size": g.size,
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
        synapse_groups.append({"class": class_path(type(s)), "tags": list(s.tags),
                               "user_tags": user_tags, **ends,
                               "state": enc.state(s, _SYNAPSE_SKIP, where),
                               "behaviours": _behaviour_entries(enc, s, where)})
    network = {"class": class_path(type(net)), "tags": list(net.tags),
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


def _set_state(obj: Any, state: dict[str, Any]) -> None:
    """Add ``state`` to the attributes of ``obj`` in a new plain instance dict.

    A new dict rather than ``__dict__.update``: see TaggableObject.__init__
    (CPython does not specialize attribute look-ups on an exposed shared-key dict).
    """
    try:
        obj.__dict__ = {**obj.__dict__, **state}
    except (AttributeError, TypeError):  # a frozen dataclass, a class that guards __dict__
        obj.__dict__.update(state)


def _checked_state(d: Decoder, obj: Any, raw: dict[str, Any], where: str) -> dict[str, Any]:
    """Decode a saved state; drop transient attributes, refuse names that would replace methods.

    A file may set attributes, not behaviour: an attribute named like a
    method of the class (``new_iteration``, ``set_variables``) would make the
    network call whatever the file put there, so it is refused unless the
    load is trusted. Transient attributes (generated code among them) are
    never taken from a file: the loader rebuilds them.
    """
    cls = type(obj)
    transient = set(getattr(cls, "transient_attributes", ()) or ())
    state = {}
    for key, value in raw.items():
        if key in transient:
            continue
        if not d.policy.trusted:
            attr = inspect.getattr_static(cls, key, None)
            if isinstance(attr, (types.FunctionType, staticmethod, classmethod, property)):
                raise d.policy.refuse(f"{where}.{key}", f"an attribute that would replace the method "
                                      f"{cls.__name__}.{key}", "a file sets attributes, never methods")
        state[key] = d.dec(value, f"{where}.{key}")
    return state


def _apply_states(d: Decoder, m: dict[str, Any], net: Any, owners: list) -> tuple[list, list]:
    """Set every saved attribute (objects, network, groups, behaviours) and the RNG state."""
    for obj_id, entry in m["objects"].items():
        obj = d.objects[obj_id]
        _set_state(obj, _checked_state(d, obj, entry["state"], f"objects[{obj_id!r}]"))
    recorders, rebuild = [], []
    for _kind, _i, obj, e, where in owners:
        state = _checked_state(d, obj, e["state"], where)
        if obj is net:
            state.pop("initialized", None)
        _set_state(obj, state)
        for b_entry in e["behaviours"]:
            b = obj.behaviour[b_entry["key"]]
            b.__dict__.pop("initialize_on_init", None)
            b_where = f"{where}.behaviour[{b_entry['key']!r}] ({type(b).__name__})"
            _set_state(b, _checked_state(d, b, b_entry["state"], b_where))
            b._tag_cache = {}
            if "recorder" in b_entry:
                recorders.append((b, obj, b_entry["recorder"]))
            names = list(b_entry.get("reinitialize", []))
            if getattr(type(b), "regenerate_on_load", False) and type(b)._init_method_name() is not None:
                names.append("code")
            if names:
                rebuild.append((b, obj, names))
    net.rng.bit_generator.state = d.dec(m["network"]["rng"]["state"], "network.rng.state")
    return recorders, rebuild


def _rebuild(net: Any, rebuild: list) -> None:
    """Run the init method of behaviours whose attributes are not taken from the file
    (generated code, compiled functions, lambdas) to make those attributes again;
    the saved state is applied afterwards, over whatever the init methods changed."""
    order = {id(b): i for i, b in enumerate(net.all_behaviours())}
    rebuild = sorted(rebuild, key=lambda r: (r[0].initialize_last, order.get(id(r[0]), 0)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for b, parent, names in rebuild:
            getattr(b, type(b)._init_method_name())(parent)
            missing = [n for n in names if n not in b.__dict__]
            if missing:
                raise LoadError(
                    f"load_network: {b!r}: attribute(s) {missing} could not be saved and "
                    f"{type(b).__name__}.{type(b)._init_method_name()} does not recreate them; "
                    "list them in 'transient_attributes' and rebuild them in "
                    "'after_load(self, parent)'")


def _shell(entry: dict[str, Any], policy: LoadPolicy, where: str) -> Any:
    from ..core.behaviour import Behaviour

    cls = policy.cls(entry["class"], f"{where}.behaviour[{entry['key']!r}].class")
    if not (isinstance(cls, type) and issubclass(cls, Behaviour)):
        raise LoadError(f"{policy.source}: {where}.behaviour[{entry['key']!r}].class names "
                        f"{entry['class']!r}, which is not a Behaviour")
    b = cls.__new__(cls)
    Behaviour.__init__(b)
    b.tags = list(entry["tags"])
    b.initialize_on_init = False  # the saved state replaces any initialization
    return b


def _owner_class(policy: LoadPolicy, entry: dict[str, Any], base: type, where: str) -> type:
    cls = policy.cls(entry["class"], f"{where}.class")
    if not issubclass(cls, base):
        raise LoadError(f"{policy.source}: {where}.class names {entry['class']!r}, which is not a "
                        f"{base.__name__}")
    return cls


def _read_manifest(folder: Path) -> dict[str, Any]:
    if not folder.exists():
        raise FileNotFoundError(f"load_network: {str(folder)!r} does not exist")
    file = folder / MANIFEST
    if not file.is_file():
        raise FileNotFoundError(f"load_network: {str(folder)!r} is not a saved network "
                                f"(no {MANIFEST})")
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise LoadError(f"load_network: {str(file)!r} is not valid JSON ({err})") from None
    except RecursionError:
        raise LoadError(f"load_network: {str(file)!r} is nested too deeply") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise LoadError(f"load_network: {str(file)!r} is not a {FORMAT_NAME!r} manifest")
    version = manifest.get("format_version")
    if type(version) is not int or version < 1:
        raise FormatVersionError(f"load_network: {str(file)!r} has an invalid format_version "
                                 f"{version!r}")
    if version > FORMAT_VERSION:
        raise FormatVersionError(
            f"load_network: {str(folder)!r} was written in format version {version} (by monnto "
            f"{manifest.get('monnto_version', '?')}); this monnto reads versions up to "
            f"{FORMAT_VERSION}: upgrade monnto to load it")
    validate_manifest(manifest, str(file))
    return manifest


def load_network(path: str | os.PathLike, storage_manager: Any = None, *,
                 classes: Iterable[type] = (), trusted: bool = False,
                 data_folders: Iterable[str | os.PathLike] | str | os.PathLike | None = None) -> Any:
    """Load a network saved by :func:`save_network`, ready to continue.

    Continuing the loaded network gives bit-identical results to never
    stopping. Loading is safe by default: it never runs code from the
    folder (no pickles, no stored source, no import of a class the file
    names unless it is monnto's or yours); see ``docs/sharing.md``.

    Parameters
    ----------
    path : path-like
        The folder written by :func:`save_network`.
    storage_manager : StorageManager, optional
        The run folder where streaming recorders continue. A new run
        (``StorageManager(...)``) gets new streams filled with the samples
        saved so far; the original run (``StorageManager.open(folder)``)
        is appended to when it has not grown since the save. Required when
        the network has streaming recorders: a run folder is never taken
        from the file.
    classes : iterable of classes or functions, keyword-only
        Your own Behaviour classes (and plain classes or functions held by
        their attributes) that this file may rebuild. A class saved from a
        script's ``__main__`` matches the class of the same name passed
        here. :func:`~monnto.storage.register_loadable` allows them for
        every load.
    trusted : bool, keyword-only
        Load everything the file names, including pickles and recorded
        expressions outside the restricted grammar. Only for files whose
        sender you trust: unpickling runs code.
    data_folders : path or iterable of paths, keyword-only
        Folders where files the save names (a sensory input's video or
        sound file) may be read. A file path from the save is used only
        inside the save folder or these folders; otherwise a file of the
        same name in one of them is used, else the load is refused.

    Raises
    ------
    FileNotFoundError
        When ``path`` is missing or not a saved network.
    FormatVersionError
        When it was written by a newer format version.
    UnsafeLoadError
        When loading would need a class, function or pickle the policy does
        not allow (the message says how to allow it).
    LoadError
        When the folder's content does not match its manifest.
    """
    from ..core.behaviour import Behaviour
    from ..core.network import Network
    from ..core.neuron_group import NeuronGroup
    from ..core.synapse_group import SynapseGroup

    folder = _folder_path(path, "load_network")
    recover_interrupted_save(folder)
    readable_folders = checked_folders(data_folders, "load_network")
    m = _read_manifest(folder)
    if m["format_version"] < FORMAT_VERSION and trusted is not True:
        raise UnsafeLoadError(
            f"load_network: {str(folder)!r} was written in format version {m['format_version']} (by "
            f"monnto {m.get('monnto_version', '?')}), which stores pickles and generated code; it is "
            "refused by the safe loader. If you trust its sender, load it with trusted=True and save "
            "it again to convert it to the safe format; see docs/sharing.md")
    policy = LoadPolicy(f"load_network: {str(folder)!r}", trusted=trusted, classes=classes)
    d = Decoder(folder, m, storage_manager, policy)
    net_entry = m["network"]
    raw = net_entry["state"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net_cls = _owner_class(policy, net_entry, Network, "network")
        net = net_cls.__new__(net_cls)
        shells = {e["key"]: _shell(e, policy, "network") for e in net_entry["behaviours"]}
        options = {"backend": raw.get("backend", "numpy")}
        if "device" in raw:
            options["device"] = raw["device"]
        try:
            Network.__init__(net, tag=net_entry["tags"][0] if net_entry["tags"] else None,
                             behaviour=shells, seed=raw.get("seed"),
                             dtype=d.dec(raw.get("dtype", {"$dtype": "<f8"}), "network.state.dtype"),
                             **options)
        except (ValueError, TypeError) as err:
            raise LoadError(f"load_network: {str(folder / MANIFEST)!r}: network: {err}") from None
        d.refs[("net",)] = net
        d.refs[("rng",)] = net.rng
        owners = [("net", 0, net, net_entry, "network")]
        for i, e in enumerate(m["neuron_groups"]):
            where = f"neuron_groups[{i}]"
            cls = _owner_class(policy, e, NeuronGroup, where)
            g = cls.__new__(cls)
            shells = {b["key"]: _shell(b, policy, where) for b in e["behaviours"]}
            NeuronGroup.__init__(g, net=net, size=e["size"], behaviour=shells, tag=e["tags"][0])
            d.refs[("ng", i)] = g
            owners.append(("ng", i, g, e, f"NeuronGroup {e['tags'][0]!r}"))
        for i, e in enumerate(m["synapse_groups"]):
            where = f"synapse_groups[{i}]"
            ends = []
            for end in ("src", "dst"):
                group = d.refs[("ng", e[end]["group"])]
                if "mask" in e[end]:
                    mask = np.asarray(d.dec(e[end]["mask"], f"{where}.{end}.mask"))
                    if mask.shape != (group.size,):
                        raise d.error(f"{where}.{end}.mask", f"expected a mask of shape ({group.size},), "
                                      f"got {mask.shape}")
                    group = group.subGroup(mask)
                    d.refs[("sub", i, end)] = group
                ends.append(group)
            cls = _owner_class(policy, e, SynapseGroup, where)
            s = cls.__new__(cls)
            shells = {b["key"]: _shell(b, policy, where) for b in e["behaviours"]}
            SynapseGroup.__init__(s, net=net, src=ends[0], dst=ends[1], behaviour=shells,
                                  tag=",".join(e["user_tags"]) or None)
            d.refs[("sg", i)] = s
            owners.append(("sg", i, s, e, f"SynapseGroup {s.tag!r}"))
    for kind, i, obj, e, _where in owners:
        obj.tags = list(e["tags"])
        for b in e["behaviours"]:
            d.refs[("b", kind, i, b["key"])] = obj.behaviour[b["key"]]
    for obj_id, entry in m["objects"].items():
        cls = policy.cls(entry["class"], f"objects[{obj_id!r}].class")
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
            b._functions = [(x, compile_expression(x, parent, owner, restricted=not trusted))
                            for x in info["functions"]]
            b._pending = [(x, compile_expression(x, parent, owner, restricted=not trusted), owner)
                          for x in info["pending"]]
    with loading(folder, readable_folders, trusted):  # files the save names: see load_context
        for _kind, _i, obj, _e, _where in owners:
            for b in obj.behaviour.values():
                hook = getattr(b, "after_load", None)
                if callable(hook) and isinstance(b, Behaviour):
                    hook(obj)
    if net._distributed is not None or "distributed_split" in net.__dict__:
        from ..distributed.io import after_load  # this rank's block of a (distributed) save

        after_load(net)
    net.initialized = bool(raw.get("initialized", False))
    net._structure_changed()
    return net
