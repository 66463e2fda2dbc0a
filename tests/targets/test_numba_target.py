"""Network(target='numba'): registry, identical results to numpy, the compiled loop, the cache."""
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from monnto import Behaviour, Network, NeuronGroup
from monnto.core.errors import ConfigurationError, MonntoValueError
from monnto.targets import available_targets, python_steps

numba = pytest.importorskip("numba")

#: numpy's AVX-512 exp/log differ from libm's in the last bit for some arguments;
#: with them switched off, and the numba target's vectorized exp replaced by libm's
#: (numba_kernels.EXP = 'libm'), both targets use libm and every number is the same.
LIBM_ONLY = {"NPY_DISABLE_CPU_FEATURES": "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL"}


def _spikes(net, tag):
    return net[f"{tag}_spikes", 0]["n.spike"]


def _run_pair(builder, steps, **kwargs):
    a = builder(target="numpy", **kwargs)
    b = builder(target="numba", **kwargs)
    assert python_steps(b) == []
    a.simulate_iterations(steps)
    b.simulate_iterations(steps)
    return a, b


# -- registry ---------------------------------------------------------------------
def test_registry_names_targets_and_refuses_unknown_ones():
    assert {"numpy", "numba"} <= set(available_targets())
    with pytest.raises(MonntoValueError, match=r"target must be one of \['numba', 'numpy'\], got 'cuda'"):
        Network(target="cuda")


def test_numba_target_refuses_the_torch_backend():
    pytest.importorskip("torch")
    with pytest.raises(ConfigurationError, match="backend"):
        Network(target="numba", backend="torch")


def test_missing_numba_names_the_extra(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "numba" else real(name, *a))
    with pytest.raises(ConfigurationError, match=r"pip install monnto\[numba\]"):
        Network(target="numba")


@pytest.mark.parametrize("threads", [0, -1, 1.5, True])
def test_threads_must_be_a_positive_int(threads):
    with pytest.raises(MonntoValueError, match="threads"):
        Network(threads=threads)


def test_unknown_exp_choice_is_refused(monkeypatch):
    from monnto.models.cuba_coba import coba_network
    from monnto.targets import numba_kernels

    monkeypatch.setattr(numba_kernels, "EXP", "fast")
    with pytest.raises(ConfigurationError, match=r"numba_kernels.EXP must be 'vector' or 'libm', got 'fast'"):
        coba_network(n_exc=40, n_inh=10, target="numba")


def test_import_monnto_does_not_import_numba():
    code = "import sys, monnto; from monnto.models import cuba_network; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- same results as numpy ----------------------------------------------------------
def test_cuba_spikes_identical_to_numpy():
    from monnto.models.cuba_coba import cuba_network

    a, b = _run_pair(cuba_network, 3000, n_exc=400, n_inh=100)
    for tag in ("exc", "inh"):
        assert len(_spikes(a, tag)) > 50
        np.testing.assert_array_equal(_spikes(a, tag), _spikes(b, tag))
    np.testing.assert_allclose(b.exc.v, a.exc.v, rtol=0, atol=1e-12)
    assert b.t == a.t and b.iteration == a.iteration == 3000


def test_brunel_with_delays_and_poisson_input_identical_to_numpy():
    from monnto.models.brunel import brunel_network

    a, b = _run_pair(brunel_network, 2000, n_exc=400)
    for tag in ("exc", "inh"):
        assert len(_spikes(a, tag)) > 50
        np.testing.assert_array_equal(_spikes(a, tag), _spikes(b, tag))


def test_coba_within_bound_of_numpy():
    """COBA takes exp of a per-neuron time constant every step; numpy's SIMD exp may differ in the last bit."""
    from monnto.models.cuba_coba import coba_network

    a, b = _run_pair(coba_network, 2000, n_exc=400, n_inh=100)
    ra, rb = len(_spikes(a, "exc")), len(_spikes(b, "exc"))
    assert ra > 50
    # identical for the first steps; a tested bound on the rate over the run
    first = a.iteration // 4
    ea, eb = _spikes(a, "exc"), _spikes(b, "exc")
    np.testing.assert_array_equal(ea[ea[:, 0] <= first], eb[eb[:, 0] <= first])
    assert abs(ra - rb) <= 0.05 * ra


def test_coba_with_euler_membrane_identical_to_numpy():
    """method='euler' (the benchmark's reference scheme) has no exp: every number is numpy's."""
    from monnto.models.cuba_coba import coba_network

    a, b = _run_pair(coba_network, 2000, n_exc=400, n_inh=100, method="euler")
    for tag in ("exc", "inh"):
        assert len(_spikes(a, tag)) > 50
        np.testing.assert_array_equal(_spikes(a, tag), _spikes(b, tag))
    for name in ("v", "g_e", "g_i", "refractory_left", "I_total"):
        np.testing.assert_array_equal(getattr(a.exc, name), getattr(b.exc, name))


@pytest.mark.slow
def test_coba_and_cuba_identical_when_numpy_uses_libm():
    code = textwrap.dedent("""
        import numpy as np
        from monnto.models.cuba_coba import coba_network, cuba_network
        from monnto.targets import numba_kernels
        numba_kernels.EXP = 'libm'  # the C library's exp, as numpy's without AVX-512
        for builder in (coba_network, cuba_network):
            a = builder(n_exc=400, n_inh=100, target='numpy')
            b = builder(n_exc=400, n_inh=100, target='numba')
            a.simulate_iterations(3000); b.simulate_iterations(3000)
            for tag in ('exc', 'inh'):
                sa, sb = a[tag + '_spikes', 0]['n.spike'], b[tag + '_spikes', 0]['n.spike']
                assert len(sa) > 50 and np.array_equal(sa, sb), builder
            assert np.array_equal(a.exc.v, b.exc.v)
        print('identical')
    """)
    env = {**os.environ, **LIBM_ONLY}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "identical" in out.stdout


