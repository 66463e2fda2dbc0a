"""Receptive fields and Partition (paper section 2.3).

Every test runs on numpy and torch (tests/behaviours/synapses/conftest.py);
the sparse (CSR) cases are numpy_only.
"""
import warnings

import numpy as np
import pytest

from monnto.behaviours.synapses import (
    Box_Receptive_Fields,
    Circle_Receptive_Fields,
    EventMatrix,
    Partition,
    Remove_Autapses,
    SparseSynapseMatrix,
    max_receptive_field,
    partition_masks,
)
from monnto.core import Behaviour, Network, NeuronDimension, NeuronGroup, SynapseGroup
from monnto.core.backend import synapse_tensor_class, to_numpy

SPARSE = [False, pytest.param(True, marks=pytest.mark.numpy_only)]  # CSR masks are numpy-only


def _grid(w=4, h=4, seed=0):
    net = Network(seed=seed)
    return net, NeuronGroup(net, NeuronDimension(width=w, height=h), tag="grid")


def test_circle_radius_one_on_4x4_gives_2_to_4_inputs():
    net, g = _grid()
    sg = SynapseGroup(net, g, g, behaviour={1: Circle_Receptive_Fields(radius=1, remove_autapses=True)})
    counts = sg.enabled.sum(axis=1)
    assert counts.min() == 2 and counts.max() == 4
    assert counts[0] == 2 and counts[5] == 4  # corner, inner neuron


@pytest.mark.filterwarnings("ignore:.*grid_to_grid.*:UserWarning")  # core: two SGs, same auto tag
@pytest.mark.parametrize("sparse", SPARSE)
def test_box_and_circle_masks_match_definitions(sparse):
    net, g = _grid(7, 6)
    x, y = to_numpy(g.x), to_numpy(g.y)
    dx = np.abs(x[:, None] - x[None, :])
    dy = np.abs(y[:, None] - y[None, :])
    box = SynapseGroup(net, g, g, behaviour={1: Box_Receptive_Fields(range=2)}, sparse=sparse)
    circ = SynapseGroup(net, g, g, behaviour={1: Circle_Receptive_Fields(radius=2),
                                              2: Remove_Autapses()}, sparse=sparse)
    dense = (lambda m: m.toarray()) if sparse else to_numpy
    np.testing.assert_array_equal(dense(box.enabled), (dx <= 2) & (dy <= 2))
    np.testing.assert_array_equal(dense(circ.enabled), (dx**2 + dy**2 <= 4) & ~np.eye(42, dtype=bool))
    np.testing.assert_array_equal(max_receptive_field(circ), [2, 2, 1])


def test_receptive_field_between_different_groups():
    net = Network(seed=0)
    a = NeuronGroup(net, NeuronDimension(width=5, height=5))
    b = NeuronGroup(net, NeuronDimension(width=3, height=3))
    sg = SynapseGroup(net, a, b, behaviour={1: Box_Receptive_Fields(range=0)})
    assert sg.enabled.shape == (9, 25)
    np.testing.assert_array_equal(sg.enabled.sum(axis=1), np.ones(9))  # the aligned centre neuron


def test_receptive_field_without_dimension_is_an_error():
    net = Network(seed=0)
    g = NeuronGroup(net, 10)
    with pytest.raises(ValueError, match="NeuronDimension"):
        SynapseGroup(net, g, g, behaviour={1: Circle_Receptive_Fields(radius=2)})


def test_partition_masks_cover_every_neuron_once():
    net, g = _grid(10, 9)
    masks = partition_masks(g, (3, 2, 1), "test")
    assert len(masks) == 6
    np.testing.assert_array_equal(np.sum(masks, axis=0), np.ones(90))


class _Leaky(Behaviour):
    """Threshold units; recurrent input through the (possibly partitioned) GLUT synapses."""

    def set_variables(self, n):
        n.voltage = n.get_neuron_vec()
        n.spike = n.get_neuron_vec(bool)
        for s in n.afferent_synapses["GLUT"]:
            if not hasattr(s, "W"):
                s.W = s.get_synapse_mat(0.05)
                s.W *= s.enabled  # in place: W stays a synapse matrix (W.dot on torch too)

    def new_iteration(self, n):
        n.spike = n.voltage > 0.5
        n.voltage[n.spike] = 0.0
        n.voltage *= 0.9
        n.voltage += n.get_neuron_vec("uniform", density=0.02)
        for s in n.afferent_synapses["GLUT"]:
            s.dst.voltage += s.W.dot(s.src.spike)


