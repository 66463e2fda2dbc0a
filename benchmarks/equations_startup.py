"""Equation models: start-up with a cold and a warm equation cache, and numpy vs numba run time.

Each start-up is measured in a fresh process (``python -c``) with its own
private cache folder: the first process compiles (sympy), the next ones read
the equation cache (no sympy). Then the Vogels-Abbott CUBA network of
``examples/equations_cuba.py`` (4000 neurons, CSR weights, written with
Equation/Threshold/Reset/Refractory/OnPre) runs on the numpy and the numba
target in this process.

Usage: ``python benchmarks/equations_startup.py [--repeat 3] [--seconds 0.5]``
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_START = """
import json, sys, time
t0 = time.perf_counter()
from monnto import Network, NeuronGroup, SynapseGroup
from monnto.behaviours.equations import Clock, Equation, OnPre, Refractory, Reset, Threshold, Variable
t1 = time.perf_counter()
net = Network(seed=1, target=TARGET, behaviour={1: Clock(step='0.1*ms')})
g = NeuronGroup(net=net, size=1000, behaviour={
    2: Variable(eq='El=-65*mV; v=normal(-65, 2)*mV; tau=10*ms; I=1.8*nA; R=10*Mohm'),
    3: Refractory('2*ms'),
    4: Equation(eq='dv/dt = (El - v + R*I)/tau + 1*mV*sqrt(2/tau)*xi : volt (unless refractory)'),
    5: Threshold('v > -50*mV'),
    7: Reset('v = El'),
})
SynapseGroup(net=net, src=g, dst=g, behaviour={6: OnPre('v += w', w='0.2*mV', p=0.1, sparse=True)})
net.initialize()
net.simulate_iteration()
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "initialize": t2 - t1, "sympy": "sympy" in sys.modules}))
"""


def start_up(target: str, repeat: int) -> list[dict]:
    """Fresh processes sharing one new private cache: the first cold, the others warm."""
    out = []
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o700)
        env = dict(os.environ, XDG_CACHE_HOME=folder)
        for _ in range(repeat + 1):
            run = subprocess.run([sys.executable, "-c", _START.replace("TARGET", repr(target))], env=env,
                                 capture_output=True, text=True, check=True)
            out.append(json.loads(run.stdout.strip().splitlines()[-1]))
    return out


def cuba(seconds: float) -> None:
    import monnto.core.network as network_module

    path = Path(__file__).resolve().parents[1] / "examples" / "equations_cuba.py"
    spec = importlib.util.spec_from_file_location("equations_cuba", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    steps = int(round(seconds / example.DT))
    spikes = {}
    for target in ("numpy", "numba"):
        network_module.DEFAULT_TARGET = target
        t0 = time.perf_counter()
        net = example.build(1, sparse=True)
        net.simulate_iterations(1, progress=False)
        t1 = time.perf_counter()
        net.simulate_iterations(steps, progress=False)
        t2 = time.perf_counter()
        spikes[target] = example.spikes(net)
        print(f"CUBA (equations, CSR), {target:5s}: build + first step {t1 - t0:6.2f} s, "
              f"{(t2 - t1) / seconds:6.2f} s per simulated s, {len(spikes[target][0])} spikes")
    same = all((a == b).all() for a, b in zip(spikes["numpy"], spikes["numba"]))
    print(f"identical spike trains on both targets: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm start-ups per target (default: 3)")
    parser.add_argument("--seconds", type=float, default=0.5, help="CUBA simulated seconds (default: 0.5)")
    args = parser.parse_args()
    for target in ("numpy", "numba"):
        runs = start_up(target, args.repeat)
        cold, warm = runs[0], runs[1:]
        best = min(r["initialize"] for r in warm)
        print(f"{target:5s}: import {cold['import']:.2f} s; initialize + first step: cold {cold['initialize']:.2f} s "
              f"(sympy {cold['sympy']}), warm {best:.3f} s (best of {len(warm)}; sympy "
              f"{any(r['sympy'] for r in warm)})")
    cuba(args.seconds)


if __name__ == "__main__":
    main()
