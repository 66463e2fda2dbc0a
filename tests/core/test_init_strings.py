"""The init mini-language (semantics.md, 'Arrays')."""
import numpy as np
import pytest

from monnto import Network, NeuronGroup, SynapseGroup
from monnto.core.init_strings import InitStringError, make_array


def dtype_name(array) -> str:
    """'float64', 'bool', ... for numpy arrays and torch tensors alike."""
    return str(array.dtype).replace("torch.", "")


@pytest.fixture
def groups():
    net = Network(seed=5)
    a = NeuronGroup(net=net, size=40, tag="A")
    b = NeuronGroup(net=net, size=30, tag="B")
    return net, a, b, SynapseGroup(net=net, src=a, dst=b, tag="S")


def test_shapes_and_default_dtype(groups):
    net, a, b, sg = groups
    assert a.get_neuron_vec().shape == (40,) and dtype_name(a.get_neuron_vec()) == "float64"
    assert sg.get_synapse_mat().shape == (30, 40)
    assert not a.get_neuron_vec().any()


def test_float32_network_makes_float32_arrays():
    net = Network(dtype="float32", seed=1)
    ng = NeuronGroup(net=net, size=5)
    for mode in (None, "zeros", "ones", "uniform(0,1)", "poisson(3)", 2.5, "2*normal(0,1)+1"):
        assert dtype_name(ng.get_neuron_vec(mode)) == "float32", mode
    assert dtype_name(ng.get_neuron_vec(bool)) == "bool" and dtype_name(ng.get_neuron_vec("int")) == "int64"


def test_numbers_bool_int_and_named_constants(groups):
    _, a, _, _ = groups
    np.testing.assert_array_equal(a.get_neuron_vec(3), np.full(40, 3.0))
    np.testing.assert_array_equal(a.get_neuron_vec(np.float32(-1.5)), np.full(40, -1.5))
    assert dtype_name(a.get_neuron_vec("bool")) == "bool" and not a.get_neuron_vec(bool).any()
    assert dtype_name(a.get_neuron_vec(int)) == "int64"
    np.testing.assert_array_equal(a.get_neuron_vec("ones()*3"), np.full(40, 3.0))
    np.testing.assert_array_equal(a.get_neuron_vec("ones"), np.ones(40))
    np.testing.assert_array_equal(a.get_neuron_vec("zeros()"), np.zeros(40))
    np.testing.assert_allclose(a.get_neuron_vec("2*pi"), np.full(40, 2 * np.pi))


def test_distributions_use_the_network_generator():
    shape = (20000,)
    for mode, mean, std in [("uniform(0,10)", 5.0, 10 / 12**0.5), ("normal(loc=1, scale=0.1)", 1.0, 0.1),
                            ("lognormal(0,0.5)", np.exp(0.125), None), ("poisson(3)", 3.0, 3**0.5),
                            ("random", 0.5, 1 / 12**0.5), ("rnd", 0.5, None), ("rand", 0.5, None),
                            ("2*normal(0,1)+1", 1.0, 2.0), ("lognormal_real_mean(2, 0.5)", 2.0, None),
                            ("uniform_gap(1, 0.5)", 1.0, 1 / 12**0.5)]:
        x = make_array(mode, shape, np.random.default_rng(0), np.float64)
        assert abs(x.mean() - mean) < 0.03 * max(1, abs(mean)), mode
        if std is not None:
            assert abs(x.std() - std) < 0.03 * std, mode
    a = make_array("normal", (5,), np.random.default_rng(9), np.float64)
    np.testing.assert_array_equal(a, np.random.default_rng(9).normal(size=(5,)))


def test_callable_mode(groups):
    _, a, _, sg = groups
    x = a.get_neuron_vec(lambda shape, rng: np.arange(shape[0]) * 2.0)
    np.testing.assert_array_equal(x, np.arange(40) * 2.0)
    assert sg.get_synapse_mat(lambda shape, rng: rng.random(shape)).shape == (30, 40)


def test_density_scalar_numpy_scalar_and_per_row(groups):
    _, _, _, sg = groups
    for density in (0.25, np.float32(0.25), np.float64(0.25)):
        w = make_array("ones", (400, 400), np.random.default_rng(1), np.float64, density=density)
        assert abs((w > 0).mean() - 0.25) < 0.01, type(density)
    rows = np.linspace(0, 1, 30)
    w = sg.get_synapse_mat("ones", density=rows)
    assert not w[0].any() and w[-1].all()
    assert np.corrcoef(rows, w.mean(axis=1))[0, 1] > 0.9


def test_scale_multiplies(groups):
    _, a, _, _ = groups
    np.testing.assert_array_equal(a.get_neuron_vec("ones", scale=4), np.full(40, 4.0))


def test_invalid_strings_name_the_string_and_the_accepted_forms(groups):
    _, a, _, _ = groups
    with pytest.raises(ValueError, match=r"'unifrom\(0,1\)'.*did you mean 'uniform'.*Accepted forms"):
        a.get_neuron_vec("unifrom(0,1)")
    for bad in ("__import__('os').system('echo hi')", "np.random.normal()", "uniform(0,1)[0]",
                "lambda: 1", "uniform(size=3)", "normal(0,1);plott", "open('x')", "", "'text'"):
        with pytest.raises(InitStringError, match="Accepted forms"):
            a.get_neuron_vec(bad)
    with pytest.raises(InitStringError, match="bad arguments for 'normal'"):
        a.get_neuron_vec("normal(0, 1, 2, 3)")


def test_density_outside_unit_interval_is_an_error(groups):
    _, a, _, sg = groups
    for bad in (-0.1, 1.5, np.float64(2)):
        with pytest.raises(ValueError, match=r"density must be a probability in \[0, 1\]"):
            sg.get_synapse_mat("ones", density=bad)
    with pytest.raises(ValueError, match="one value per row"):
        sg.get_synapse_mat("ones", density=np.ones(7))
    with pytest.raises(ValueError, match=r"'A'.*density"):
        a.get_neuron_vec("ones", density=3)
