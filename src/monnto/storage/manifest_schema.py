"""The shape a saved network's ``manifest.json`` must have, checked before anything is built.

A manifest comes from a file someone sent: every field :func:`load_network`
reads is checked here first, so a damaged or hand-made manifest fails with
a :class:`~monnto.core.errors.LoadError` that names the file, the field
(``neuron_groups[0].behaviours[2].key``) and what was expected, never with
a ``KeyError`` deep inside the loader or a half-built network.
"""
from __future__ import annotations

import math
from typing import Any

from ..core.errors import LoadError, short_repr

__all__ = ["validate_manifest"]


class _Checker:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, where: str, expected: str, value: Any) -> LoadError:
        return LoadError(f"load_network: {self.file!r}: {where} must be {expected}, got {short_repr(value)}")

    def dict(self, value: Any, where: str, required: tuple[str, ...] = ()) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, "a JSON object", value)
        for key in required:
            if key not in value:
                raise LoadError(f"load_network: {self.file!r}: {where} lacks the field {key!r}")
        return value

    def list(self, value: Any, where: str) -> list:
        if not isinstance(value, list):
            raise self.fail(where, "a JSON list", value)
        return value

    def string(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, "a string", value)
        return value

    def strings(self, value: Any, where: str) -> list:
        for i, item in enumerate(self.list(value, where)):
            self.string(item, f"{where}[{i}]")
        return value

    def count(self, value: Any, where: str, low: int = 0) -> int:
        if type(value) is not int or value < low:
            raise self.fail(where, f"an integer >= {low}", value)
        return value

    def state(self, value: Any, where: str) -> None:
        for key in self.dict(value, where):
            if not key.isidentifier() or key.startswith("__"):
                raise self.fail(f"{where} key", "an attribute name (an identifier not starting with '__')",
                                key)

    def behaviours(self, value: Any, where: str) -> None:
        keys = set()
        for i, entry in enumerate(self.list(value, where)):
            here = f"{where}[{i}]"
            self.dict(entry, here, ("key", "class", "tags", "state"))
            key = entry["key"]
            if type(key) not in (int, float) or not math.isfinite(key):
                raise self.fail(f"{here}.key", "a finite number", key)
            if key in keys:
                raise self.fail(f"{here}.key", "unique within its owner", key)
            keys.add(key)
            self.string(entry["class"], f"{here}.class")
            self.strings(entry["tags"], f"{here}.tags")
            self.state(entry["state"], f"{here}.state")
            if "recorder" in entry:
                rec = self.dict(entry["recorder"], f"{here}.recorder", ("functions", "pending"))
                self.strings(rec["functions"], f"{here}.recorder.functions")
                self.strings(rec["pending"], f"{here}.recorder.pending")
            if "reinitialize" in entry:
                self.strings(entry["reinitialize"], f"{here}.reinitialize")

    def owner(self, value: Any, where: str, required: tuple[str, ...]) -> dict:
        entry = self.dict(value, where, ("class", "tags", "state", "behaviours", *required))
        self.string(entry["class"], f"{where}.class")
        self.strings(entry["tags"], f"{where}.tags")
        self.state(entry["state"], f"{where}.state")
        self.behaviours(entry["behaviours"], f"{where}.behaviours")
        return entry


def validate_manifest(manifest: dict[str, Any], file: str) -> None:
    """Check every field the loader reads; raise :class:`LoadError` naming the first bad one."""
    c = _Checker(file)
    c.dict(manifest, "the manifest", ("network", "neuron_groups", "synapse_groups", "objects"))
    if "iteration" in manifest:
        c.count(manifest["iteration"], "iteration")
    net = c.owner(manifest["network"], "network", ("rng",))
    rng = c.dict(net["rng"], "network.rng", ("bit_generator", "state"))
    c.string(rng["bit_generator"], "network.rng.bit_generator")
    groups = c.list(manifest["neuron_groups"], "neuron_groups")
    for i, g in enumerate(groups):
        entry = c.owner(g, f"neuron_groups[{i}]", ("size",))
        c.count(entry["size"], f"neuron_groups[{i}].size", low=1)
        if not entry["tags"]:
            raise c.fail(f"neuron_groups[{i}].tags", "a non-empty list of tags", entry["tags"])
    for i, s in enumerate(c.list(manifest["synapse_groups"], "synapse_groups")):
        entry = c.owner(s, f"synapse_groups[{i}]", ("src", "dst", "user_tags"))
        c.strings(entry["user_tags"], f"synapse_groups[{i}].user_tags")
        for end in ("src", "dst"):
            info = c.dict(entry[end], f"synapse_groups[{i}].{end}", ("group",))
            index = info["group"]
            if type(index) is not int or not 0 <= index < len(groups):
                raise c.fail(f"synapse_groups[{i}].{end}.group",
                             f"the index of a saved NeuronGroup (0 to {len(groups) - 1})", index)
    for obj_id, entry in c.dict(manifest["objects"], "objects").items():
        c.dict(entry, f"objects[{obj_id!r}]", ("class", "state"))
        c.string(entry["class"], f"objects[{obj_id!r}].class")
        c.state(entry["state"], f"objects[{obj_id!r}].state")
    pickled = manifest.get("pickled", [])
    for i, entry in enumerate(c.list(pickled, "pickled")):
        c.dict(entry, f"pickled[{i}]", ("file",))
