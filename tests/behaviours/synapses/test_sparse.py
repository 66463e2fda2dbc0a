"""Sparse synapse matrices: event products, builders, and dense/sparse equivalence."""
import numpy as np
import pytest
import scipy.sparse as sp

from monnto.behaviours.plasticity._sparse import is_csr
from monnto.behaviours.synapses import (
    SparseSynapseMatrix,
    as_synapse_matrix,
    distance_dependent,
    fixed_indegree,
    fixed_probability,
)
from monnto.core import Behaviour, Network, NeuronDimension, NeuronGroup, SynapseGroup
from monnto.core import sparse_matrix as smod

pytestmark = pytest.mark.numpy_only  # CSR SparseSynapseMatrix / sparse=True are numpy-only by design


def _group_pair(seed=1, n_src=40, n_dst=30, sparse=True):
    net = Network(seed=seed)
    a = NeuronGroup(net, n_src)
    b = NeuronGroup(net, n_dst)
    return net, SynapseGroup(net, a, b, sparse=sparse)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rate", [0.0, 0.05, 0.5, 1.0])
def test_sparse_event_product_equals_dense(rng, dtype, rate):
    A = sp.random_array((50, 70), density=0.1, rng=rng, dtype=dtype)
    W = SparseSynapseMatrix(A)
    spikes = rng.random(70) < rate
    expected = A.toarray() @ spikes
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for got in (W.dot(spikes), W @ spikes):
        assert type(got) is np.ndarray and got.shape == (50,) and got.dtype == dtype
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)
    v = rng.random(70)
    np.testing.assert_allclose(W.dot(v), A.toarray() @ v, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1.0, -0.37])
def test_add_event_product_adds_one_synapse_at_a_time_in_source_then_row_order(rng, dtype, scale):
    A = sp.random_array((30, 60), density=0.3, rng=rng, dtype=dtype)  # rows reached by several sources
    W = SparseSynapseMatrix(A)
    spikes = rng.random(60) < 0.4
    start = rng.random(30).astype(dtype)
    expected = start.copy()
    C = A.tocsc()
    C.sort_indices()
    for j in np.flatnonzero(spikes):  # the order the compiled kernel adds in
        for q in range(C.indptr[j], C.indptr[j + 1]):
            expected[C.indices[q]] += dtype(scale) * C.data[q]
    target = start.copy()
    assert W.add_event_product(target, spikes, scale)
    assert target.dtype == dtype
    np.testing.assert_array_equal(target, expected)  # bit for bit
    np.testing.assert_allclose(target, start + dtype(scale) * (A.toarray() @ spikes), rtol=1e-5)
    untouched = start.copy()
    assert W.add_event_product(untouched, np.zeros(60, bool), scale)
    np.testing.assert_array_equal(untouched, start)
    assert not W.add_event_product(start.copy(), spikes.astype(float))  # not boolean spikes: not applicable
    assert not W.add_event_product(np.zeros(29, dtype), spikes)  # wrong target length: not applicable
    with pytest.raises(ValueError, match="length 59, expected 60"):
        W.add_event_product(start.copy(), spikes[:59])


def test_in_place_data_changes_and_structure_changes_are_seen(rng):
    W = SparseSynapseMatrix(sp.random_array((20, 25), density=0.2, rng=rng))
    spikes = rng.random(25) < 0.3
    W.dot(spikes)  # builds the column index
    W.data *= 2.0
    np.testing.assert_allclose(W.dot(spikes), W.toarray() @ spikes, rtol=1e-13)
    W2 = W * 0.5  # new object, same class
    assert isinstance(W2, SparseSynapseMatrix)
    np.testing.assert_allclose(W2.dot(spikes), W.toarray() @ spikes * 0.5, rtol=1e-13)
    W.data[W.data < 0.5] = 0.0
    W.eliminate_zeros()  # new structure
    np.testing.assert_allclose(W.dot(spikes), W.toarray() @ spikes, rtol=1e-13)
    assert is_csr(W)  # the plasticity rules treat it as CSR


def test_wrong_spike_length_is_an_error(rng):
    W = SparseSynapseMatrix(sp.random_array((4, 5), density=0.5, rng=rng))
    with pytest.raises(ValueError, match="length 3, expected 5"):
        W.dot(np.zeros(3, bool))


def test_sparse_from_init_draws_like_dense():
    net_d, dense = _group_pair(seed=9, sparse=False)
    net_s, sparse = _group_pair(seed=9, sparse=True)
    Wd = dense.get_synapse_mat("uniform(0,10)", density=0.1)
    Ws = sparse.get_synapse_mat("uniform(0,10)", density=0.1)
    assert isinstance(Ws, SparseSynapseMatrix)
    np.testing.assert_array_equal(Ws.toarray(), Wd)
    assert Ws.nnz == np.count_nonzero(Wd)
    # the generators are left in the same state
    assert net_d.rng.random() == net_s.rng.random()


