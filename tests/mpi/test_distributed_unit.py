"""monnto.distributed without MPI: partitions, split-independent draws, switches and messages."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import monnto.distributed as dist
from monnto import Behaviour, EventRecorder, Network, NeuronGroup, Recorder, SynapseGroup
from monnto.core.errors import MonntoValueError
from monnto.distributed import comm as comm_module
from monnto.distributed.partition import block_bounds, dimension_bounds, partition_bounds


class FakeComm(comm_module.SerialComm):
    """Rank ``rank`` of ``size`` in one process: only what building a network needs."""

    def __init__(self, rank: int, size: int):
        self.rank, self.size = rank, size


@pytest.fixture
def as_rank(monkeypatch):
    """Build networks as rank r of K (no MPI; collectives are not used by what is tested)."""

    def use(rank: int, size: int) -> None:
        monkeypatch.setattr(comm_module, "_comm", FakeComm(rank, size))
        monkeypatch.setattr(comm_module, "launched_by_mpi", lambda: True)
        monkeypatch.setattr(comm_module, "install_abort_hook", lambda comm: None)
        monkeypatch.setattr("monnto.distributed.context.install_abort_hook", lambda comm: None)
        comm_module.set_forced(None)
        monkeypatch.setenv(comm_module.ENV_VARIABLE, "auto")

    yield use
    comm_module.set_forced(None)


def test_block_bounds_cover_the_group_in_rank_order():
    bounds = block_bounds(10, 4)
    assert bounds.tolist() == [0, 2, 5, 7, 10]
    assert dimension_bounds(12, 2, width=4).tolist() == [0, 4, 12]


def test_user_partition_function_is_checked():
    assert partition_bounds("g", 6, 2, lambda n, k: [0, 1, 6]).tolist() == [0, 1, 6]
    assert partition_bounds("g", 6, 2, lambda n, k: np.array([0, 0, 0, 1, 1, 1])).tolist() == [0, 3, 6]
    with pytest.raises(MonntoValueError, match="partition"):
        partition_bounds("g", 6, 2, lambda n, k: [0, 4, 3])
    with pytest.raises(MonntoValueError, match="contiguous"):
        partition_bounds("g", 6, 2, lambda n, k: np.array([0, 1, 0, 1, 0, 1]))
    with pytest.raises(MonntoValueError, match="'blocks', 'dimension'"):
        partition_bounds("g", 6, 2, "stripes")


def _parts(as_rank, k: int, build) -> list:
    parts = []
    for r in range(k):
        as_rank(r, k)
        parts.append(build())
    return parts


def _vectors() -> tuple:
    net = Network(seed=4)
    g = NeuronGroup(net=net, size=10000, tag="g")
    s = SynapseGroup(net=net, src=g, dst=g, tag="s")
    return (g.get_neuron_vec("normal(0, 1)"), g.get_neuron_vec("uniform", density=0.3),
            s.get_synapse_mat("uniform(0, 1)", density=0.001, sparse=True).toarray()[:, :50],
            g.size)


@pytest.mark.slow  # 21 s on 2 shared cores
def test_draws_do_not_depend_on_the_number_of_ranks(as_rank):
    whole = _parts(as_rank, 1, _vectors)[0]
    for k in (2, 3, 4):
        parts = _parts(as_rank, k, _vectors)
        for j in range(3):
            np.testing.assert_array_equal(np.concatenate([p[j] for p in parts]), whole[j])
        assert sum(p[3] for p in parts) == 10000


def test_each_rank_draws_only_chunks_of_its_own_neurons(as_rank, monkeypatch):
    import monnto.core.keyed_draws as streams

    drawn = []
    original = streams.chunk_rng
    monkeypatch.setattr(streams, "chunk_rng", lambda key, c: drawn.append(c) or original(key, c))
    as_rank(1, 4)
    net = Network(seed=4)
    g = NeuronGroup(net=net, size=64 * streams.CHUNK_ELEMENTS, tag="g")
    drawn.clear()
    g.get_neuron_vec("uniform(0, 1) * 2")  # an expression: drawn per chunk (simple modes per element)
    assert len(drawn) == 16  # a quarter of the 64 chunks: the cost falls as 1/K


def test_library_connectivity_is_split_independent(as_rank):
    from monnto.behaviours.synapses.sparse import fixed_indegree, fixed_probability

    def build():
        net = Network(seed=9)
        a = NeuronGroup(net=net, size=300, tag="a")
        b = NeuronGroup(net=net, size=200, tag="b")
        s1 = SynapseGroup(net=net, src=a, dst=a, tag="s1")
        s2 = SynapseGroup(net=net, src=a, dst=b, tag="s2")
        W1 = fixed_indegree(s1, 20, weights="uniform(1, 2)", autapses=False).toarray()
        W2 = fixed_probability(s2, 0.1, weights=1.0).toarray()
        return W1, W2

    W1, W2 = _parts(as_rank, 1, build)[0]
    assert np.all((W1 > 0).sum(axis=1) == 20) and np.all(np.diag(W1) == 0)
    parts = _parts(as_rank, 3, build)
    np.testing.assert_array_equal(np.vstack([p[0] for p in parts]), W1)
    np.testing.assert_array_equal(np.vstack([p[1] for p in parts]), W2)


def test_groups_are_local_and_synapse_sources_global(as_rank):
    as_rank(1, 2)
    net = Network(seed=1)
    g = NeuronGroup(net=net, size=11, tag="g")
    s = SynapseGroup(net=net, src=g, dst=g, tag="s")
    assert (g.size, g.global_size, g.global_start) == (6, 11, 5)
    assert g.id.tolist() == list(range(5, 11))
    assert s.src.size == 11 and s.dst is g and s.src.BaseNeuronGroup is g
    assert s.get_synapse_mat().shape == (6, 11)
    assert g.get_neuron_vec().shape == (6,)


def test_serial_distributed_mode_runs_and_reads_like_a_plain_network():
    dist.enable()
    try:
        net = Network(seed=2)
        g = NeuronGroup(net=net, size=20, tag="g", behaviour={
            9: Recorder(["n.v", "np.mean(n.v)"], tag="rec"), 10: EventRecorder(["n.spike"])})
        g.v = g.get_neuron_vec("uniform")
        g.spike = g.v > 0.5
        net.initialize()
        net.simulate_iterations(3)
        assert dist.is_distributed(net) and dist.size(net) == 1 and dist.rank(net) == 0
        assert net["n.v", 0].shape == (3, 20)
        assert dist.global_mean(g, g.v) == pytest.approx(float(np.mean(g.v)))
        assert dist.global_sum(g, g.v) == pytest.approx(float(np.sum(g.v)))
        np.testing.assert_array_equal(dist.gather(g, g.v), g.v)
    finally:
        dist.disable()
        comm_module.set_forced(None)


def test_plain_networks_are_not_distributed():
    assert Network(seed=1)._distributed is None
    assert dist.global_max(NeuronGroup(net=Network(seed=1), size=3), np.arange(3)) == 2


def test_bad_switch_value_is_named(monkeypatch):
    comm_module.set_forced(None)
    monkeypatch.setenv(comm_module.ENV_VARIABLE, "maybe")
    with pytest.raises(MonntoValueError, match="MONNTO_DISTRIBUTED"):
        Network(seed=1)


def test_missing_mpi4py_names_the_extra(monkeypatch):
    comm_module.set_forced(None)
    monkeypatch.setattr(comm_module, "_comm", None)
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
    monkeypatch.delenv(comm_module.ENV_VARIABLE, raising=False)
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(ImportError, match=r"monnto\[mpi\]"):
        Network(seed=1)


class _UserNeurons(Behaviour):
    """A user's neuron model: reads no synapse's source."""

    reads_remote_spikes = False

    def set_variables(self, n):
        n.spike = n.get_neuron_vec() > 1

    def new_iteration(self, n):
        pass


class InputBehaviour(Behaviour):
    """The paper's input: reads the source spikes of the step."""

    def new_iteration(self, n):
        for s in n.afferent_synapses["GLUTAMATE"]:
            n.v = s.W.dot(s.src.spike)


