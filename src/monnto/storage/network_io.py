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

import json
import os
import shutil
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .data_folder import atomic_write_text
from .errors import FormatVersionError
from .network_codec import Decoder, Encoder, class_path, import_path

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "load_network", "save_network"]

FORMAT_NAME = "monnto-network"
#: Version written by :func:`save_network`; :func:`load_network` reads up to it.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"

_COMMON_SKIP = {"_tag_cache", "_attribute_shortcuts", "tags", "behaviour", "network"}
_NETWORK_SKIP = _COMMON_SKIP | {"NeuronGroups", "SynapseGroups", "_steps", "_fused_cache", "_run_loop",
                                "_creation_order", "_insertion_order", "_insertion", "rng", "xp",
                                "array_backend", "_convert"}
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
            raise TypeError(f"save_network: {name}: class {cls.__qualname__} is defined inside a "
                            "function; define behaviour classes at module level to save them")
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


def _apply_states(d: Decoder, m: dict[str, Any], net: Any, owners: list) -> tuple[list, list]:
    """Set every saved attribute (objects, network, groups, behaviours) and the RNG state."""
    for obj_id, entry in m["objects"].items():
        _set_state(d.objects[obj_id], d.dec_state(entry["state"]))
    recorders, rebuild = [], []
    for _kind, _i, obj, e in owners:
        state = d.dec_state(e["state"])
        if obj is net:
            state.pop("initialized", None)
        _set_state(obj, state)
        for b_entry in e["behaviours"]:
            b = obj.behaviour[b_entry["key"]]
            b.__dict__.pop("initialize_on_init", None)
            _set_state(b, d.dec_state(b_entry["state"]))
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

    cls = import_path(entry["class"], f"behaviour {entry['class']}")
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
    d = Decoder(folder, m, storage_manager)
    net_entry = m["network"]
    raw = net_entry["state"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net_cls = import_path(net_entry["class"], "the network")
        net = net_cls.__new__(net_cls)
        shells = {e["key"]: _shell(e) for e in net_entry["behaviours"]}
        options = {"backend": raw.get("backend", "numpy")}
        if "device" in raw:
            options["device"] = raw["device"]
        Network.__init__(net, tag=net_entry["tags"][0] if net_entry["tags"] else None,
                         behaviour=shells, seed=raw["seed"], dtype=d.dec(raw["dtype"]), **options)
        d.refs[("net",)] = net
        d.refs[("rng",)] = net.rng
        owners = [("net", 0, net, net_entry)]
        for i, e in enumerate(m["neuron_groups"]):
            cls = import_path(e["class"], f"NeuronGroup {e['tags'][:1]}")
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
            cls = import_path(e["class"], f"SynapseGroup {e['tags'][:1]}")
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
        cls = import_path(entry["class"], f"saved object {obj_id}")
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