def test_zero_weights_keep_their_structure():
    _, sg = _group_pair(seed=2)
    W = sg.get_synapse_mat("zeros", density=0.2)
    assert W.nnz > 0 and np.all(W.data == 0)


def test_large_sparse_never_goes_dense(monkeypatch):
    monkeypatch.setattr(smod, "EXACT_DRAW_LIMIT", 100)
    _, sg = _group_pair(seed=3, n_src=400, n_dst=300)
    W = sg.get_synapse_mat("uniform(1,2)", density=0.05)
    per_row = np.diff(W.indptr)
    assert per_row.mean() == pytest.approx(20, rel=0.1)
    assert np.all((W.data >= 1) & (W.data < 2))
    for r in range(W.shape[0]):  # distinct, sorted sources per row
        cols = W.indices[W.indptr[r]:W.indptr[r + 1]]
        assert np.all(np.diff(cols) > 0)
    with pytest.raises(ValueError, match="needs density="):
        sg.get_synapse_mat("uniform(1,2)")


def test_fixed_indegree_exact_and_without_autapses():
    net = Network(seed=5)
    g = NeuronGroup(net, 50)
    sg = SynapseGroup(net, g, g, sparse=True)
    W = fixed_indegree(sg, 7, weights="uniform(0,1)", autapses=False)
    assert W.shape == (50, 50)
    np.testing.assert_array_equal(np.diff(W.indptr), 7)
    assert np.all(W.toarray().diagonal() == 0)
    dense = W.toarray() != 0
    assert np.all(dense.sum(axis=1) == 7)
    with pytest.raises(ValueError, match="k must be an int"):
        fixed_indegree(sg, 50, autapses=False)


@pytest.mark.parametrize("k, autapses", [(50, True), (49, False), (30, True)])
def test_fixed_indegree_near_all_to_all_is_exact_and_fast(k, autapses):
    net = Network(seed=5)
    g = NeuronGroup(net, 50)
    sg = SynapseGroup(net, g, g, sparse=True)
    W = fixed_indegree(sg, k, autapses=autapses)  # the permutation path: no retry loop
    dense = W.toarray() != 0
    assert np.all(dense.sum(axis=1) == k)
    if not autapses:
        assert not dense.diagonal().any()
    for r in range(50):  # sorted, distinct sources per row (CSR layout)
        assert np.all(np.diff(W.indices[W.indptr[r]:W.indptr[r + 1]]) > 0)


def test_fixed_probability_mean_count():
    net = Network(seed=6)
    sg = SynapseGroup(net, NeuronGroup(net, 1000), NeuronGroup(net, 200), sparse=True)
    W = fixed_probability(sg, 0.02, weights=0.5)
    # 200 rows x Binomial(1000, 0.02): mean 20 per row, sd of the mean 0.31
    assert abs(W.nnz / 200 - 20) < 1.5
    assert np.all(W.data == 0.5)


def test_distance_dependent_matches_dense_distances():
    net = Network(seed=7)
    g = NeuronGroup(net, NeuronDimension(width=12, height=10))
    sg = SynapseGroup(net, g, g, sparse=True)
    W = distance_dependent(sg, max_distance=2.0, weights=1.0, autapses=False)
    dx = g.x[:, None] - g.x[None, :]
    dy = g.y[:, None] - g.y[None, :]
    expected = (dx**2 + dy**2 <= 4.0) & ~np.eye(120, dtype=bool)
    np.testing.assert_array_equal(W.toarray() != 0, expected)
    half = distance_dependent(sg, max_distance=2.0, probability=lambda d: np.where(d <= 1, 1.0, 0.0))
    np.testing.assert_array_equal(half.toarray() != 0, dx**2 + dy**2 <= 1.0)


def test_distance_dependent_needs_positions():
    net = Network(seed=7)
    g = NeuronGroup(net, 10)
    with pytest.raises(ValueError, match="NeuronDimension"):
        distance_dependent(SynapseGroup(net, g, g), 1.0)


def test_wrong_shape_is_an_error():
    _, sg = _group_pair()
    with pytest.raises(ValueError, match=r"shape \(40, 30\), expected \(30, 40\)"):
        as_synapse_matrix(sp.random_array((40, 30), density=0.1), sg)
    assert as_synapse_matrix(np.ones((30, 40)), sg).nnz == 1200


class _Threshold(Behaviour):
    """Code blocks 2-3 on one group: leak, reset, 1% noise, recurrent input."""

    def set_variables(self, n):
        n.voltage = n.get_neuron_vec()
        n.spike = n.get_neuron_vec(bool)
        for s in n.afferent_synapses["GLUTAMATE"]:
            s.W = s.get_synapse_mat("uniform(0,10)", density=0.1)
            s.enabled = s.W > 0

    def new_iteration(self, n):
        n.spike = n.voltage > 0.5
        n.voltage[n.spike] = 0.0
        n.voltage *= 0.9
        n.voltage += n.get_neuron_vec("uniform", density=0.01)
        for s in n.afferent_synapses["GLUTAMATE"]:
            n.voltage += s.W.dot(s.src.spike) / s.src.size


