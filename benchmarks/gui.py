"""Network_UI frame rate with a 10,000-neuron network, offscreen.

Each frame simulates one iteration of the basic network (paper code block 2,
100 x 100 NeuronDimension) with sparse recurrent input (0.1 % of the
10,000 x 10,000 synapses, scipy CSR), then redraws: the timer-driven loop of
Network_UI runs as in normal use (timer interval 0, so the frame rate is what
the UI can sustain, not the 25 fps of the default 40 ms timer). The default
modules are used; each tab is measured while it is the visible one (only the
visible tab redraws). The goal is >= 20 frames per second on the default tab.

    python benchmarks/gui.py [--neurons 10000] [--seconds 3] [--tabs first|all]

Measured 2026-11-27 on the shared 2-core dev machine (load average ~7,
QT_QPA_PLATFORM=offscreen, PySide6 6.11.3, pyqtgraph 0.14.0): default tab
(Multi Group) 46 frames/s (23-46 across runs under varying load); Spiketrain
36, Weights 69, Fourier 30, Stability 110, Activity/ISI 18, PCA 19 (these two
recompute every 3rd/5th frame).
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np


def build_network(neurons: int, seed: int = 1, density: float = 0.001):
    import scipy.sparse as sp

    from monnto import Behaviour, Network, NeuronGroup, SynapseGroup, get_squared_dim
    from monnto.models.basic_network import Basic_Behaviour

    class Sparse_Input(Behaviour):
        """Input_Behaviour of code block 3 with a CSR matrix (uniform(0,10) weights)."""

        def set_variables(self, n):
            for s in n.afferent_synapses["GLUTAMATE"]:
                shape = s.matrix_dim()
                s.W = sp.random(*shape, density=density, format="csr", random_state=n.network.rng,
                                data_rvs=lambda k: n.network.rng.uniform(0, 10, k))

        def new_iteration(self, n):
            for s in n.afferent_synapses["GLUTAMATE"]:
                n.voltage += s.W.dot(s.src.spike) / s.src.size * 100

    net = Network(seed=seed)
    group = NeuronGroup(net=net, tag="neurons", size=get_squared_dim(neurons),
                        behaviour={1: Basic_Behaviour(), 2: Sparse_Input()})
    SynapseGroup(net=net, src=group, dst=group, tag="GLUTAMATE")
    net.initialize()
    return net


def measure(ui, seconds: float) -> float:
    """Frames per second of the running UI (timer interval 0) over ``seconds``."""
    from PySide6 import QtCore

    ui.timer.setInterval(0)
    start_frames = ui.frames
    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(int(seconds * 1000), loop.quit)
    t0 = time.perf_counter()
    ui.start()
    loop.exec()
    ui.pause()
    elapsed = time.perf_counter() - t0
    return (ui.frames - start_frames) / elapsed


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--tabs", choices=["first", "all"], default="all")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from monnto.ui import Network_UI

    t0 = time.perf_counter()
    net = build_network(args.neurons)
    ui = Network_UI(net)
    ui.show(block=False)
    print(f"{args.neurons} neurons, built in {time.perf_counter() - t0:.1f} s; "
          f"platform {ui.app.platformName()}")
    t0 = time.perf_counter()
    for _ in range(50):
        net.simulate_iteration()
    sim_only = 50 / (time.perf_counter() - t0)
    print(f"simulation alone (with UI recorders): {sim_only:.0f} iterations/s")
    results = {}
    count = 1 if args.tabs == "first" else ui.tabs.count()
    for index in range(count):
        ui.tabs.setCurrentIndex(index)
        measure(ui, 0.3)  # warm up (fills recordings, first layouts)
        fps = measure(ui, args.seconds)
        title = ui.tabs.tabText(index)
        results[title] = fps
        mark = "  (goal >= 20)" if index == 0 else ""
        print(f"  tab {title:<14} {fps:6.1f} frames/s{mark}")
    ui.close()
    return results


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
