"""The equation cache (issue 17): a model seen before initializes without sympy, from data only."""
import json
import os
import subprocess
import sys
import textwrap
import warnings

import pytest

from monnto import Network, NeuronGroup
from monnto.behaviours.equations import Clock, Equation, Refractory, Reset, Threshold, Variable

pytestmark = [pytest.mark.numpy_only, pytest.mark.numpy_target]

_SCRIPT = textwrap.dedent("""
    import json, sys, time
    t0 = time.perf_counter()
    import monnto
    from monnto import Network, NeuronGroup, SynapseGroup
    from monnto.behaviours.equations import Clock, Equation, OnPre, Refractory, Reset, Threshold, Variable
    t1 = time.perf_counter()
    net = Network(seed=1, behaviour={1: Clock(step='0.1*ms')})
    g = NeuronGroup(net=net, size=100, behaviour={
        2: Variable(eq='El=-65*mV; v=normal(-65, 2)*mV; tau=10*ms; I=1.8*nA; R=10*Mohm'),
        3: Refractory('2*ms'),
        4: Equation(eq='dv/dt = (El - v + R*I)/tau + 1*mV*sqrt(2/tau)*xi : volt (unless refractory)',
                    namespace={'gain': '2*mV'}),
        5: Threshold('v > -50*mV'),
        7: Reset('v = El'),
    })
    SynapseGroup(net=net, src=g, dst=g, behaviour={6: OnPre('v += w', w='0.2*mV', p=0.1)})
    net.initialize()
    t2 = time.perf_counter()
    net.simulate_iterations('10*ms', progress=False)
    print(json.dumps({"import": t1 - t0, "initialize": t2 - t1, "sympy": "sympy" in sys.modules,
                      "v": float(g.v.sum())}))
""")


def _run(cache: str) -> dict:
    env = dict(os.environ, XDG_CACHE_HOME=cache)
    env.pop("MONNTO_EQUATION_CACHE", None)
    out = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_warm_cache_initializes_without_importing_sympy(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    cold = _run(str(cache))
    warm = _run(str(cache))
    assert cold["sympy"] is True  # the first process compiled the equations
    assert warm["sympy"] is False, "a warm cache must not import sympy"
    assert warm["v"] == cold["v"]  # the same network, step for step
    entries = list((cache / "monnto" / "equations").glob("*.json"))
    assert entries and all(json.loads(p.read_text())["format"] == 1 for p in entries)
    # generous: the machine may be busy; the figure is reported in benchmarks/RESULTS.md
    assert warm["initialize"] < max(2.0, cold["initialize"])


def _network():
    net = Network(seed=1, behaviour={1: Clock(step="0.1*ms")})
    g = NeuronGroup(net=net, size=5, behaviour={
        2: Variable(eq="v=0*mV; tau=10*ms"), 3: Refractory("1*ms"),
        4: Equation(eq="dv/dt = (20*mV - v)/tau : volt"), 5: Threshold("v > 10*mV"), 7: Reset("v = 0*mV")})
    net.initialize()
    return net, g


def test_an_entry_that_does_not_check_is_ignored_and_never_run(tmp_path, monkeypatch):
    from monnto.behaviours.equations import eqcache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(eqcache, "_MEMORY", {})
    _network()
    folder = tmp_path / "monnto" / "equations"
    entry = next(p for p in folder.glob("equation-*.json"))
    stored = json.loads(entry.read_text())
    marker = tmp_path / "ran"
    stored["value"]["lets"][0][1] = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    entry.write_text(json.dumps(stored))
    monkeypatch.setattr(eqcache, "_MEMORY", {})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net, g = _network()
    assert any("does not check" in str(w.message) for w in caught)
    assert not marker.exists()
    net.simulate_iterations(20, progress=False)
    assert 0 < g.v.max() < 0.02
    assert "__import__" not in entry.read_text()  # compiled again and rewritten


def test_the_key_holds_everything_that_shapes_the_program(tmp_path, monkeypatch):
    from monnto.behaviours.equations import eqcache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(eqcache, "_MEMORY", {})
    codes = set()
    for step, ns in (("0.1*ms", "10*ms"), ("0.2*ms", "10*ms"), ("0.1*ms", "20*ms")):
        net = Network(seed=1, behaviour={1: Clock(step=step)})
        g = NeuronGroup(net=net, size=3, behaviour={2: Variable(eq="v=1"),
                                                    4: Equation(eq="dv/dt = -v/tau", namespace={"tau": ns})})
        net.initialize()
        codes.add(g["Equation", 0].code)
    assert len(codes) == 3
    assert len(list((tmp_path / "monnto" / "equations").glob("equation-*.json"))) == 3


def test_the_cache_can_be_switched_off(tmp_path, monkeypatch):
    from monnto.behaviours.equations import eqcache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("MONNTO_EQUATION_CACHE", "0")
    monkeypatch.setattr(eqcache, "_MEMORY", {})
    _network()
    assert not (tmp_path / "monnto" / "equations").exists() or not any((tmp_path / "monnto" / "equations").iterdir())


@pytest.mark.parametrize("damage", ["name", "shape", "json"])
def test_damaged_entries_of_any_kind_are_compiled_again(tmp_path, monkeypatch, damage):
    from monnto.behaviours.equations import eqcache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(eqcache, "_MEMORY", {})
    net, g = _network()
    net.simulate_iterations(20, progress=False)
    expected = g.v.copy()
    for entry in (tmp_path / "monnto" / "equations").glob("*.json"):
        stored = json.loads(entry.read_text())
        if damage == "json":
            entry.write_text(entry.read_text()[:-5])
            continue
        value = stored["value"]
        if damage == "name" and isinstance(value, dict) and "ensure_states" in value:
            value["ensure_states"] = ["__class__"]
        elif damage == "shape":
            stored["value"] = [value] if isinstance(value, dict) else {"x": value}
        entry.write_text(json.dumps(stored))
    monkeypatch.setattr(eqcache, "_MEMORY", {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        net, g = _network()
    net.simulate_iterations(20, progress=False)
    assert type(g).__name__ == "NeuronGroup"
    assert (g.v == expected).all()
