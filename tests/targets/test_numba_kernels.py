"""Single compiled numba kernels against the numpy arithmetic they replace."""
import math

import numpy as np
import pytest

pytest.importorskip("numba")
from monnto.targets.random_streams import (  # noqa: E402
    POISSON_FAST,
    exp_neg,
    poisson_cdf_table,
    poisson_counts,
    poisson_inversion,
    stream_key,
)


@pytest.fixture(scope="module")
def nk(tmp_path_factory):
    """The kernels compiled as the numba target compiles them (a generated module without segments)."""
    import os

    from monnto.targets import cache
    from monnto.targets.numba_target import module_source

    folder = tmp_path_factory.mktemp("kernels-cache")
    os.chmod(folder, 0o700)
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    try:
        yield cache.load_generated_module(module_source([], parallel=False), "numba")
    finally:
        if old is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = old


@pytest.mark.parametrize("lam", [0.0, 1e-3, 0.4, 3.0, 50.0, 500.0])
def test_poisson_cdf_table_counts_equal_inversion(lam):
    e = exp_neg(lam)
    table = poisson_cdf_table(lam, e)
    assert table.shape[0] >= POISSON_FAST and np.all(np.diff(table) >= 0)
    rng = np.random.default_rng(0)
    # random draws and draws exactly at, just below and just above every sum
    u = np.concatenate([rng.random(2000), table[table < 1], np.nextafter(table[table < 1], 0),
                        np.nextafter(table[table < 1], 1)])
    u = u[(u >= 0) & (u < 1)]
    by_table = np.count_nonzero(table[None, :] < u[:, None], axis=1)
    by_inversion = np.array([poisson_inversion(float(x), lam, e) for x in u])
    np.testing.assert_array_equal(by_table, by_inversion)


@pytest.mark.parametrize("lam", [0.4, 7.0])
def test_poisson_table_kernel_matches_poisson_counts(nk, lam):
    key = stream_key(3, "test")
    n, first, it = 300, 17, 42
    target = np.full(n, 0.5)
    counts = np.zeros(n, dtype=np.int64)
    nk.poisson_table_kernel(it, target, key, first, poisson_cdf_table(lam, exp_neg(lam)), 0.25, counts)
    expect = poisson_counts(key, it, first, n, lam, exp_neg(lam))
    np.testing.assert_array_equal(counts, expect)
    np.testing.assert_array_equal(target, 0.5 + 0.25 * expect)
    assert counts.max() > POISSON_FAST or lam < 1  # the second pass ran for the large mean


def test_spiking_finds_every_flag_of_any_length(nk):
    rng = np.random.default_rng(1)
    for n in (0, 1, 7, 8, 9, 63, 64, 1001):
        row = rng.random(n) < 0.1
        out = np.zeros(n, dtype=np.int64)
        k = nk._spiking(row, out)
        np.testing.assert_array_equal(out[:k], np.flatnonzero(row))


def _ulp_error(x, y):
    """|y - exp(x)| in units in the last place of exp(x), exp in extended precision (x86's 80-bit)."""
    exact = np.exp(x.astype(np.longdouble))
    ulp = np.spacing(np.abs(exact.astype(np.float64))).astype(np.longdouble)
    return np.abs((y.astype(np.longdouble) - exact) / ulp).astype(np.float64)


@pytest.mark.skipif(np.finfo(np.longdouble).eps >= np.finfo(np.float64).eps, reason="no extended precision")
@pytest.mark.parametrize("lo, hi", [(-1e-3, 0.0), (-0.5, 0.5), (-30.0, 0.0), (-745.0, 709.7)])
def test_vector_exp_is_within_one_ulp(nk, lo, hi):
    x = np.random.default_rng(11).uniform(lo, hi, 400_000)
    y = x.copy()
    nk._exp_pass(y, np.empty_like(y))
    normal = np.abs(np.exp(x)) >= np.finfo(np.float64).tiny  # subnormal results: absolute error below 1 ulp too
    assert _ulp_error(x[normal], y[normal]).max() < 1.0
    assert np.all(np.abs(y[~normal] - np.exp(x[~normal])) <= np.finfo(np.float64).smallest_subnormal)


def test_vector_exp_special_values_and_uncompiled_form(nk):
    from monnto.targets.numba_kernels import _exp_pass

    x = np.array([0.0, -0.0, 1.0, -1.0, math.log(2.0), -745.3, -800.0, 709.78, 709.8, 1e3,
                  np.inf, -np.inf, np.nan, -708.5, -740.0])
    y = x.copy()
    nk._exp_pass(y, np.empty_like(y))
    assert y[0] == 1.0 and y[1] == 1.0  # exp(0) exactly
    assert y[5] == 0.0 and y[6] == 0.0 and y[11] == 0.0
    assert np.isinf(y[8]) and np.isinf(y[9]) and np.isinf(y[10]) and np.isnan(y[12])
    with np.errstate(over="ignore"):
        finite = np.isfinite(np.exp(x)) & (np.exp(x) >= np.finfo(np.float64).tiny)
    assert _ulp_error(x[finite], y[finite]).max() < 1.0
    assert 0 < y[14] <= np.finfo(np.float64).tiny  # a subnormal result
    plain = x.copy()  # the kernel's source runs as Python too (without fused multiply-adds): same bound
    _exp_pass(plain, np.empty_like(plain))
    assert _ulp_error(x[finite], plain[finite]).max() < 1.0
    np.testing.assert_array_equal(np.isnan(plain), np.isnan(y))
    np.testing.assert_array_equal(plain[~np.isnan(y) & ~finite], y[~np.isnan(y) & ~finite])


