"""The model library's builders check their arguments before building anything."""
from __future__ import annotations

import math

import numpy as np
import pytest

import monnto.models as models
from monnto import MonntoError

BUILDERS = ["basic_network", "extended_network", "cuba_network", "coba_network", "brunel_network",
            "brunel_hakim_network", "sorn_network", "hopfield_network", "synfire_network",
            "izhikevich_network"]


@pytest.mark.parametrize(("builder", "kwargs", "message"), [
    ("cuba_network", {"n_exc": "big"}, r"cuba_network: n_exc must be an int, got 'big'"),
    ("cuba_network", {"p": 1.5}, r"cuba_network: p must be a probability in \[0, 1\], got 1.5"),
    ("cuba_network", {"dt": "0.1*ms"}, r"cuba_network: dt must be a finite number, got '0.1\*ms' "
                                       r"\(builder arguments are numbers in SI units"),
    ("cuba_network", {"w_exc": math.nan}, r"cuba_network: w_exc must be a finite number, got nan"),
    ("cuba_network", {"n_exci": 100}, r"cuba_network: unknown argument 'n_exci'; did you mean 'n_exc'\?"),
    ("coba_network", {"kick": -1.0}, r"coba_network: kick must be >= 0, got -1.0"),
    ("brunel_network", {"g": "x"}, r"brunel_network: g must be a finite number or None, got 'x'$"),
    ("brunel_network", {"epsilon": 2.0}, r"brunel_network: epsilon must be a probability"),
    ("hopfield_network", {"size": -1}, r"hopfield_network: size must be > 0, got -1"),
    ("izhikevich_network", {"n_exc": 1.5}, r"izhikevich_network: n_exc must be an int, got 1.5"),
    ("synfire_network", {"n_layers": 0}, r"synfire_network: n_layers must be > 0, got 0"),
    ("sorn_network", {"record": "yes"}, r"sorn_network: record must be True or False, got 'yes'"),
    ("basic_network", {"seed": 1.5}, r"basic_network: seed must be an int or None, got 1.5"),
])
def test_bad_builder_arguments_name_builder_argument_and_value(builder, kwargs, message):
    with pytest.raises(MonntoError, match=message):
        getattr(models, builder)(**kwargs)


@pytest.mark.parametrize("builder", BUILDERS)
def test_every_builder_is_checked_and_keeps_its_signature(builder):
    import inspect

    fn = getattr(models, builder)
    assert hasattr(fn, "__wrapped__"), f"{builder} has no argument checks"
    assert list(inspect.signature(fn).parameters) == list(inspect.signature(fn.__wrapped__).parameters)
    with pytest.raises(MonntoError, match=rf"{builder}: unknown argument 'no_such_argument'"):
        fn(no_such_argument=1)


@pytest.mark.parametrize("builder", BUILDERS)
def test_every_builder_takes_the_compiled_target(builder):
    import inspect

    params = inspect.signature(getattr(models, builder)).parameters
    assert params["target"].default is None and params["threads"].default == 1
    with pytest.raises(MonntoError, match=rf"{builder}: threads must be an int, got 'two'"):
        getattr(models, builder)(threads="two")


@pytest.mark.numpy_only
def test_a_builder_passes_its_target_to_the_network():
    pytest.importorskip("numba")
    from monnto.targets import python_steps

    net = models.brunel_hakim_network(n=100, c=20, target="numba")
    assert net.target == "numba" and python_steps(net) == []
    ref = models.brunel_hakim_network(n=100, c=20, target="numpy")
    assert ref.target == "numpy"
    net.simulate_iterations(500, progress=False)
    ref.simulate_iterations(500, progress=False)
    assert len(ref["inh_spikes", 0]["n.spike"]) > 0
    np.testing.assert_array_equal(net["inh_spikes", 0]["n.spike"], ref["inh_spikes", 0]["n.spike"])
