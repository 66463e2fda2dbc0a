"""threads= on the numba target: the same spikes as one thread and as numpy."""
import numpy as np
import pytest

numba = pytest.importorskip("numba")


@pytest.mark.slow
@pytest.mark.parametrize("builder_name", ["cuba_network", "coba_network"])
def test_two_threads_give_the_same_spikes(monkeypatch, builder_name):
    from monnto.models import cuba_coba
    from monnto.targets import numba_kernels, python_steps, runner_for

    monkeypatch.setattr(numba_kernels, "PARALLEL_MIN", 64)  # small groups take the threaded path too
    builder = getattr(cuba_coba, builder_name)
    one = builder(n_exc=400, n_inh=100, target="numba", threads=1)
    two = builder(n_exc=400, n_inh=100, target="numba", threads=2)
    assert python_steps(two) == []
    assert "PARALLEL_MIN = 64" in _plan_source(runner_for(two))
    one.simulate_iterations(1500)
    two.simulate_iterations(1500)
    for tag in ("exc", "inh"):
        a, b = one[f"{tag}_spikes", 0]["n.spike"], two[f"{tag}_spikes", 0]["n.spike"]
        assert len(a) > 50
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(one.exc.v, two.exc.v)


def _plan_source(runner):
    import inspect
    import sys

    return inspect.getsource(sys.modules[runner._plan[0].function.__module__])


def test_small_groups_stay_on_one_thread():
    from monnto.targets.numba_kernels import PARALLEL_MIN, _chunks

    assert _chunks(PARALLEL_MIN - 1, 2) == 1
    assert _chunks(PARALLEL_MIN, 2) == 2
    assert _chunks(10 ** 6, 1) == 1
