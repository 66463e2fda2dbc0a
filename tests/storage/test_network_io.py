"""save_network / load_network: continuing a loaded network is bit-identical."""
from __future__ import annotations

import collections
import fractions
import json
import shutil

import numpy as np
import pytest
import scipy.sparse as sp

from monnto import (
    Behaviour,
    EventRecorder,
    LoadError,
    Network,
    NeuronGroup,
    Recorder,
    SynapseGroup,
    UnsafeLoadError,
    get_squared_dim,
)
from monnto.models.basic_network import Basic_Behaviour, Input_Behaviour  # paper blocks 2-3
from monnto.storage import FormatVersionError, StorageManager
from monnto.storage.network_io import FORMAT_VERSION, MANIFEST, load_network, save_network


class SparseHebb(Behaviour):
    """A plastic sparse synapse (csr), with state shared with its group and a counter."""

    def set_variables(self, synapse):
        dense = synapse.get_synapse_mat("uniform(0,1)", density=0.2)
        synapse.W = sp.csr_array(dense)
        self.eta = np.float32(0.01)
        self.steps = 0
        self.trace = synapse.dst.get_neuron_vec()
        synapse.dst.trace = self.trace            # the same array, shared
        self.pre_post = (synapse.src, synapse.dst)

    def new_iteration(self, synapse):
        self.steps += 1
        self.trace *= 0.9
        self.trace += synapse.dst.spike
        w = synapse.W
        w.data += float(self.eta) * np.repeat(self.trace, np.diff(w.indptr)) * 1e-3
        synapse.dst.voltage += 0.01 * (w @ synapse.src.spike.astype(float))


def paper_network(seed=42, with_sparse=True):
    net = Network(seed=seed)
    neurons = NeuronGroup(net=net, tag="my_neurons", size=get_squared_dim(100), behaviour={
        1: Basic_Behaviour(leak_factor="normal(0.9,0.01)"),
        2: Input_Behaviour(),
        9: Recorder(tag="my_recorder", variables=["n.voltage", "np.mean(n.voltage)"]),
        10: EventRecorder(tag="my_event_recorder", variables=["n.spike"]),
    })
    SynapseGroup(net=net, src=neurons, dst=neurons, tag="GLUTAMATE")
    if with_sparse:
        SynapseGroup(net=net, src=neurons, dst=neurons, tag="PLASTIC", behaviour={5: SparseHebb()})
    net.initialize()
    return net


def snapshot(net):
    g = net["my_neurons", 0]
    out = {
        "voltage_trace": np.asarray(net["n.voltage", 0]),
        "mean": np.asarray(net["np.mean(n.voltage)", 0]),
        "spikes": np.asarray(net["n.spike", 0]),
        "voltage": g.voltage.copy(),
        "W": net["GLUTAMATE", 0].W.copy(),
        "next_random": net.rng.random(5),
    }
    if net["PLASTIC"]:
        out["plastic"] = net["PLASTIC", 0].W.toarray()
        out["trace"] = g.trace.copy()
    return out


def assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_paper_network_continues_bit_identically_after_load(project):
    sm = StorageManager("netstate")
    reference = paper_network()
    reference.simulate_iterations(1000)
    expected = snapshot(reference)
    assert expected["spikes"].shape[0] > 100  # the network is active

    net = paper_network()
    net.simulate_iterations(500)
    folder = save_network(net, sm.path / "net_500")
    net.simulate_iterations(500)
    assert_same(snapshot(net), expected)      # saving did not disturb the run

    loaded = load_network(folder, classes=CLASSES)
    assert loaded.iteration == 500
    loaded.simulate_iterations(500)
    assert loaded.iteration == 1000
    assert_same(snapshot(loaded), expected)


