"""EventMatrix: event-driven products equal the dense ones; ndarray behaviour pinned."""
import copy
import pickle

import numpy as np
import pytest

from monnto.core import Network, NeuronGroup, SynapseGroup, event_matrix
from monnto.core.event_matrix import EventMatrix, event_product

pytestmark = pytest.mark.numpy_only  # EventMatrix is numpy's synapse matrix (torch has SynapseTensor)


@pytest.fixture(autouse=True)
def gather_even_for_small_matrices(monkeypatch):
    """These tests use small matrices: make them take the gather path too."""
    monkeypatch.setattr(event_matrix, "SMALL_MATRIX", 0)


def test_small_matrices_use_the_dense_product(rng, monkeypatch):
    monkeypatch.setattr(event_matrix, "SMALL_MATRIX", 20_000)
    spikes = np.zeros(100, bool)
    spikes[7] = True
    small, large = EventMatrix(rng.random((100, 100))), EventMatrix(rng.random((100, 300)))
    assert event_product(small, spikes) is None  # 10,000 elements: BLAS
    np.testing.assert_allclose(small.dot(spikes), small[:, 7], rtol=1e-15)
    spikes_large = np.zeros(300, bool)
    spikes_large[7] = True
    np.testing.assert_allclose(event_product(large, spikes_large), large[:, 7], rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rate", [0.0, 0.01, 0.1, 0.5, 1.0])
def test_event_product_equals_dense(rng, dtype, rate):
    W = rng.normal(size=(60, 80)).astype(dtype)
    E = EventMatrix(W)
    spikes = rng.random(80) < rate
    expected = W.dot(spikes)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for got in (E.dot(spikes), E @ spikes, np.dot(E, spikes)):
        assert type(got) is np.ndarray
        assert got.shape == (60,) and got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


def test_empty_and_all_true_vectors(rng):
    W = rng.random((5, 7))
    E = EventMatrix(W)
    np.testing.assert_array_equal(E.dot(np.zeros(7, bool)), np.zeros(5))
    np.testing.assert_allclose(E.dot(np.ones(7, bool)), W.sum(axis=1), rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_vectors_keep_ordinary_product(rng, dtype):
    W = rng.random((30, 40)).astype(dtype)
    E = EventMatrix(W)
    v = rng.random(40).astype(dtype)
    tol = 1e-6 if dtype == np.float32 else 1e-14  # same product, other summation order
    np.testing.assert_allclose(E.dot(v), W.dot(v), rtol=tol)
    np.testing.assert_allclose(E @ v, W @ v, rtol=tol)
    M = rng.random((40, 3))
    np.testing.assert_allclose(E @ M, W @ M)


def test_gather_is_used_for_few_spikes(rng):
    E = EventMatrix(rng.random((10, 100)))
    spikes = np.zeros(100, bool)
    spikes[[3, 50]] = True
    got = event_product(E, spikes)
    assert got is not None
    np.testing.assert_allclose(got, E[:, 3] + E[:, 50], rtol=1e-15)
    assert event_product(E, np.ones(100, bool)) is None  # dense product cheaper
    assert event_product(E, np.ones(100)) is None  # not boolean


def test_layout_is_fortran_and_in_place_updates_are_seen(rng):
    E = EventMatrix(rng.random((8, 9)))
    assert E.flags.f_contiguous
    spikes = rng.random(9) < 0.3
    E *= 0.5
    E += 1.0
    E[2, 3] = 7.0
    E[:, 0] = 0.0
    assert type(E) is EventMatrix and E.flags.f_contiguous
    np.testing.assert_allclose(E.dot(spikes), np.asarray(E).dot(spikes), rtol=1e-14)


def test_comparisons_reductions_and_slices_are_plain(rng):
    W = rng.random((6, 5)) - 0.5
    E = EventMatrix(W)
    mask = E > 0
    assert type(mask) is np.ndarray and mask.dtype == bool
    np.testing.assert_array_equal(mask, W > 0)
    for axis in (None, 0, 1):
        s = np.sum(E, axis=axis)
        assert type(s) in (np.ndarray, np.float64)
        np.testing.assert_allclose(s, np.sum(W, axis=axis))
    assert type(E.max()) is np.float64 and E.max() == W.max()
    np.testing.assert_allclose(E.mean(axis=0), W.mean(axis=0))
    row = E[1]
    assert type(row) is np.ndarray
    row[0] = 42.0  # a view: writes reach the matrix
    assert E[1, 0] == 42.0
    assert type(E[:, [0, 2]]) is np.ndarray
    assert type(E[mask]) is np.ndarray
    assert type(E.ravel()) is np.ndarray and type(E.reshape(-1)) is np.ndarray
    assert type(E.astype(bool)) is np.ndarray
    assert type(np.asarray(E)) is np.ndarray and type(np.copy(E)) is np.ndarray


def test_float_elementwise_results_stay_event_matrices(rng):
    E = EventMatrix(rng.random((4, 6)))
    for r in (E * 0.5, E + E, np.clip(E, 0.2, 0.8), E / E.sum(axis=1)[:, None], E.astype(np.float32)):
        assert type(r) is EventMatrix and r.shape == (4, 6)
    assert type(E.T) is EventMatrix and E.T.shape == (6, 4)
    spikes = np.array([True, False, False, True])
    np.testing.assert_allclose(E.T.dot(spikes), np.asarray(E).T.dot(spikes), rtol=1e-14)


def test_pickle_copy_deepcopy_keep_class_and_layout(rng):
    E = EventMatrix(rng.random((5, 3)))
    for c in (pickle.loads(pickle.dumps(E)), E.copy(), copy.copy(E), copy.deepcopy(E)):
        assert type(c) is EventMatrix and c.flags.f_contiguous
        np.testing.assert_array_equal(c, E)
        assert not np.shares_memory(c, E)


def test_rejects_non_matrices():
    with pytest.raises(ValueError, match="2-D"):
        EventMatrix(np.zeros(3))


def test_get_synapse_mat_returns_event_matrix_with_same_draws():
    mats = []
    for _ in range(2):
        net = Network(seed=3)
        a = NeuronGroup(net, 20)
        b = NeuronGroup(net, 30)
        sg = SynapseGroup(net, a, b)
        mats.append(sg.get_synapse_mat("uniform(0,10)", density=0.1))
    assert type(mats[0]) is EventMatrix and mats[0].shape == (30, 20)
    np.testing.assert_array_equal(mats[0], mats[1])
    # the network's keyed draws written out: weights are draw 0 of the group, the density mask draw 1
    from monnto.targets.random_streams import call_key, sample, stream_key

    def draw(count, kind, low, high):
        owner_key = stream_key(3, f"draws|{net._creation_order[id(sg)]}")
        key = call_key(np.array([owner_key], np.uint64), np.array([count], np.uint64))
        return sample(kind, low, high, key, np.array([0], np.uint64), np.arange(600, dtype=np.uint64)).reshape(30, 20)

    plain = draw(0, 1, 0.0, 10.0) * (draw(1, 0, 0.0, 0.0) < 0.1)
    np.testing.assert_array_equal(mats[1], plain)
    assert type(sg.get_synapse_mat(bool)) is np.ndarray


def test_float32_network_matrix(rng):
    net = Network(seed=1, dtype="float32")
    g = NeuronGroup(net, 50)
    W = SynapseGroup(net, g, g).get_synapse_mat("uniform(0,1)")
    assert W.dtype == np.float32
    spikes = rng.random(50) < 0.05
    np.testing.assert_allclose(W.dot(spikes), np.asarray(W).dot(spikes), rtol=1e-5)


def test_torch_backend_gets_tensors_and_sparse_is_refused():
    torch = pytest.importorskip("torch")
    net = Network(seed=1, backend="torch")
    g = NeuronGroup(net, 10)
    sg = SynapseGroup(net, g, g)
    W = sg.get_synapse_mat("uniform(0,1)")
    assert isinstance(W, torch.Tensor) and tuple(W.shape) == (10, 10)
    with pytest.raises(ValueError, match="needs the numpy backend"):
        sg.get_synapse_mat("uniform(0,1)", density=0.1, sparse=True)
    sparse_group = SynapseGroup(net, g, g, sparse=True)
    with pytest.raises(ValueError, match="needs the numpy backend"):
        sparse_group.get_synapse_mat("uniform(0,1)", density=0.1)