def test_lif_kernel_equals_lif_step(nk):
    from types import SimpleNamespace

    from monnto.behaviours.neurons.lif import lif_step

    rng = np.random.default_rng(2)
    n, dt = 500, 1e-4
    p = SimpleNamespace(tau_m=0.02, v_rest=-0.049, r_m=1.0, I_bias=0.0, v_th=-0.05, v_reset=-0.06,
                        t_ref=0.005, method="exact")
    v = rng.uniform(-0.06, -0.0499, n)
    refr = np.where(rng.random(n) < 0.2, rng.uniform(0, 3 * dt, n), 0.0)
    i_in = rng.normal(0, 1e-3, n)
    v_ref, spikes_ref, refr_ref, off_ref = lif_step(v.copy(), i_in.copy(), refr.copy(), p, dt, np)
    spike, offset, i_total = np.zeros(n, bool), np.zeros(n), np.zeros(n)
    vk, rk, ik = v.copy(), refr.copy(), i_in.copy()
    spiked, meta = np.full(n, -1, np.int64), np.full(2, -1, np.int64)
    nk.lif_kernel(7, 1, vk, ik, rk, spike, offset, i_total, np.zeros(n, bool), p.v_rest, p.r_m, p.I_bias,
                  1.0 / p.tau_m, math.exp(-dt * (1.0 / p.tau_m)), p.v_th, p.v_reset, p.t_ref, dt, np.zeros(n, np.int64),
                  spiked, meta, np.array([10, 3, 0, 0], np.int64))
    assert spikes_ref.any() and (refr > 0).any()
    np.testing.assert_array_equal(spike, spikes_ref)
    # the spiking neurons, listed for the group's readers and stamped (step 7, position 3 of 10)
    np.testing.assert_array_equal(spiked[:meta[1]], np.flatnonzero(spikes_ref))
    assert meta[0] == 7 * 10 + 3
    np.testing.assert_allclose(vk, v_ref, rtol=0, atol=1e-15)
    np.testing.assert_allclose(rk, refr_ref, rtol=0, atol=1e-18)
    np.testing.assert_allclose(offset, off_ref, rtol=0, atol=1e-18)
    assert not ik.any()


@pytest.mark.parametrize("threads", [1, 2])
def test_conductance_lif_kernel_equals_conductance_lif_step(nk, threads):
    """The four passes (drive, exp, free step, crossings) give the model's numbers; threads=2 cuts chunks."""
    from monnto.behaviours.neurons.lif import ConductanceLIFParams, conductance_factors, conductance_lif_step

    rng = np.random.default_rng(3)
    n, dt = nk.PARALLEL_MIN + 2001, 1e-4  # threads=2: two chunks of whole flag words, an odd tail
    p = ConductanceLIFParams()
    v = rng.uniform(-0.06, -0.0499, n)
    g_e, g_i = rng.uniform(0, 60e-9, n), rng.uniform(0, 60e-9, n)
    refr = np.where(rng.random(n) < 0.2, rng.uniform(0, 3 * dt, n), 0.0)
    i_in = rng.normal(0, 1e-10, n)
    ref = conductance_lif_step(v.copy(), g_e.copy(), g_i.copy(), i_in.copy(), refr.copy(), p, dt, np)
    factors = conductance_factors(v, p, dt, np)
    vk, gek, gik, rk, ik = v.copy(), g_e.copy(), g_i.copy(), refr.copy(), i_in.copy()
    spike, offset, i_total = np.zeros(n, bool), np.zeros(n), np.zeros(n)
    nk.conductance_lif_kernel(
        1, threads, vk, gek, gik, ik, rk, spike, offset, i_total, *factors[:4], p.g_l, p.e_l, p.e_e, p.e_i,
        factors[4], p.I_bias, p.v_th, p.v_reset, p.t_ref, dt, *(np.zeros(n) for _ in range(4)))
    v_ref, ge_ref, gi_ref, spikes_ref, refr_ref, off_ref = ref
    assert spikes_ref.any() and (refr > 0).any()
    np.testing.assert_array_equal(spike, spikes_ref)
    np.testing.assert_allclose(vk, v_ref, rtol=1e-13, atol=0)  # numpy's exp may differ from libm's in the last bit
    np.testing.assert_array_equal(gek, ge_ref)
    np.testing.assert_array_equal(gik, gi_ref)
    np.testing.assert_allclose(rk, refr_ref, rtol=0, atol=1e-18)
    np.testing.assert_allclose(offset, off_ref, rtol=0, atol=1e-16)
    np.testing.assert_array_equal(i_total, i_in + p.I_bias)
    assert not ik.any()