def _run(partition, steps=150, late=False, seed=4, backend=None):
    net = Network(seed=seed, backend=backend)
    g = NeuronGroup(net, NeuronDimension(width=24, height=21), behaviour={1: _Leaky()}, tag="g")
    beh = {1: Circle_Receptive_Fields(radius=3)}
    if partition and not late:
        beh[2] = Partition()
    sg = SynapseGroup(net, g, g, tag="GLUT", behaviour=beh)
    if late:  # W drawn at random first, then split: the parts hold slices of it
        sg.W = sg.get_synapse_mat("uniform(0,0.1)")
        sg.W *= sg.enabled
    net.initialize()
    if partition and late:
        sg.add_behaviour(5, Partition())
    V, S = [], []
    for _ in range(steps):
        net.simulate_iteration()
        V.append(to_numpy(g.voltage).copy())
        S.append(to_numpy(g.spike).copy())
    return net, sg, np.array(V), np.array(S)


def _same_up_to_rounding(v1, s1, v2, s2):
    """The partitioned run sums the same inputs in another order: voltages agree to rounding
    (1e-12) until a neuron sits on the threshold to rounding and the spike trains part."""
    differ = np.nonzero((s1 != s2).any(axis=1))[0]
    until = differ[0] if differ.size else len(s1)
    np.testing.assert_array_equal(s2[:until], s1[:until])
    np.testing.assert_allclose(v2[:until], v1[:until], rtol=0, atol=1e-12)
    assert until >= 40 and (s1 != s2).mean() < 1e-3


def test_partitioned_network_gives_the_same_trajectory():
    net1, sg1, v1, s1 = _run(False)
    net2, sg2, v2, s2 = _run(True)
    assert s1.sum() > 100
    assert len(sg2.partitioned_into) == 9 and sg2 not in net2.SynapseGroups
    assert net2.SynapseGroups == sg2.partitioned_into
    g = net2["g", 0]
    assert g.afferent_synapses["GLUT"] == sg2.partitioned_into
    assert all("partitioned" in p.tags for p in sg2.partitioned_into)
    _same_up_to_rounding(v1, s1, v2, s2)
    # every enabled synapse is in exactly one part
    assert sum(int(p.enabled.sum()) for p in sg2.partitioned_into) == int(sg1.enabled.sum())
    memory = sum(p.W.nbytes for p in sg2.partitioned_into)
    assert memory * 3 < sg1.W.nbytes


def test_partition_of_an_initialized_network_slices_existing_weights():
    _, _, v1, s1 = _run(False, late=True)
    net2, sg2, v2, s2 = _run(True, late=True)
    matrix_class = EventMatrix if net2.backend == "numpy" else synapse_tensor_class()
    assert all(type(p.W) is matrix_class for p in sg2.partitioned_into)
    np.testing.assert_array_equal(s2, s1)
    np.testing.assert_allclose(v2, v1, rtol=0, atol=1e-12)


@pytest.mark.numpy_only  # runs both backends itself
def test_partitioned_network_is_identical_on_numpy_and_torch():
    """Same seed, same draws: the partitioned torch network spikes exactly as the numpy one."""
    pytest.importorskip("torch")
    _, sg_np, v_np, s_np = _run(True, backend="numpy")
    _, sg_t, v_t, s_t = _run(True, backend="torch")
    assert s_np.sum() > 100 and len(sg_t.partitioned_into) == len(sg_np.partitioned_into) == 9
    assert all(type(p.W) is synapse_tensor_class() for p in sg_t.partitioned_into)
    for p_np, p_t in zip(sg_np.partitioned_into, sg_t.partitioned_into):
        np.testing.assert_array_equal(p_t.dst.id, p_np.dst.id)
        np.testing.assert_array_equal(to_numpy(p_t.enabled), p_np.enabled)
    _same_up_to_rounding(v_np, s_np, v_t, s_t)