def test_loaded_structure_and_state(project):
    net = paper_network()
    net.simulate_iterations(20)
    folder = save_network(net, StorageManager("netstate").path / "net")
    loaded = load_network(folder, classes=CLASSES)
    g = loaded["my_neurons", 0]
    assert loaded.my_neurons is g and g.size == 100 and (g.width, g.height) == (10, 10)
    assert [s.tag for s in g.afferent_synapses["All"]] == ["GLUTAMATE", "PLASTIC"]
    plastic = loaded["PLASTIC", 0]
    hebb = plastic.SparseHebb
    assert isinstance(plastic.W, sp.csr_array) and hebb.parent is plastic
    assert hebb.trace is g.trace                       # shared array stays shared
    assert hebb.pre_post == (g, g) and hebb.steps == 20
    assert type(hebb.eta) is np.float32 and hebb.eta == np.float32(0.01)
    assert g.Basic_Behaviour.leak_factor.shape == (100,)
    assert loaded.seed == net.seed and loaded.dtype == net.dtype
    np.testing.assert_array_equal(loaded["n.spike.t", 0], net["n.spike.t", 0])
    assert "Basic_Behaviour" in json.loads((folder / MANIFEST).read_text())["description"]


def test_uninitialized_network_round_trips(project):
    net = Network(seed=1)
    NeuronGroup(net=net, tag="a", size=5, behaviour={1: Basic_Behaviour()})
    loaded = load_network(save_network(net, StorageManager("netstate").path / "fresh"), classes=CLASSES)
    assert not loaded.initialized and loaded.iteration == 0
    loaded.initialize()
    net.initialize()
    net.simulate_iterations(50)
    loaded.simulate_iterations(50)
    np.testing.assert_array_equal(loaded["a", 0].voltage, net["a", 0].voltage)


class Holder(Behaviour):
    def set_variables(self, n):
        self.ratio = fractions.Fraction(1, 3)
        self.when = {1: "one", (2, 3): "pair"}
        self.flags = {"a", "b"}
        self.queue = collections.deque([1, 2])

    def new_iteration(self, n):
        pass


def test_values_that_need_pickle_are_listed_in_the_manifest(project):
    net = Network(seed=2)
    NeuronGroup(net=net, tag="h", size=3, behaviour={1: Holder()})
    net.initialize()
    folder = save_network(net, StorageManager("netstate").path / "held")
    pickled = json.loads((folder / MANIFEST).read_text())["pickled"]
    assert [p["type"] for p in pickled] == ["deque"]     # a Fraction is stored as JSON numbers
    assert "Holder" in pickled[0]["where"] and pickled[0]["where"].endswith(".queue")
    with pytest.raises(UnsafeLoadError, match=r"Holder.*queue.*pickle file 'objects/\d+\.pkl'.*trusted=True"):
        load_network(folder, classes=CLASSES)
    h = load_network(folder, classes=CLASSES, trusted=True)["h", 0].Holder
    assert h.ratio == fractions.Fraction(1, 3) and h.queue == collections.deque([1, 2])
    assert h.when == {1: "one", (2, 3): "pair"} and h.flags == {"a", "b"}


class WithLambda(Behaviour):
    def set_variables(self, n):
        self.offset = 0.0
        self.f = lambda x: x + 1

    def new_iteration(self, n):
        self.offset = self.f(self.offset)


def test_unsavable_behaviour_attributes_are_rebuilt_by_the_init_method(project):
    net = Network(seed=3)
    NeuronGroup(net=net, tag="lam", size=2, behaviour={4: WithLambda()})
    net.initialize()
    net.simulate_iterations(7)
    folder = save_network(net, StorageManager("netstate").path / "lam")
    entry = json.loads((folder / MANIFEST).read_text())["neuron_groups"][0]["behaviours"][0]
    assert entry["reinitialize"] == ["f"]
    loaded = load_network(folder, classes=CLASSES)
    b = loaded["lam", 0].WithLambda
    assert b.offset == 7.0 and b.f(1) == 2        # saved state kept, lambda made again
    loaded.simulate_iterations(3)
    assert b.offset == 10.0


def test_unsavable_group_attribute_gives_a_clear_error_and_writes_nothing(project):
    net = Network(seed=3)
    group = NeuronGroup(net=net, tag="bad", size=2)
    group.transfer = lambda x: x
    net.initialize()
    target = StorageManager("netstate").path / "bad"
    with pytest.raises(TypeError, match=r"NeuronGroup 'bad'\.transfer \(function"):
        save_network(net, target)
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".bad")] == []


