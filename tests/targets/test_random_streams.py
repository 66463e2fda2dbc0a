"""Counter-based random streams: statistics, independence of the split, numba equals numpy."""
import math

import numpy as np
import pytest

from monnto.core.errors import MonntoValueError
from monnto.targets import random_streams as rs


def test_uniform_draws_have_uniform_moments():
    u = rs.uniform(rs.stream_key(1, "a"), 7, 0, 200_000)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 4 * math.sqrt(1 / 12 / u.size)
    assert abs(u.var() - 1 / 12) < 0.002


def test_draws_do_not_depend_on_how_neurons_are_split():
    key = rs.stream_key(3, "PoissonInput|1|2")
    whole = rs.uniform(key, 11, 0, 1000)
    parts = np.concatenate([rs.uniform(key, 11, 0, 300), rs.uniform(key, 11, 300, 450),
                            rs.uniform(key, 11, 750, 250)])
    np.testing.assert_array_equal(whole, parts)
    counts = rs.poisson_counts(key, 11, 0, 1000, 2.0, math.exp(-2.0))
    tail = rs.poisson_counts(key, 11, 600, 400, 2.0, math.exp(-2.0))
    np.testing.assert_array_equal(counts[600:], tail)


def test_streams_seeds_and_steps_are_distinct():
    a = rs.uniform(rs.stream_key(0, "x"), 1, 0, 1000)
    assert not np.array_equal(a, rs.uniform(rs.stream_key(0, "y"), 1, 0, 1000))
    assert not np.array_equal(a, rs.uniform(rs.stream_key(1, "x"), 1, 0, 1000))
    assert not np.array_equal(a, rs.uniform(rs.stream_key(0, "x"), 2, 0, 1000))
    assert abs(np.corrcoef(a, rs.uniform(rs.stream_key(0, "x"), 2, 0, 1000))[0, 1]) < 0.1


@pytest.mark.parametrize("lam", [0.04, 0.4, 3.0, 40.0])
def test_poisson_counts_have_poisson_mean_and_variance(lam):
    c = rs.poisson_counts(rs.stream_key(5, "p"), 3, 0, 100_000, lam, math.exp(-lam))
    se = math.sqrt(lam / c.size)
    assert abs(c.mean() - lam) < 5 * se
    assert abs(c.var() / lam - 1) < 0.05


def test_poisson_mean_out_of_range_is_refused():
    with pytest.raises(MonntoValueError, match="rate \\* n_sources \\* dt"):
        rs.check_poisson_mean(1e4, "PoissonInput")


def test_numba_compiles_the_same_functions_to_the_same_numbers():
    numba = pytest.importorskip("numba")
    mix64 = numba.njit(rs.mix64)
    ns = {"mix64": mix64, **{k: getattr(rs, k) for k in ("_G1", "_K256", "_S11", "_UNIT")}}
    import types
    draw = numba.njit(types.FunctionType(rs.draw_bits.__code__, {**rs.__dict__, **ns}))
    unit = numba.njit(rs.bits_to_unit)
    inv = numba.njit(rs.poisson_inversion)
    key = rs.stream_key(9, "z")
    u = rs.uniform(key, 4, 0, 500)
    c = rs.poisson_counts(key, 4, 0, 500, 1.5, math.exp(-1.5))

    @numba.njit
    def one(key, step, i):
        return unit(draw(key, step, np.uint64(i), np.uint64(0)))

    for i in range(500):
        ui = one(key, np.uint64(4), i)
        assert ui == u[i]
        assert inv(ui, 1.5, math.exp(-1.5)) == c[i]
