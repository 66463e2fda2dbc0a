"""What the compiled plan's kernels share: one spike scan per group and step, weights no kernel writes."""
import numpy as np
import pytest
import scipy.sparse as sp

from monnto import Behaviour, Network, NeuronGroup, SynapseGroup
from monnto.core.sparse_matrix import SparseSynapseMatrix
from monnto.targets import python_steps, runner_for

numba = pytest.importorskip("numba")


def _spikes(net, tag):
    return net[f"{tag}_spikes", 0]["n.spike"]


def _cuba(target, **kw):
    from monnto.models.cuba_coba import cuba_network

    return cuba_network(n_exc=400, n_inh=100, target=target, **kw)


def _compiled_calls(net):
    return [c for seg in runner_for(net)._ensure_plan() if hasattr(seg, "calls") for c in seg.calls]


def _readers(net):
    return [(c.kernel, c.scan.group.tags[0], c.scan.reuses) for c in _compiled_calls(net) if c.scan is not None]


def test_the_readers_of_a_group_share_one_scan_per_step():
    net = _cuba("numba")
    # the LIF kernel lists its group's spikes (it meets each spiking neuron), the recorder takes that list;
    # next step the first propagation takes the recorder's list, the second the first's: no scan at all
    assert _readers(net) == [("delayed_csr_kernel", "exc", "previous step"), ("delayed_csr_kernel", "exc", "same step"),
                             ("delayed_csr_kernel", "inh", "previous step"), ("delayed_csr_kernel", "inh", "same step"),
                             ("lif_kernel_a2", "exc", "never"), ("lif_kernel_a2", "inh", "never"),
                             ("spike_record_kernel", "exc", "same step"), ("spike_record_kernel", "inh", "same step")]
    lists = {id(c.scan.found) for c in _compiled_calls(net) if c.scan is not None}
    assert len(lists) == 2  # one list per group
    a, b = _cuba("numpy"), net
    for x in (a, b):
        x.simulate_iterations(1000)
    for tag in ("exc", "inh"):
        assert len(_spikes(a, tag)) > 50
        np.testing.assert_array_equal(_spikes(a, tag), _spikes(b, tag))


class SilenceOdd(Behaviour):
    """A Python writer of the spike flags between the neurons and the recorder."""

    def new_iteration(self, n):
        n.spike[1::2] = False


def test_a_python_behaviour_that_changes_spikes_between_readers_is_seen():
    nets = {}
    for target in ("numpy", "numba"):
        net = _cuba(target)
        net.exc.add_behaviour(5, SilenceOdd())
        net.simulate_iterations(1500)
        nets[target] = net
    b = nets["numba"]
    assert [type(x).__name__ for x in python_steps(b)] == ["SilenceOdd"]
    # the segment before the Python step cannot take a list from the one after it
    assert ("delayed_csr_kernel", "exc", "never") in _readers(b)
    exc = _spikes(nets["numpy"], "exc")
    assert len(exc) > 50 and np.all(exc[:, 1] % 2 == 0)
    for tag in ("exc", "inh"):
        np.testing.assert_array_equal(_spikes(nets["numpy"], tag), _spikes(b, tag))


def test_spikes_set_by_hand_between_runs_reach_the_next_step():
    a, b = _cuba("numpy"), _cuba("numba")
    for net in (a, b):
        net.simulate_iterations(400)
        net.exc.spike[:] = False
        net.exc.spike[:200] = True  # a volley the last step's list does not hold
        net.simulate_iterations(400)
    for tag in ("exc", "inh"):
        np.testing.assert_array_equal(_spikes(a, tag), _spikes(b, tag))
    first = _spikes(a, "inh")
    assert np.any((first[:, 0] > 400) & (first[:, 0] <= 403))  # the volley drove the inhibitory group


def test_a_recorder_switched_off_leaves_no_list_behind():
    a, b = _cuba("numpy"), _cuba("numba")
    for net in (a, b):
        net.simulate_iterations(300)
        net.exc.recording = False  # its scan is skipped: the next step's propagation must scan itself
        net.simulate_iterations(600)
        net.exc.recording = True
        net.simulate_iterations(300)
    exc = _spikes(a, "exc")
    assert not np.any((exc[:, 0] > 300) & (exc[:, 0] <= 900)) and len(exc) > 20
    for tag in ("exc", "inh"):
        np.testing.assert_array_equal(_spikes(a, tag), _spikes(b, tag))
    assert len(_spikes(a, "inh")) > 50


# -- passes absorbed into the neuron kernel ------------------------------------------------------------
def test_the_input_sum_and_decay_of_a_group_run_in_its_lif_pass():
    a, b = _cuba("numpy"), _cuba("numba")
    kernels = [c.kernel for c in _compiled_calls(b)]
    assert kernels.count("lif_kernel_a2") == 2  # two input terms (g_e, g_i), decayed in the same pass
    assert "input_sum_kernel" not in kernels and "decay_kernel" not in kernels
    for net in (a, b):
        net.simulate_iterations(1500)
    for tag in ("exc", "inh"):
        assert len(_spikes(a, tag)) > 50
        np.testing.assert_array_equal(_spikes(a, tag), _spikes(b, tag))
    for name in ("g_e", "g_i", "I_input", "I_total"):  # the absorbed passes' numbers, bit for bit
        np.testing.assert_array_equal(getattr(a.exc, name), getattr(b.exc, name))
    # v: the C library's exp for neurons ending their refractory period (docs/targets.md)
    np.testing.assert_allclose(b.exc.v, a.exc.v, rtol=0, atol=1e-15)