def test_equation_network_continues_bit_identically(project):
    eq = pytest.importorskip("monnto.behaviours.equations")

    def build():
        net = Network(seed=4)
        NeuronGroup(net=net, tag="g", size=10, behaviour={
            1: eq.Clock(step="0.1*ms"), 2: eq.Variable(eq="v=1*mV"), 3: eq.Variable(eq="tau=100*ms"),
            4: eq.Equation(eq="dv/dt=(2*mV-v)/tau"), 9: Recorder(["n.v", "n.t"], tag="rec")})
        net.initialize()
        return net

    ref = build()
    ref.simulate_iterations(200)
    net = build()
    net.simulate_iterations(100)
    loaded = load_network(save_network(net, StorageManager("netstate").path / "eq"))
    loaded.simulate_iterations(100)
    np.testing.assert_array_equal(loaded["n.v", 0], ref["n.v", 0])
    np.testing.assert_array_equal(loaded["n.t", 0], ref["n.t", 0])


def test_save_refuses_to_overwrite_unless_asked(project):
    net = paper_network(with_sparse=False)
    folder = save_network(net, StorageManager("netstate").path / "net")
    before = (folder / MANIFEST).read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_network(net, folder)
    assert (folder / MANIFEST).read_bytes() == before
    net.simulate_iterations(3)
    save_network(net, folder, overwrite=True)
    assert load_network(folder, classes=CLASSES).iteration == 3


def test_newer_format_version_is_refused_clearly(project):
    folder = save_network(paper_network(with_sparse=False), StorageManager("netstate").path / "n")
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["format_version"] = FORMAT_VERSION + 1
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(FormatVersionError, match=rf"format version {FORMAT_VERSION + 1}.*upgrade"):
        load_network(folder, classes=CLASSES)


def test_missing_or_foreign_folders_are_refused(project):
    sm = StorageManager("netstate")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_network(sm.path / "never_saved")
    with pytest.raises(FileNotFoundError, match="is not a saved network"):
        load_network(sm.path)
    (sm.path / "junk").mkdir()
    (sm.path / "junk" / MANIFEST).write_text("{broken")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_network(sm.path / "junk")
    folder = save_network(paper_network(with_sparse=False), sm.path / "n")
    text = (folder / MANIFEST).read_text().replace('"arrays/1.npy"', '"../../../../params.json"')
    (folder / MANIFEST).write_text(text)
    with pytest.raises(ValueError, match="outside its folder"):
        load_network(folder, classes=CLASSES)


def test_streaming_recorder_continues_into_a_new_run(project):
    def build(sm):
        net = Network(seed=5)
        NeuronGroup(net=net, tag="g", size=20, behaviour={
            1: Basic_Behaviour(),
            9: Recorder(["n.voltage"], tag="rec", storage_manager=sm, chunk=32),
        })
        net.initialize()
        return net

    ref = build(StorageManager("stream_ref"))
    ref.simulate_iterations(200)
    expected = np.asarray(ref["n.voltage", 0])

    first = StorageManager("stream_run")
    net = build(first)
    net.simulate_iterations(100)
    folder = save_network(net, first.path / "net")
    second = StorageManager("stream_run")
    loaded = load_network(folder, storage_manager=second)
    loaded.simulate_iterations(100)
    np.testing.assert_array_equal(np.asarray(loaded["n.voltage", 0]), expected)
    loaded["rec", 0].flush()
    np.testing.assert_array_equal(np.asarray(second.load_stream("g.rec.n.voltage")), expected)
    assert loaded["rec", 0].storage_manager is second
    # a run folder is never taken from the file: the original run continues when passed
    with pytest.raises(LoadError, match=r"rec.*pass storage_manager=StorageManager"):
        load_network(folder)
    again = load_network(folder, storage_manager=StorageManager.open(first.path))
    again.simulate_iterations(100)
    np.testing.assert_array_equal(np.asarray(again["n.voltage", 0]), expected)
    net.simulate_iterations(100)
    net["rec", 0].flush()
    with pytest.raises(LoadError, match="has 200 samples, the saved network expects 100; pass a new storage_manager="):
        load_network(folder, storage_manager=StorageManager.open(first.path))
    # the save holds a copy of the streamed samples: it continues into a new run anywhere
    moved = folder.parent.parent / "moved_net"
    shutil.copytree(folder, moved)
    third = StorageManager("elsewhere")
    copy = load_network(moved, storage_manager=third)
    copy.simulate_iterations(100)
    np.testing.assert_array_equal(np.asarray(copy["n.voltage", 0]), expected)