class _UserUndeclared(_UserNeurons):
    reads_remote_spikes = None  # unknown: may read synapse.src.spike


def test_compiled_target_with_readers_of_the_step_s_spikes_is_refused_with_a_reason(as_rank):
    """On numba every spike reader must declare a delay: the exchange is a step between compiled segments."""
    pytest.importorskip("numba")
    from monnto.core.errors import ConfigurationError

    as_rank(0, 2)
    net = Network(seed=1, target="numba")
    g = NeuronGroup(net=net, size=10, behaviour={1: _UserNeurons(), 2: InputBehaviour()})
    SynapseGroup(net=net, src=g, dst=g, tag="GLUTAMATE")
    with pytest.raises(ConfigurationError, match=r"target.*InputBehaviour.*DelayedSynapticInput"):
        net.initialize()
    with pytest.raises(MonntoValueError, match="target"):
        Network(seed=1, target="no such target")


def _delayed_net(extra=None):
    from monnto.behaviours.equations import Clock
    from monnto.models._propagation import DelayedSynapticInput

    net = Network(seed=1, behaviour={0: Clock(step=1e-4)})
    behaviours = {3: _UserNeurons()} if extra is None else {3: extra}
    g = NeuronGroup(net=net, size=20, behaviour=behaviours)
    h = NeuronGroup(net=net, size=8, behaviour={3: _UserNeurons()})
    for src, delay in ((g, 1.5e-3), (h, 0.8e-3)):
        s = SynapseGroup(net=net, src=src, dst=g, behaviour={1: DelayedSynapticInput(delay=delay)})
        s.W = s.get_synapse_mat("uniform")
    net.initialize()
    return net


def test_exchange_interval_is_the_smallest_declared_delay(as_rank):
    as_rank(1, 2)
    net = _delayed_net()
    exchange = net._distributed.exchange
    assert exchange is not None and exchange.interval == 8  # 0.8 ms at 0.1 ms
    assert [g.size for g in exchange.groups] == [10, 4]
    assert exchange.buffer_of(net.NeuronGroups[0]).shape == (20,)  # synapses read the global vector
    assert net.SynapseGroups[0].src.spike is exchange.buffer_of(net.NeuronGroups[0])


def test_unknown_readers_keep_the_exchange_per_step(as_rank):
    as_rank(0, 2)
    assert _delayed_net(_UserUndeclared())._distributed.exchange is None
    as_rank(0, 1)
    assert _delayed_net()._distributed.exchange is None  # one rank: nothing to exchange


def test_importing_monnto_does_not_import_mpi4py():
    code = ("import sys, monnto, monnto.distributed; from monnto import Network; Network(seed=1); "
            "print('mpi4py' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PATH": "", "MONNTO_DISTRIBUTED": "auto"})
    assert out.stdout.strip() == "False"


def test_monnto_run_command_and_its_errors(tmp_path):
    from monnto.distributed.launch import launch_command

    script = tmp_path / "s.py"
    script.write_text("pass\n")
    command, env = launch_command(str(script), 1, ["a"])
    assert command == [sys.executable, str(script), "a"] and env["MONNTO_DISTRIBUTED"] == "1"
    with pytest.raises(MonntoValueError, match="--ranks"):
        launch_command(str(script), 0)
    with pytest.raises(MonntoValueError, match="script"):
        launch_command(str(tmp_path / "missing.py"), 2)
