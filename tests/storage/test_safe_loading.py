"""Received saves never run code: malicious folders built as an attacker would.

Each test takes an ordinary save, edits it the way someone sending it could,
and checks that loading it untrusted runs nothing (a marker file the payload
would create stays absent, a module it would import stays unimported) and
fails with a clear error naming the file and what was refused.
"""
from __future__ import annotations

import json
import os
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

from monnto import (
    Behaviour,
    Clock,
    Equation,
    LoadError,
    MonntoError,
    Network,
    NeuronGroup,
    Recorder,
    Reset,
    SynapseGroup,
    Threshold,
    UnsafeLoadError,
)
from monnto.storage import StorageManager, StorageManagerGroup, load_policy
from monnto.storage.network_io import MANIFEST, load_network, recover_interrupted_save, save_network


class Leaky(Behaviour):
    """A user's behaviour (module level, so it saves by name)."""

    def set_variables(self, n):
        self.decay = self.parameter("decay", 0.9)
        n.u = n.get_neuron_vec("uniform(0,1)")

    def new_iteration(self, n):
        n.u = n.u * self.decay + 0.05 * n.get_neuron_vec("uniform(0,1)")


class Mkdir:
    """A pickle payload: unpickling it creates a folder (stands for any code)."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return os.makedirs, (self.path, 0o777, True)


def equation_network(seed=3, user=False):
    net = Network(tag="n", seed=seed)
    behaviours = {0: Clock(step="0.1*ms"), 1: Equation("dv/dt = (0.02*volt - v)/(10*ms) : volt"),
                  2: Threshold("v > 0.01*volt"), 3: Reset("v = 0*volt"),
                  9: Recorder(["np.mean(n.v)", "n.v"], tag="rec")}
    if user:
        behaviours[4] = Leaky(decay=0.8)
    NeuronGroup(net=net, tag="exc", size=12, behaviour=behaviours)
    SynapseGroup(net=net, src="exc", dst="exc", tag="ee")
    net.initialize()
    net.simulate_iterations(25)
    return net


@pytest.fixture
def saved(tmp_path):
    """A saved equation network and a helper that edits its manifest."""
    folder = save_network(equation_network(), tmp_path / "save")

    def edit(change):
        manifest = json.loads((folder / MANIFEST).read_text())
        change(manifest)
        (folder / MANIFEST).write_text(json.dumps(manifest))
        return folder

    return folder, edit


def behaviour_entry(manifest, key, group=0):
    return next(b for b in manifest["neuron_groups"][group]["behaviours"] if b["key"] == key)


def test_code_stored_in_the_manifest_never_runs_even_trusted(saved, tmp_path):
    folder, edit = saved
    marker = tmp_path / "owned"
    payload = f"import os\nos.mkdir({str(marker)!r})\ndef step(parent):\n    os.mkdir({str(marker)!r})\n"

    def inject(m):
        for key in (1, 2, 3):
            behaviour_entry(m, key)["state"]["code"] = payload
            behaviour_entry(m, key)["state"]["source"] = payload

    edit(inject)
    reference = equation_network()
    reference.simulate_iterations(10)
    for trusted in (False, True):
        net = load_network(folder, trusted=trusted)
        net.simulate_iterations(10)
        assert not marker.exists()
        np.testing.assert_array_equal(net["exc", 0].v, reference["exc", 0].v)
        np.testing.assert_array_equal(net["exc", 0].spike, reference["exc", 0].spike)


def test_a_pickle_is_refused_unless_trusted(saved, tmp_path):
    folder, edit = saved
    marker = tmp_path / "owned"
    (folder / "objects").mkdir()
    (folder / "objects" / "9.pkl").write_bytes(pickle.dumps(Mkdir(marker)))

    def inject(m):
        m["neuron_groups"][0]["state"]["extra"] = {"$pickle": "objects/9.pkl"}
        m["pickled"] = [{"file": "objects/9.pkl", "where": "x", "type": "Mkdir"}]

    edit(inject)
    with pytest.raises(UnsafeLoadError) as info:
        load_network(folder)
    message = str(info.value)
    assert str(folder) in message and "NeuronGroup 'exc'" in message and ".extra" in message
    assert "'objects/9.pkl'" in message and "trusted=True" in message and "sharing" in message
    assert not marker.exists()
    load_network(folder, trusted=True)  # the payload is real: trusting it runs it
    assert marker.is_dir()


def test_a_pickle_inside_an_npy_file_is_refused(saved, tmp_path):
    folder, edit = saved
    marker = tmp_path / "owned"
    manifest = json.loads((folder / MANIFEST).read_text())
    rel = manifest["neuron_groups"][0]["state"]["v"]["$array"]
    np.save(folder / rel, np.array([Mkdir(marker)] * 12, dtype=object), allow_pickle=True)
    with pytest.raises(LoadError, match=rf"{rel}.*holds object values; expected numbers or booleans"):
        load_network(folder)
    with pytest.raises(LoadError, match=rf"{rel}.*holds object values"):
        load_network(folder, trusted=True)  # arrays never unpickle
    assert not marker.exists()


@pytest.fixture
def evil_module(tmp_path, monkeypatch):
    """A module on sys.path that creates a marker when imported."""
    marker = tmp_path / "imported"
    code = (f"import os\nos.mkdir({str(marker)!r})\n"
            "class Thing:\n    pass\n"
            "def func(*a):\n    return 0\n")
    (tmp_path / "mods").mkdir()
    (tmp_path / "mods" / "evil_mod.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path / "mods"))
    monkeypatch.delitem(sys.modules, "evil_mod", raising=False)
    return marker


@pytest.mark.parametrize("place", ["behaviour class", "group class", "network class", "object class",
                                   "global", "module", "rng"])
def test_a_foreign_module_is_never_imported(saved, evil_module, place):
    folder, edit = saved

    def inject(m):
        if place == "behaviour class":
            behaviour_entry(m, 1)["class"] = "evil_mod:Thing"
        elif place == "group class":
            m["neuron_groups"][0]["class"] = "evil_mod:Thing"
        elif place == "network class":
            m["network"]["class"] = "evil_mod:Thing"
        elif place == "object class":
            m["objects"]["99"] = {"class": "evil_mod:Thing", "state": {}}
        elif place == "global":
            m["neuron_groups"][0]["state"]["f"] = {"$global": "evil_mod:func"}
        elif place == "module":
            m["neuron_groups"][0]["state"]["mod"] = {"$module": "evil_mod"}
        else:
            m["neuron_groups"][0]["state"]["gen"] = {"$rng": "evil_mod", "state": {}}

    edit(inject)
    with pytest.raises(UnsafeLoadError) as info:
        load_network(folder)
    assert "evil_mod" in str(info.value) and str(folder) in str(info.value)
    assert not evil_module.exists() and "evil_mod" not in sys.modules


def test_already_imported_is_not_an_allowlist(saved, evil_module):
    folder, edit = saved
    import evil_mod  # noqa: F401  (somewhere in the process)

    evil_module.rmdir()
    edit(lambda m: m["neuron_groups"][0]["state"].update(f={"$global": "evil_mod:func"}))
    with pytest.raises(UnsafeLoadError, match=r"'evil_mod:func'.*refused"):
        load_network(folder)


@pytest.mark.parametrize("value", [
    {"$global": "os:system"}, {"$global": "builtins:eval"}, {"$global": "builtins:__import__"},
    {"$global": "builtins:getattr"}, {"$global": "numpy:load"}, {"$global": "numpy:frompyfunc"},
    {"$global": "subprocess:Popen"}, {"$global": "monnto.storage.storage_manager:pickle"},
    {"$global": "monnto.storage.network_codec:pickle.loads"}, {"$global": "monnto.core.network:np"},
    {"$global": "monnto.storage.network_io:os.system"}, {"$global": "numpy:__builtins__"},
    {"$module": "os"}, {"$module": "pickle"}, {"$module": "subprocess"},
    {"$rng": "RandomState", "state": {}}, {"$rng": "default_rng", "state": {}},
    {"$rng": "__class__", "state": {}},
])
def test_dangerous_names_are_refused(saved, value):
    folder, edit = saved
    edit(lambda m: m["neuron_groups"][0]["state"].update(payload=value))
    with pytest.raises(UnsafeLoadError) as info:
        load_network(folder)
    message = str(info.value)
    assert "payload" in message and str(folder) in message
    assert str(next(iter(value.values()))) in message


def test_bit_generators_are_numpys_own(saved):
    folder, edit = saved
    edit(lambda m: m["neuron_groups"][0]["state"].update(
        gen={"$rng": "MT19937", "state": {"$dict": {"bit_generator": "MT19937"}}}))
    with pytest.raises(LoadError, match=r"gen.*invalid state of the MT19937 random generator"):
        load_network(folder)


@pytest.mark.parametrize("rel", ["../outside.npy", "/tmp/../tmp/outside.npy", "arrays/../../outside.npy",
                                 "link.npy"])
def test_files_outside_the_save_are_never_read(saved, tmp_path, rel):
    folder, edit = saved
    outside = tmp_path / "outside.npy"
    np.save(outside, np.zeros(12))
    if rel.startswith("/tmp"):
        rel = str(outside)
    if rel == "link.npy":
        (folder / "link.npy").symlink_to(outside)
    edit(lambda m: m["neuron_groups"][0]["state"].update(
        v={"$array": rel, "shape": [12], "dtype": "<f8"}))
    with pytest.raises(LoadError, match=r"NeuronGroup 'exc'.*\.v.*outside its folder.*refusing to read it"):
        load_network(folder)


def saved_streaming_network(run, folder, size, steps):
    """Save a network whose Recorder streams ``n.u`` into ``run``; returns the save folder."""
    net = Network(seed=2)
    NeuronGroup(net=net, tag="g", size=size, behaviour={
        1: Leaky(), 9: Recorder(["n.u"], tag="rec", storage_manager=run, chunk=8)})
    net.initialize()
    net.simulate_iterations(steps)
    return save_network(net, folder)


def test_a_stream_elsewhere_is_never_opened(project, tmp_path):
    other = StorageManager("victim")
    victim = other.open_stream("precious", (3,), np.float64)
    victim.append(np.ones((5, 3)))
    victim.flush()
    before = {p: p.read_bytes() for p in other.path.rglob("*") if p.is_file()}

    run = StorageManager("sender")
    folder = saved_streaming_network(run, tmp_path / "streamed", size=3, steps=20)
    manifest = json.loads((folder / MANIFEST).read_text())
    text = json.dumps(manifest)
    assert '"$stream"' in text
    # point every stream at the victim's run and stream
    text = text.replace(json.dumps(str(run.path)), json.dumps(str(other.path)))
    text = text.replace('"name": "g.rec.n.u"', '"name": "precious"')
    (folder / MANIFEST).write_text(text)
    with pytest.raises(LoadError, match="pass storage_manager="):
        load_network(folder, classes=[Leaky])
    # the stream continues in the receiver's own run, from the copy inside the save
    mine = StorageManager("receiver")
    loaded = load_network(folder, storage_manager=mine, classes=[Leaky])
    loaded.simulate_iterations(5)
    loaded["rec", 0].flush()
    assert mine.list_streams() == ["precious"] and len(mine.load_stream("precious")) == 25
    after = {p: p.read_bytes() for p in other.path.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.parametrize("key", ["new_iteration", "set_variables", "parameter", "get_neuron_vec"])
def test_state_cannot_replace_a_method(saved, key):
    folder, edit = saved

    def inject(m):
        target = behaviour_entry(m, 9) if key in ("new_iteration", "set_variables", "parameter") \
            else m["neuron_groups"][0]
        target["state"][key] = {"$global": "numpy:exp"}

    edit(inject)
    with pytest.raises(UnsafeLoadError, match=rf"\.{key} needs an attribute that would replace the method"):
        load_network(folder)


@pytest.mark.parametrize("key", ["__class__", "__dict__", "__reduce__", "1x", "a-b"])
def test_state_keys_must_be_plain_names(saved, key):
    folder, edit = saved
    edit(lambda m: m["neuron_groups"][0]["state"].update({key: 1}))
    with pytest.raises(LoadError, match=r"manifest.json.*neuron_groups\[0\]\.state key must be an attribute name"):
        load_network(folder)


def test_arrays_must_match_the_manifest(saved):
    folder, _ = saved
    manifest = json.loads((folder / MANIFEST).read_text())
    rel = manifest["neuron_groups"][0]["state"]["v"]["$array"]
    np.save(folder / rel, np.zeros(13))
    with pytest.raises(LoadError, match=rf"{rel} has shape \(13,\), the manifest expects \(12,\)"):
        load_network(folder)
    np.save(folder / rel, np.zeros(12, dtype=np.float32))
    with pytest.raises(LoadError, match=rf"{rel} holds float32, the manifest expects float64"):
        load_network(folder)
    (folder / rel).write_bytes(b"not an array")
    with pytest.raises(LoadError, match=rf"{rel} is not a readable .npy array"):
        load_network(folder)
    (folder / rel).unlink()
    with pytest.raises(LoadError, match=rf"the save is incomplete: {rel} is missing"):
        load_network(folder)


@pytest.mark.parametrize("change, expected", [
    (lambda m: m["neuron_groups"][0].update(size="ten"), r"neuron_groups\[0\]\.size must be"),
    (lambda m: m["neuron_groups"][0].update(size=-4), r"neuron_groups\[0\]\.size must be"),
    (lambda m: m.pop("network"), r"lacks the field 'network'"),
    (lambda m: m.update(neuron_groups={}), r"neuron_groups must be a JSON list"),
    (lambda m: behaviour_entry(m, 1).update(key=[1]), r"neuron_groups\[0\]\.behaviours\[1\]\.key"),
    (lambda m: m["neuron_groups"][0]["state"].update(v={"$array": 5}), r"\$array must name a file"),
    (lambda m: m["neuron_groups"][0]["state"].update(v={"$nonsense": 1}), r"unknown value form '\$nonsense'"),
    (lambda m: m["neuron_groups"][0]["state"].update(v={"$fraction": [1, 0]}), r"\.v: malformed value"),
    (lambda m: m["neuron_groups"][0]["state"].update(v={"$dtype": "O"}), r"dtype must be numeric or bool"),
    (lambda m: m["neuron_groups"][0]["state"].update(v={"$scalar": "<f8", "hex": "00"}), r"needs 8 bytes"),
    (lambda m: m["neuron_groups"][0]["state"].update(v={"$ref": ["ng", 7]}), r"\.v"),
])
def test_malformed_manifests_fail_naming_the_field(saved, change, expected):
    folder, edit = saved
    edit(change)
    with pytest.raises(LoadError, match=expected) as info:
        load_network(folder)
    assert str(folder) in str(info.value)


def test_broken_json_is_a_load_error(saved):
    folder, _ = saved
    (folder / MANIFEST).write_text('{"format": "monnto-network", ')
    with pytest.raises(LoadError, match="is not valid JSON"):
        load_network(folder)
    (folder / MANIFEST).write_text('{"format": "monnto-network", "format_version": 2, "x": '
                                   + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(LoadError, match="nested too deeply"):
        load_network(folder)


@pytest.mark.parametrize("expression", [
    "__import__('os').mkdir(MARKER)", "n.v.__class__", "np.load(MARKER)", "open(MARKER, 'w')",
    "[x for x in n.v]", "(lambda: 0)()", "n.get_neuron_vec('uniform(0,1)')", "np.lib.format.open_memmap(MARKER)",
    "9**9**9", "n.v" + " + n.v" * 400,
])
def test_recorded_expressions_from_a_file_are_restricted(saved, tmp_path, expression):
    folder, edit = saved
    marker = tmp_path / "owned"
    expression = expression.replace("MARKER", repr(str(marker)))
    edit(lambda m: behaviour_entry(m, 9)["recorder"].update(functions=["np.mean(n.v)", expression]))
    with pytest.raises(MonntoError) as info:
        net = load_network(folder)
        net.simulate_iterations(2)
    message = str(info.value)
    assert "Recorder 'rec'" in message and "read from a file is refused" in message and "trusted=True" in message
    assert not marker.exists()


def test_ordinary_recorded_expressions_load_untrusted(tmp_path):
    ok = ["np.mean(n.v)", "n.v.max() - np.min(n.v)", "np.sum(n.spike)", "n.v[0:3] * 2",
          "np.mean(n.v > 0.01)", "np.std(n.v, ddof=1)", "np.percentile(n.v, q=90)", "v.sum()"]
    net = equation_network()
    net["exc", 0].add_behaviour(10, Recorder(ok, tag="ok"))
    net.simulate_iterations(5)
    folder = save_network(net, tmp_path / "ok")
    loaded = load_network(folder)
    for n in (net, loaded):
        n.simulate_iterations(5)
    for expression in ok:
        np.testing.assert_array_equal(np.asarray(loaded[expression, 0]), np.asarray(net[expression, 0]))
    assert len(loaded["np.std(n.v, ddof=1)", 0]) == 10


def test_user_classes_load_when_passed_or_registered(tmp_path, monkeypatch):
    net = equation_network(user=True)
    folder = save_network(net, tmp_path / "user")
    net.simulate_iterations(10)
    with pytest.raises(UnsafeLoadError) as info:
        load_network(folder)
    message = str(info.value)
    assert f"{Leaky.__module__}:Leaky" in message and "classes=[Leaky]" in message
    assert "register_loadable(Leaky)" in message
    loaded = load_network(folder, classes=[Leaky])
    loaded.simulate_iterations(10)
    np.testing.assert_array_equal(loaded["exc", 0].u, net["exc", 0].u)
    # saved from a script (__main__), loaded where the class is imported from a module
    manifest = json.loads((folder / MANIFEST).read_text())
    behaviour_entry(manifest, 4)["class"] = "__main__:Leaky"
    (folder / MANIFEST).write_text(json.dumps(manifest))
    assert isinstance(load_network(folder, classes=[Leaky])["exc", 0].behaviour[4], Leaky)
    monkeypatch.setattr(load_policy, "_REGISTERED", {})
    from monnto import register_loadable

    assert register_loadable(Leaky) is Leaky
    assert isinstance(load_network(folder)["exc", 0].behaviour[4], Leaky)
    with pytest.raises(TypeError, match="register_loadable: expected a class or a function, got 3"):
        register_loadable(3)
    with pytest.raises(TypeError, match="classes must hold classes or functions"):
        load_network(folder, classes=["Leaky"])


def test_an_old_format_save_asks_for_trusted(saved):
    folder, edit = saved
    edit(lambda m: m.update(format_version=1))
    with pytest.raises(UnsafeLoadError, match=r"format version 1 .*pickles.*trusted=True and save it again"):
        load_network(folder)
    assert load_network(folder, trusted=True).iteration == 25


def test_trusted_must_be_a_bool(saved):
    folder, _ = saved
    with pytest.raises(TypeError, match="trusted must be True or False, got 'yes'"):
        load_network(folder, trusted="yes")


def test_run_folder_objects_need_trusted(project, tmp_path):
    marker = tmp_path / "owned"
    for seed in (1, 2):
        sm = StorageManager("objs", folder_name=f"run{seed}")
        sm.save_param("seed", seed)
        sm.save_obj("payload", Mkdir(marker) if seed == 1 else {"ok": seed})
    group = StorageManagerGroup("objs")
    with pytest.raises(UnsafeLoadError, match=r"load_obj\('payload', trusted=True\)"):
        group.get_obj_list("payload")
    with pytest.raises(UnsafeLoadError, match=r"load\('payload', trusted=True\)"):
        StorageManager.open(group.runs[0].path).load("payload")
    assert not marker.exists()
    group.get_obj_list("payload", trusted=True)
    assert marker.is_dir()


def test_run_folder_streams_with_unknown_codecs_are_refused(project):
    sm = StorageManager("codecs")
    stream = sm.open_stream("x", (2,), np.float32)
    stream.append(np.ones((4, 2), np.float32))
    stream.flush()
    meta_file = next(sm.path.rglob("zarr.json"), None)
    metas = [p for p in sm.path.rglob("zarr.json") if json.loads(p.read_text()).get("node_type") == "array"]
    assert meta_file is not None and len(metas) == 1
    meta = json.loads(metas[0].read_text())
    meta["data_type"] = "string"
    metas[0].write_text(json.dumps(meta))
    with pytest.raises((ValueError, MonntoError)):
        np.asarray(sm.load_stream("x"))


# ---------------------------------------------------------------- interrupted saves


def _leftover(path: Path, kind: str, pid: int) -> Path:
    return path.with_name(f".{path.name}.{kind}-{pid}-deadbeef")


def _dead_pid() -> int:
    pid = 999_999
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


@pytest.mark.parametrize("moment", ["while writing", "after moving the old save aside",
                                    "before removing the old save"])
def test_an_interrupted_overwrite_is_recovered(tmp_path, moment):
    """A kill at each point of save(overwrite=True), made by hand: the next load finds a save."""
    old_net, new_net = equation_network(seed=1), equation_network(seed=2)
    path = tmp_path / "net"
    save_network(old_net, path)
    pid = _dead_pid()
    partial = _leftover(path, "partial", pid)
    old = _leftover(path, "old", pid)
    save_network(new_net, tmp_path / "scratch")
    if moment == "while writing":            # the new save is half-written, the old one in place
        (tmp_path / "scratch").rename(partial)
        (partial / MANIFEST).unlink()
        expected = old_net
    elif moment == "after moving the old save aside":   # no save at 'path'
        path.rename(old)
        (tmp_path / "scratch").rename(partial)
        expected = new_net
    else:                                     # the new save is in place, the old one not yet removed
        path.rename(old)
        (tmp_path / "scratch").rename(path)
        expected = new_net
    loaded = load_network(path)
    np.testing.assert_array_equal(loaded["exc", 0].v, expected["exc", 0].v)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net"]


def test_an_interrupted_save_with_no_new_copy_falls_back_to_the_old_one(tmp_path):
    net = equation_network(seed=1)
    path = save_network(net, tmp_path / "net")
    pid = _dead_pid()
    path.rename(_leftover(path, "old", pid))
    partial = _leftover(path, "partial", pid)
    partial.mkdir()                              # killed before the new manifest was written
    assert recover_interrupted_save(path) == path
    np.testing.assert_array_equal(load_network(path)["exc", 0].v, net["exc", 0].v)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net"]


def test_a_failing_rename_leaves_the_old_save_loadable(tmp_path, monkeypatch):
    old_net = equation_network(seed=1)
    path = save_network(old_net, tmp_path / "net")
    calls = []
    real_rename = os.rename

    def failing(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            raise OSError("disk went away")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", failing)
    with pytest.raises(OSError, match="disk went away"):
        save_network(equation_network(seed=2), path, overwrite=True)
    monkeypatch.setattr(os, "rename", real_rename)
    np.testing.assert_array_equal(load_network(path)["exc", 0].v, old_net["exc", 0].v)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net"]


def test_a_live_writers_folder_is_left_alone(tmp_path):
    path = save_network(equation_network(), tmp_path / "net")
    busy = _leftover(path, "partial", os.getppid())
    busy.mkdir()
    recover_interrupted_save(path)
    assert busy.is_dir()


def test_a_damaged_stream_copy_fails_before_writing_into_the_receivers_run(project, tmp_path):
    folder = saved_streaming_network(StorageManager("sender"), tmp_path / "streamed", size=40, steps=30)
    chunks = [p for p in (folder / "streams.zarr").rglob("*") if p.is_file() and p.name != "zarr.json"]
    assert chunks
    chunks[0].write_bytes(b"garbage")
    receiver = StorageManager("receiver")
    with pytest.raises(LoadError, match=r"copy of the stream 'g.rec.n.u' \(streams.zarr/g.rec.n.u\) cannot be read"):
        load_network(folder, storage_manager=receiver, classes=[Leaky])
    assert receiver.list_streams() == []
