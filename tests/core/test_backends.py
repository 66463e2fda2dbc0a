"""numpy and torch backends from one fixture (issue 9, core part)."""
import numpy as np
import pytest

from monnto import Behaviour, EventRecorder, Network, NeuronGroup, Recorder, SynapseGroup

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.numpy_only  # these tests choose their backends themselves


@pytest.fixture(params=["numpy", "torch"])
def backend(request):
    return request.param


class PortableLIF(Behaviour):
    """Threshold unit written once for every array library via ``n.xp``."""

    def set_variables(self, n):
        n.v = n.get_neuron_vec()
        n.spike = n.get_neuron_vec(bool)
        self.leak = self.get_init_attr("leak", 0.9, n)

    def new_iteration(self, n):
        xp = n.xp
        n.spike = n.v > 0.5
        n.v = xp.where(n.spike, xp.zeros_like(n.v), n.v) * self.leak
        n.v = n.v + n.get_neuron_vec("uniform", density=0.05)
        for s in n.afferent_synapses["GLU"]:
            n.v = n.v + xp.matmul(s.W, xp.astype(s.src.spike, s.W.dtype)) / s.src.size


class PortableInput(Behaviour):
    def set_variables(self, s):
        s.W = s.get_synapse_mat("uniform(0, 4)", density=0.2)


def build(backend, dtype="float64", seed=4, size=200):
    net = Network(seed=seed, backend=backend, dtype=dtype)
    ng = NeuronGroup(net=net, size=size, tag="exc", behaviour={
        1: PortableLIF(), 9: Recorder(["n.v", "n.xp.mean(n.v)"]), 10: EventRecorder("n.spike")})
    SynapseGroup(net=net, src=ng, dst=ng, tag="GLU", behaviour={1: PortableInput()})
    net.initialize()
    return net, ng


def test_arrays_live_on_the_backend(backend):
    net, ng = build(backend, dtype="float32")
    expected = torch.Tensor if backend == "torch" else np.ndarray
    assert isinstance(ng.v, expected) and isinstance(net.GLU.W, expected)
    assert str(ng.v.dtype).endswith("float32") and str(ng.spike.dtype).endswith("bool")
    net.simulate_iterations(5)
    assert isinstance(net["n.v", 0], expected)  # recorder buffers stay on the backend
    assert isinstance(net["n.v", 0, "np"], np.ndarray) and net["n.v", 0, "np"].shape == (5, 200)


def test_same_seed_same_spikes_on_each_backend(backend):
    runs = []
    for _ in range(2):
        net, _ = build(backend)
        net.simulate_iterations(100)
        runs.append(net["n.spike", 0, "np"].copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert len(runs[0]) > 50


def test_numpy_and_torch_agree():
    results = {}
    for name in ("numpy", "torch"):
        net, _ = build(name)
        net.simulate_iterations(100)
        results[name] = (net["n.v", 0, "np"], net["n.spike", 0, "np"], net["n.xp.mean(n.v)", 0, "np"])
    np.testing.assert_allclose(results["numpy"][0], results["torch"][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(results["numpy"][1], results["torch"][1])
    np.testing.assert_allclose(results["numpy"][2], results["torch"][2], rtol=1e-10)


def test_bad_backend_and_device():
    with pytest.raises(ValueError, match="backend='cupy' is not supported.*torch"):
        Network(backend="cupy")
    with pytest.raises(ValueError, match="backend must be one of"):
        Network(backend="jax")
    with pytest.raises(ValueError, match="CPU only.*backend='torch'"):
        Network(device="cuda")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU is available.*device='cpu'"):
            Network(backend="torch", device="cuda")


def test_missing_torch_says_what_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"pip install monnto\[torch\]"):
        Network(backend="torch")


@pytest.mark.slow  # 3-6.5 s on 2 shared cores
def test_torch_synapse_matrices_take_the_papers_dot(tmp_path):
    import pickle
    import subprocess
    import sys

    net = Network(backend="torch", seed=1)
    ng = NeuronGroup(net=net, size=4)
    W = SynapseGroup(net=net, src=ng, dst=ng).get_synapse_mat("uniform(0, 1)")
    spikes = torch.tensor([True, False, True, False])
    torch.testing.assert_close(W.dot(spikes), W[:, 0] + W[:, 2])  # torch's own dot is 1-D only
    enabled = W > 0.5
    assert type(W > 0) is torch.Tensor and type(W.sum(0)) is torch.Tensor  # plain tensors
    masked = W * enabled  # float results shaped like W keep the paper's dot, as EventMatrix does
    assert type(masked).__name__ == "SynapseTensor"
    torch.testing.assert_close(masked.dot(spikes), (W * enabled)[:, 0] + (W * enabled)[:, 2])
    path = tmp_path / "w.pkl"
    path.write_bytes(pickle.dumps(W))
    code = (f"import pickle, torch; W = pickle.loads(open({str(path)!r}, 'rb').read()); "
            "print(type(W).__name__, float(W.dot(torch.ones(4)).sum()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    name, total = out.stdout.split()
    assert name == "SynapseTensor" and abs(float(total) - float(W.sum())) < 1e-9
