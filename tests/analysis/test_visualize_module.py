"""visualize_module: traced reads/writes, no side effects, PNG/SVG without Qt (paper Fig. 4)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_trace_finds_reads_and_writes_in_execution_order():
    from monnto.analysis.visualize_module import trace_behaviours
    from monnto.models.basic_network import basic_network

    net = basic_network(64, seed=4, record=True)
    net.simulate_iterations(5)
    group = net.NeuronGroups[0]
    flow = trace_behaviours(group)
    names = [(b.key, b.name) for b in flow.behaviours]
    assert names == [(1, "Basic_Behaviour"), (2, "Input_Behaviour"), (9, "Recorder"), (10, "EventRecorder")]
    basic, inp, rec, events = flow.behaviours
    assert set(basic.reads) == {"voltage", "spike"} and set(basic.writes) == {"voltage", "spike"}
    assert {"voltage", "GLUTAMATE.W", "spike"} <= set(inp.reads) and inp.writes == ["voltage"]
    assert rec.reads == ["n.voltage", "np.mean(n.voltage)"] and rec.writes == []
    assert events.reads == ["n.spike"]
    assert all(b.error is None for b in flow.behaviours)


def test_tracing_leaves_the_network_unchanged():
    from monnto.analysis.visualize_module import trace_behaviours
    from monnto.models.basic_network import basic_network

    net = basic_network(64, seed=4, record=True)
    twin = basic_network(64, seed=4, record=True)
    net.simulate_iterations(5)
    twin.simulate_iterations(5)
    trace_behaviours(net.NeuronGroups[0])
    assert net.iteration == 5
    assert len(net["n.voltage", 0]) == 5
    net.simulate_iterations(20)
    twin.simulate_iterations(20)
    np.testing.assert_array_equal(net.NeuronGroups[0].voltage, twin.NeuronGroups[0].voltage)
    np.testing.assert_array_equal(net["n.spike", 0], twin["n.spike", 0])


def test_in_place_writes_and_new_attributes_are_writes():
    from monnto import Behaviour, Network, NeuronGroup

    class Touch(Behaviour):
        def set_variables(self, n):
            n.a = n.get_neuron_vec()
            n.b = n.get_neuron_vec("ones")

        def new_iteration(self, n):
            n.a[n.b > 0] = 3.0        # in place, no attribute assignment
            n.c = n.b * 2             # a new attribute

    class Reader(Behaviour):
        def new_iteration(self, n):
            self.total = float(np.sum(n.c))

    class Broken(Behaviour):
        def new_iteration(self, n):
            raise RuntimeError("boom")

    net = Network(seed=0)
    group = NeuronGroup(net=net, size=5, behaviour={1: Touch(), 2: Reader(), 3: Broken(behaviour_enabled=False)})
    net.initialize()
    from monnto.analysis.visualize_module import trace_behaviours

    touch, reader, broken = trace_behaviours(group).behaviours
    assert set(touch.reads) == {"a", "b"} and set(touch.writes) == {"a", "c"}
    assert reader.reads == ["c"] and reader.writes == []
    assert broken.error == "RuntimeError: boom" and not broken.enabled
    assert not hasattr(group, "c") and np.all(group.a == 0)


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_visualize_module_saves_png_and_svg(tmp_path, suffix):
    from monnto.analysis.visualize_module import visualize_module
    from monnto.models.basic_network import basic_network

    net = basic_network(36, seed=1, record=True)
    path = tmp_path / f"flow{suffix}"
    flow = visualize_module(net.NeuronGroups[0], path=path)
    assert flow.path == path and path.stat().st_size > 1000
    head = path.read_bytes()[:200]
    if suffix == ".png":
        assert head.startswith(b"\x89PNG")
        import matplotlib.image as mpimg

        image = mpimg.imread(path)
        assert image.shape[1] == 1000 and len(np.unique(image.reshape(-1, image.shape[-1]), axis=0)) > 50
    else:
        text = path.read_text()
        assert "<svg" in text and "Basic_Behaviour" in text
    with pytest.raises(ValueError, match=r"\.png, \.svg or \.pdf"):
        visualize_module(net.NeuronGroups[0], path=tmp_path / "flow.txt")


def test_saving_does_not_import_qt(tmp_path):
    code = ("import sys; from monnto.models.basic_network import basic_network; "
            "from monnto.analysis.visualize_module import visualize_module; "
            f"visualize_module(basic_network(16).NeuronGroups[0], path=r'{tmp_path / 'f.png'}'); "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))]; assert not bad, bad")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