def test_single_steps_and_runs_alternate_with_the_numpy_steps():
    from monnto.models.cuba_coba import cuba_network

    a = cuba_network(n_exc=400, n_inh=100)
    b = cuba_network(n_exc=400, n_inh=100, target="numba")
    a.simulate_iterations(700)
    for _ in range(100):
        b.simulate_iteration()
    b.simulate_iterations(250)
    b.target = "numpy"  # the Python steps continue from the compiled state
    b.simulate_iterations(100)
    b.target = "numba"
    b.simulate_iterations(250)
    np.testing.assert_array_equal(_spikes(a, "exc"), _spikes(b, "exc"))


def test_recorder_buffers_are_handed_over_in_long_runs():
    from monnto.models.cuba_coba import cuba_network

    a, b = _run_pair(cuba_network, 6000, n_exc=160, n_inh=40)
    # 64 x 160 rows per hand-over: this run needs several
    assert len(_spikes(a, "exc")) > 64 * 160 * 0.05
    np.testing.assert_array_equal(_spikes(a, "exc"), _spikes(b, "exc"))


# -- Python behaviours between compiled segments ------------------------------------
class Drive(Behaviour):
    """A plain Python behaviour (no kernel): constant input."""

    def set_variables(self, n):
        self.amount = self.get_init_attr("amount", 2e-3, n)

    def new_iteration(self, n):
        n.I_input += self.amount


def _mixed(target):
    from monnto.behaviours.equations import Clock
    from monnto.behaviours.neurons.lif import LIF
    from monnto.behaviours.recorder import EventRecorder

    net = Network(seed=1, behaviour={0: Clock(step=1e-4)}, target=target)
    NeuronGroup(net=net, size=50, tag="g", behaviour={
        1: Drive(amount="uniform(0.01, 0.03)"), 3: LIF(r_m=1.0, v_rest=-0.065, v_init="uniform(-0.065, -0.05)"),
        9: EventRecorder(variables=["n.spike"], tag="g_spikes")})
    net.initialize()
    return net


def test_python_behaviours_run_between_segments_with_one_warning():
    a = _mixed("numpy")
    with pytest.warns(UserWarning, match=r"run as Python.*Drive") as record:
        b = _mixed("numba")
    assert [type(x).__name__ for x in python_steps(b)] == ["Drive"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b.simulate_iterations(500)  # no second warning
    a.simulate_iterations(500)
    assert len([w for w in record if "Python" in str(w.message)]) == 1
    assert len(_spikes(a, "g")) > 20
    np.testing.assert_array_equal(_spikes(a, "g"), _spikes(b, "g"))


# -- cache ---------------------------------------------------------------------------
def test_cache_folder_is_private_and_tampered_entries_are_replaced(private_cache):
    from monnto.models.cuba_coba import cuba_network

    cuba_network(n_exc=80, n_inh=20, target="numba")
    folder = private_cache / "monnto"
    assert (folder.stat().st_mode & 0o777) == 0o700
    # the network's plan module (other tests may have cached other generated modules here)
    entries = [e for e in (folder / "numba").glob("m_*.py") if "def segment_0(" in e.read_text()]
    assert entries
    from monnto.targets import cache

    source = entries[0].read_text()
    entries[0].write_text("raise SystemExit('must never run')\n")
    cache._LOADED.clear()
    module = cache.load_generated_module(source, "numba")
    assert entries[0].read_text() == source and hasattr(module, "segment_0")


def test_unsafe_cache_folder_is_not_used(tmp_path, monkeypatch):
    from monnto.targets import cache

    base = tmp_path / "shared"
    (base / "monnto").mkdir(parents=True)
    os.chmod(base / "monnto", 0o777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(base))
    monkeypatch.setattr(cache, "_FALLBACK", [])
    with pytest.warns(RuntimeWarning, match="not caching"):
        path = cache.cache_dir()
    assert base not in path.parents


@pytest.mark.slow
def test_warm_cache_starts_a_new_process_without_compiling(private_cache):
    code = textwrap.dedent("""
        import time
        import numba
        from monnto.models.cuba_coba import cuba_network
        from monnto.targets import runner_for
        start = time.perf_counter()
        net = cuba_network(target='numba')
        net.simulate_iterations(1)
        seconds = time.perf_counter() - start
        seg = runner_for(net)._plan[0].function
        print(seconds, sum(seg.stats.cache_hits.values()), sum(seg.stats.cache_misses.values()))
    """)
    env = {**os.environ, "XDG_CACHE_HOME": str(private_cache)}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                           check=True, timeout=600).stdout.split() for _ in range(2)]
    seconds, hits, misses = runs[1]
    assert int(misses) == 0 and int(hits) >= 1
    assert float(seconds) < 1.0  # issue 15: initialize() + first step of CUBA, imports excluded


def test_saved_numba_network_loads_and_continues_identically(tmp_path):
    import monnto
    from monnto.models.cuba_coba import cuba_network

    a = cuba_network(n_exc=160, n_inh=40, target="numba")
    a.simulate_iterations(500)
    a.save(tmp_path / "net")
    b = monnto.load_network(tmp_path / "net")
    assert b.target == "numba" and b.iteration == 500
    a.simulate_iterations(500)
    b.simulate_iterations(500)
    assert python_steps(b) == []
    np.testing.assert_array_equal(_spikes(a, "exc"), _spikes(b, "exc"))