def test_a_kernel_that_writes_the_input_in_between_keeps_the_passes_apart():
    from monnto.models._propagation import DelayedSynapticInput

    nets = {}
    for target in ("numpy", "numba"):
        net = _cuba(target)
        # between the input sum (key 2) and the neurons (key 3): the sum must not move past it
        net["GLUTAMATE", 0].add_behaviour(2.5, DelayedSynapticInput(target="g_e", scale=0.5))
        net.simulate_iterations(1500)
        nets[target] = net
    b = nets["numba"]
    assert python_steps(b) == []
    kernels = [c.kernel for c in _compiled_calls(b)]
    assert kernels.count("lif_kernel") == 1 and kernels.count("lif_kernel_a2") == 1  # exc apart, inh absorbed
    assert kernels.count("input_sum_kernel") == 1 and kernels.count("decay_kernel") == 1
    for tag in ("exc", "inh"):
        np.testing.assert_array_equal(_spikes(nets["numpy"], tag), _spikes(b, tag))


@pytest.mark.parametrize("terms", [1, 2])
def test_generated_absorbing_kernel_is_the_lif_kernel_with_the_terms(terms):
    from monnto.targets.numba_absorb import absorbing_source, parse_absorbing_name

    source = absorbing_source(terms)
    assert f"def lif_kernel_a{terms}(" in source and f"def _lif_free_a{terms}(" in source
    assert source.count("x = x + f") == terms and source.count("* d") == terms
    assert parse_absorbing_name(f"lif_kernel_a{terms}") == terms and parse_absorbing_name("lif_kernel") is None


# -- weights ------------------------------------------------------------------------------------
def test_uniform_weight_is_cached_until_the_weights_are_reached():
    W = SparseSynapseMatrix(sp.csr_array(np.where(np.eye(4, 6) > 0, 0.5, 0.0)))
    assert W.uniform_weight() == 0.5 and W.uniform_weight().dtype == np.float64
    W.data[2] = 0.25
    assert W.uniform_weight() is None
    W.data[2] = 0.5
    assert W.uniform_weight() == 0.5
    W.data = np.full(4, np.nan)
    assert W.uniform_weight() is None  # NaN equals nothing
    assert SparseSynapseMatrix(sp.csr_array((3, 3))).uniform_weight() is None  # no synapses


def test_uniform_weights_changed_between_runs_are_delivered():
    a, b = _cuba("numpy"), _cuba("numba")
    calls = [c for c in _compiled_calls(b) if c.kernel == "delayed_csr_kernel"]
    assert len(calls) == 4 and not any(c.state["weights_written"] for c in calls)
    for net in (a, b):
        net.simulate_iterations(500)
        W = net["GLUTAMATE", 0].W  # exc -> exc
        W.data[::3] *= 4.0  # no longer one weight for all
        net.simulate_iterations(1000)
    for tag in ("exc", "inh"):
        np.testing.assert_array_equal(_spikes(a, tag), _spikes(b, tag))
    late = _spikes(a, "exc")
    assert np.sum(late[:, 0] > 500) > 2 * np.sum(late[:, 0] <= 500)  # the stronger weights took effect


def _stdp(target):
    from monnto.behaviours.equations import Clock
    from monnto.behaviours.inputs.poisson import PoissonInput
    from monnto.behaviours.neurons.lif import LIF
    from monnto.behaviours.plasticity.stdp import STDP
    from monnto.behaviours.recorder import EventRecorder
    from monnto.models._propagation import DelayedSynapticInput

    net = Network(seed=7, behaviour={0: Clock(step=1e-4)}, target=target)
    lif = dict(r_m=1.0, v_rest=-0.065, v_init="uniform(-0.065, -0.05)")
    groups = [NeuronGroup(net=net, size=size, tag=tag, behaviour={
        1: PoissonInput(rate=30.0, n_sources=100, weight=0.12, target="I_input"), 3: LIF(**lif),
        9: EventRecorder(variables=["n.spike"], tag=f"{tag}_spikes")}) for tag, size in (("src", 80), ("dst", 50))]
    s = SynapseGroup(net=net, src=groups[0], dst=groups[1], tag="GLUTAMATE", behaviour={
        2: DelayedSynapticInput(target="I_input", scale=20.0),  # the weights matter to the spikes
        5: STDP(a_plus=0.02, a_minus=0.021, tau_plus=5e-3, tau_minus=5e-3, w_min=0.0, w_max=0.01)})
    s.W = SparseSynapseMatrix(sp.csr_array(0.005 * (np.random.default_rng(3).random((50, 80)) < 0.3)))
    net.initialize()
    return net


def test_weights_a_compiled_rule_writes_are_read_every_step():
    a, b = _stdp("numpy"), _stdp("numba")
    (delivery,) = [c for c in _compiled_calls(b) if c.kernel == "delayed_csr_kernel"]
    assert delivery.state["weights_written"]  # the STDP kernel receives the same weights
    assert b["GLUTAMATE", 0].W.uniform_weight() == 0.005
    for net in (a, b):
        net["GLUTAMATE", 0].W @ np.ones(80, bool)  # leaves the matrix's column copy, valid until the rule writes
        net.simulate_iterations(1500)
    for tag in ("src", "dst"):
        assert len(_spikes(a, tag)) > 30
        np.testing.assert_array_equal(_spikes(a, tag), _spikes(b, tag))
    Wa, Wb = a["GLUTAMATE", 0].W, b["GLUTAMATE", 0].W
    assert Wa.uniform_weight() is None  # the rule changed them
    np.testing.assert_array_equal(Wa.toarray(), Wb.toarray())