def _trajectory(sparse, steps=200):
    net = Network(seed=11)
    g = NeuronGroup(net, 400, behaviour={1: _Threshold()})
    SynapseGroup(net, g, g, tag="GLUTAMATE", sparse=sparse)
    net.initialize()
    V, S = [], []
    for _ in range(steps):
        net.simulate_iteration()
        V.append(g.voltage.copy())
        S.append(g.spike.copy())
    return np.array(V), np.array(S)


def test_sparse_and_dense_groups_give_identical_trajectories():
    v_dense, s_dense = _trajectory(False)
    v_sparse, s_sparse = _trajectory(True)
    assert s_dense.sum() > 50  # the network is active
    np.testing.assert_array_equal(s_sparse, s_dense)
    np.testing.assert_allclose(v_sparse, v_dense, rtol=0, atol=1e-12)


def test_column_ordered_copy_is_never_stale(rng):
    W = SparseSynapseMatrix(sp.random_array((40, 50), density=0.3, rng=rng))
    spikes = rng.random(50) < 0.5
    for _ in range(20):  # enough products for the copy to be made
        W.dot(spikes)
    assert W._csc_data is not None
    W.data[::3] *= -2.0  # through the property: marks the copy out of date
    np.testing.assert_allclose(W.dot(spikes), W.toarray() @ spikes, rtol=1e-13)
    for _ in range(20):
        W.dot(spikes)
    held = W.data
    for _ in range(20):
        W.dot(spikes)
    held += 1.0  # a reference kept from before: needs weights_changed()
    W.weights_changed()
    np.testing.assert_allclose(W.dot(spikes), W.toarray() @ spikes, rtol=1e-13)
    r, c = W.nonzero()
    W[r[5], c[5]] = 9.0  # scipy item assignment reaches the weights through W.data too
    np.testing.assert_allclose(W.dot(spikes), W.toarray() @ spikes, rtol=1e-13)


def test_sparse_pickle_and_copy(rng):
    import pickle

    W = SparseSynapseMatrix(sp.random_array((10, 12), density=0.3, rng=rng))
    spikes = rng.random(12) < 0.5
    W.dot(spikes)
    for c in (pickle.loads(pickle.dumps(W)), W.copy()):
        assert isinstance(c, SparseSynapseMatrix)
        np.testing.assert_allclose(c.dot(spikes), W.toarray() @ spikes, rtol=1e-13)


def test_plasticity_and_normalization_work_on_sparse_and_dense_alike():
    """The library's STDP and normalization change a sparse W exactly as the dense one."""
    from monnto.behaviours.plasticity.normalization import normalize_synapses
    from monnto.behaviours.plasticity.stdp import STDPParams, pair_stdp_step

    net_d, dense = _group_pair(seed=21, sparse=False)
    net_s, sparse = _group_pair(seed=21, sparse=True)
    Wd = dense.get_synapse_mat("uniform(0,1)", density=0.3)
    Ws = sparse.get_synapse_mat("uniform(0,1)", density=0.3)
    mask = Wd > 0
    p = STDPParams(a_plus=0.05, a_minus=0.04)
    rng = np.random.default_rng(2)
    xd, yd = np.zeros(40), np.zeros(30)
    xs, ys = np.zeros(40), np.zeros(30)
    for _ in range(30):
        pre, post = rng.random(40) < 0.2, rng.random(30) < 0.2
        Wd, xd, yd = pair_stdp_step(Wd, pre, post, xd, yd, p, 1e-3, mask=mask)
        Ws, xs, ys = pair_stdp_step(Ws, pre, post, xs, ys, p, 1e-3)
        normalize_synapses([Wd], 2.0)
        normalize_synapses([Ws], 2.0)
        np.testing.assert_allclose(Ws.dot(pre), np.asarray(Wd).dot(pre), rtol=1e-10, atol=1e-12)
    assert isinstance(Ws, SparseSynapseMatrix)
    np.testing.assert_allclose(Ws.toarray(), Wd, rtol=1e-10, atol=1e-12)


def test_builders_never_allocate_the_dense_matrix():
    """20,000 x 20,000 possible synapses (3.2 GB dense): builders stay far below that."""
    import tracemalloc

    net = Network(seed=8)
    g = NeuronGroup(net, 20_000)
    sg = SynapseGroup(net, g, g, sparse=True)
    tracemalloc.start()
    try:
        W1 = fixed_indegree(sg, 10, weights="uniform(0,1)")
        W2 = fixed_probability(sg, 5e-4, weights=0.1)
        W3 = sg.get_synapse_mat("uniform(0,1)", density=5e-4)
        W1.dot(np.ones(20_000, bool))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert W1.nnz == 200_000 and 150_000 < W2.nnz < 250_000 and 150_000 < W3.nnz < 250_000
    assert peak < 40 * 2**20  # bytes; the dense matrix would be 3.2e9