class SparseInput(Behaviour):
    """Code block 3 with the weights stored as a scipy CSR matrix."""

    def set_variables(self, neurons):
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            synapse.W = sp.csr_matrix(synapse.get_synapse_mat("uniform(0,10)", density=0.1))

    def new_iteration(self, neurons):
        for synapse in neurons.afferent_synapses["GLUTAMATE"]:
            neurons.voltage += synapse.W.dot(synapse.src.spike) / synapse.src.size


@pytest.mark.parametrize("sparse", [False, True])
def test_library_stdp_network_continues_bit_identically(project, sparse):
    plasticity = pytest.importorskip("monnto.behaviours.plasticity")

    def build():
        net = Network(seed=9)
        neurons = NeuronGroup(net=net, tag="my_neurons", size=get_squared_dim(100), behaviour={
            1: Basic_Behaviour(),
            2: SparseInput() if sparse else Input_Behaviour(),
            3: plasticity.DiscreteSTDP(syn_type="GLUTAMATE", stdp_factor=0.05),
            10: EventRecorder(tag="ev", variables=["n.spike"]),
        })
        SynapseGroup(net=net, src=neurons, dst=neurons, tag="GLUTAMATE")
        net.initialize()
        return net

    def weights(net):
        w = net["GLUTAMATE", 0].W
        return w.toarray() if sp.issparse(w) else w

    ref = build()
    initial = weights(ref).copy()
    ref.simulate_iterations(1000)
    net = build()
    net.simulate_iterations(500)
    loaded = load_network(save_network(net, StorageManager("stdp").path / "net"), classes=CLASSES)
    loaded.simulate_iterations(500)
    assert sp.issparse(loaded["GLUTAMATE", 0].W) == sparse
    assert not np.array_equal(weights(ref), initial)          # the weights did learn
    np.testing.assert_array_equal(weights(loaded), weights(ref))
    np.testing.assert_array_equal(loaded["n.spike", 0], ref["n.spike", 0])
    np.testing.assert_array_equal(loaded["my_neurons", 0].voltage, ref["my_neurons", 0].voltage)


class BoxedLambda(Behaviour):
    def set_variables(self, n):
        self.table = {"f": lambda x: 2 * x}
        self.count = 0

    def new_iteration(self, n):
        self.count += 1


def test_unsavable_state_warns_that_its_content_is_rebuilt(project):
    net = Network(seed=6)
    NeuronGroup(net=net, tag="box", size=2, behaviour={1: BoxedLambda()})
    net.initialize()
    net.simulate_iterations(4)
    with pytest.warns(UserWarning, match=r"\['table'\] cannot be saved.*content is lost"):
        folder = save_network(net, StorageManager("netstate").path / "box")
    b = load_network(folder, classes=CLASSES)["box", 0].BoxedLambda
    assert b.table["f"](3) == 6 and b.count == 4


def test_ring_buffer_recorder_round_trips(project):
    def build():
        net = Network(seed=8)
        NeuronGroup(net=net, tag="g", size=5, behaviour={
            1: Basic_Behaviour(),
            9: Recorder(["n.voltage", "np.sum(n.voltage)"], tag="ring", max_length=30),
            10: Recorder(["n.voltage"], tag="sparse_rec", gapwidth=7)})
        net.initialize()
        return net

    ref = build()
    ref.simulate_iterations(100)
    net = build()
    net.simulate_iterations(45)
    loaded = load_network(save_network(net, StorageManager("netstate").path / "ring"))
    loaded.simulate_iterations(55)
    for tag in ("ring", "sparse_rec"):
        for expression, data in ref[tag, 0].variables.items():
            np.testing.assert_array_equal(loaded[tag, 0].variables[expression], data)
    assert loaded["ring", 0].variables["n.voltage"].shape == (30, 5)
    assert loaded["sparse_rec", 0].variables["n.voltage"].shape == (14, 5)


CLASSES = [SparseHebb, Holder, WithLambda, SparseInput, BoxedLambda]
