"""Save and load a network's state for the UI's save/load buttons (Qt-free).

When :mod:`monnto.storage.network_io` provides ``save_network(net, path)`` and
``load_network(path)``, those are used and the loaded network's state is
copied into the running one (the UI keeps its network object). Otherwise a
pickle-free snapshot is written: an ``.npz`` holding every numpy array and
numeric scalar attribute of the network, its groups and their behaviours,
plus the iteration and the generator state (JSON inside the archive).
"""
from __future__ import annotations

import json
import numbers
from pathlib import Path
from typing import Any

import numpy as np

#: Attributes never copied (bookkeeping of the framework).
SKIP = frozenset({"initialized", "iteration", "seed", "key", "parent", "network", "used_attr_keys",
                  "init_kwargs", "tags", "max_length", "gapwidth", "chunk"})


def _objects(net) -> list[tuple[str, Any]]:
    """Stable names for every object whose state is saved."""
    out = [("net", net)]
    for i, g in enumerate(net.NeuronGroups):
        out.append((f"ng{i}", g))
    for i, s in enumerate(net.SynapseGroups):
        out.append((f"sg{i}", s))
    more = []
    for name, obj in out:
        for key, b in sorted(obj.behaviour.items(), key=lambda kv: kv[0]):
            more.append((f"{name}.b{key}", b))
    return out + more


def _state_items(obj) -> dict[str, Any]:
    items = {}
    for attr, value in vars(obj).items():
        if attr.startswith("_") or attr in SKIP:
            continue
        if isinstance(value, np.ndarray) and value.dtype != object:
            items[attr] = value
        elif isinstance(value, (bool, np.bool_, numbers.Real)) and not isinstance(value, np.ndarray):
            items[attr] = value
    return items


def snapshot(net) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Return ``(arrays, scalars)`` describing the state of ``net``."""
    arrays: dict[str, np.ndarray] = {}
    scalars: dict[str, Any] = {}
    for name, obj in _objects(net):
        for attr, value in _state_items(obj).items():
            if isinstance(value, np.ndarray):
                arrays[f"{name}/{attr}"] = value
            else:
                scalars[f"{name}/{attr}"] = value.item() if isinstance(value, np.generic) else value
    scalars["__iteration__"] = int(net.iteration)
    scalars["__rng__"] = net.rng.bit_generator.state
    return arrays, scalars


def restore(net, arrays: dict[str, np.ndarray], scalars: dict[str, Any]) -> None:
    """Write a snapshot back into ``net`` (same structure required)."""
    objects = dict(_objects(net))
    for path, value in list(arrays.items()) + [(k, v) for k, v in scalars.items() if not k.startswith("__")]:
        name, _, attr = path.rpartition("/")
        obj = objects.get(name)
        if obj is None:
            raise ValueError(f"load: the saved state has an object {name!r} that {net!r} lacks; "
                             f"was it saved from another network?")
        current = vars(obj).get(attr)
        if isinstance(value, np.ndarray) and isinstance(current, np.ndarray) and current.shape == value.shape \
                and current.dtype == value.dtype:
            current[...] = value  # keep references held elsewhere valid
        elif isinstance(value, np.ndarray):
            setattr(obj, attr, value.copy())
        else:
            setattr(obj, attr, type(current)(value) if isinstance(current, (bool, int, float)) else value)
    net.iteration = int(scalars["__iteration__"])
    net.rng.bit_generator.state = scalars["__rng__"]
    net._structure_changed(clear_tags=False)  # behaviour on/off switches may have changed


def _network_io():
    try:
        from ..storage import network_io
    except ImportError:
        return None
    if hasattr(network_io, "save_network") and hasattr(network_io, "load_network"):
        return network_io
    return None


def save_state(net, path: str | Path) -> Path:
    """Save the state of ``net`` to ``path`` (a file, ``.npz`` added when absent)."""
    path = Path(path)
    io = _network_io()
    if io is not None:
        io.save_network(net, path, overwrite=True)
        return path
    if path.suffix != ".npz":
        path = path.with_suffix(path.suffix + ".npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays, scalars = snapshot(net)
    payload = {f"a:{k}": v for k, v in arrays.items()}
    payload["__scalars__"] = np.frombuffer(json.dumps(scalars).encode(), dtype=np.uint8)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **payload)
    tmp.replace(path)
    return path


def load_state(net, path: str | Path) -> None:
    """Load a state saved by :func:`save_state` into ``net`` (in place)."""
    path = Path(path)
    io = _network_io()
    if io is not None:
        loaded = io.load_network(path)
        arrays, scalars = snapshot(loaded)
        restore(net, arrays, scalars)
        return
    if not path.exists() and Path(str(path) + ".npz").exists():
        path = Path(str(path) + ".npz")
    if not path.exists():
        raise FileNotFoundError(f"load_state: no saved network state at {path}")
    with np.load(path, allow_pickle=False) as data:
        scalars = json.loads(bytes(data["__scalars__"]).decode())
        arrays = {k[2:]: data[k] for k in data.files if k.startswith("a:")}
    restore(net, arrays, scalars)