def test_partition_explicit_split_and_copied_behaviours():
    class Marker(Behaviour):
        def set_variables(self, s):
            s.marked = s.dst.size

    net, g = _grid(12, 12)
    sg = SynapseGroup(net, g, g, tag="X", behaviour={1: Box_Receptive_Fields(range=1), 2: Partition(
        split_size=[2, 3, 1]), 3: Marker()})
    parts = sg.partitioned_into
    assert len(parts) == 6
    net.initialize()
    assert sorted(p.marked for p in parts) == [24] * 6
    assert all(isinstance(p.behaviour[3], Marker) and p.behaviour[3] is not sg.behaviour[3] for p in parts)


@pytest.mark.filterwarnings("ignore:.*grid_to_grid.*:UserWarning")
def test_partition_small_group_or_no_receptive_field_does_nothing():
    net, g = _grid(6, 6)
    sg = SynapseGroup(net, g, g, behaviour={1: Box_Receptive_Fields(range=1), 2: Partition()})
    assert sg in net.SynapseGroups and not hasattr(sg, "partitioned_into")
    net, g = _grid(30, 30)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sg = SynapseGroup(net, g, g, behaviour={1: Partition()})
    assert any("no receptive field" in str(w.message) for w in caught)
    assert sg in net.SynapseGroups
    with pytest.raises(ValueError, match="split_size"):
        SynapseGroup(net, g, g, behaviour={1: Box_Receptive_Fields(range=1), 2: Partition(split_size=[2, 2])})


class _SparseLeaky(_Leaky):
    def set_variables(self, n):
        n.voltage = n.get_neuron_vec()
        n.spike = n.get_neuron_vec(bool)
        for s in n.afferent_synapses["GLUT"]:
            s.W = SparseSynapseMatrix(s.enabled.toarray() * 0.05)


@pytest.mark.numpy_only  # sparse=True
def test_sparse_group_partitions_into_sparse_parts_with_same_trajectory():
    spikes = []
    for part in (False, True):
        net = Network(seed=4)
        g = NeuronGroup(net, NeuronDimension(width=24, height=21), behaviour={1: _SparseLeaky()})
        beh = {1: Circle_Receptive_Fields(radius=3), 2: Partition()} if part else {
            1: Circle_Receptive_Fields(radius=3)}
        SynapseGroup(net, g, g, tag="GLUT", behaviour=beh, sparse=True)
        net.initialize()
        assert all(isinstance(s.enabled, SparseSynapseMatrix) for s in net.SynapseGroups)
        S = []
        for _ in range(100):
            net.simulate_iteration()
            S.append(g.spike.copy())
        spikes.append(np.array(S))
    assert len(net.SynapseGroups) == 9 and spikes[0].sum() > 100
    np.testing.assert_array_equal(spikes[0], spikes[1])


def test_parts_keep_their_own_framework_attributes():
    net, g = _grid(24, 24)
    sg = SynapseGroup(net, g, g, tag="X", behaviour={1: Box_Receptive_Fields(range=1), 2: Partition()})
    sg.custom = "shared"
    parts = sg.partitioned_into
    assert len({id(p.automatic_tags) for p in parts}) == len(parts)
    assert all(p._tag_cache is not sg._tag_cache for p in parts)
    assert all(p.src.size < g.size and p.dst.size < g.size for p in parts)
    assert net["X"] == parts


def test_subgroup_reads_and_writes_the_backends_arrays():
    """Partition's parts see NeuronSubGroups: reads and writes go through on numpy and torch."""
    net = Network(seed=0)
    ng = NeuronGroup(net, 6)
    ng.v = ng.get_neuron_vec("zeros") + net.array_backend.from_numpy(np.arange(6.0))
    ng.buffer = ng.get_neuron_vec_buffer(2)
    sub = ng.subGroup(np.array([0, 1, 0, 1, 0, 1], dtype=bool))
    assert type(sub.v) is type(ng.v)
    np.testing.assert_array_equal(to_numpy(sub.v), [1, 3, 5])
    sub.v += 10
    np.testing.assert_array_equal(to_numpy(ng.v), [0, 11, 2, 13, 4, 15])
    sub.v = np.array([True, False, True])  # cast to the vector's dtype, as numpy does
    np.testing.assert_array_equal(to_numpy(ng.v), [0, 1, 2, 0, 4, 1])
    sub.v = 0
    np.testing.assert_array_equal(to_numpy(ng.v), [0, 0, 2, 0, 4, 0])
    assert tuple(sub.buffer.shape) == (2, 3)
