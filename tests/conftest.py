"""Shared fixtures: a seeded generator, headless matplotlib and Qt, the array backends.

``array_backend`` is not autouse: a folder whose tests run once per backend
(numpy, and torch on the CPU when installed) has a ``conftest.py`` with an
autouse fixture that requests it. A test that checks something only numpy
has (scipy.sparse weights, comparisons with scipy or brian2, ...) is marked
``numpy_only`` and is skipped on the other backends.
"""
import importlib.util
import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BACKENDS = ["numpy"] + (["torch"] if importlib.util.find_spec("torch") else [])


def _others_slow(names: list) -> list:
    """Fixture params: the first (numpy) as it is, the others marked ``slow``.

    The quick run (``-m "not slow"``) runs each backend/target test once, on
    numpy; the full suite (CI) repeats it on torch and numba.
    """
    return [name if i == 0 else pytest.param(name, marks=pytest.mark.slow) for i, name in enumerate(names)]


def pytest_configure(config):
    config.addinivalue_line("markers", "numpy_only: the test checks numpy-specific behaviour")


@pytest.fixture
def rng() -> np.random.Generator:
    """A generator with a fixed seed (same seed, same test)."""
    return np.random.default_rng(12345)


@pytest.fixture(params=_others_slow(BACKENDS))
def array_backend(request, monkeypatch):
    """The backend of every Network the test builds without naming one."""
    import monnto.core.network as network_module

    if request.param != "numpy" and request.node.get_closest_marker("numpy_only"):
        pytest.skip("numpy-specific test")
    monkeypatch.setattr(network_module, "DEFAULT_BACKEND", request.param)
    return request.param



TARGETS = ["numpy"] + (["numba"] if importlib.util.find_spec("numba") else [])


@pytest.fixture(params=_others_slow(TARGETS))
def compile_target(request, monkeypatch, tmp_path_factory):
    """The target of every Network the test builds without naming one (see monnto.targets).

    On ``'numba'`` the test fails if any step of its networks stays Python
    (``PythonStepWarning`` is an error), and compiled code is cached in a
    folder of the test session. Combined with ``array_backend``, only numpy runs.
    """
    import warnings

    import monnto.core.network as network_module

    if request.param != "numpy":
        if "array_backend" in request.fixturenames and request.getfixturevalue("array_backend") != "numpy":
            pytest.skip("compiled targets run on the numpy backend")
        from monnto.targets.numba_target import PythonStepWarning

        folder = tmp_path_factory.getbasetemp() / "xdg-cache"
        folder.mkdir(mode=0o700, exist_ok=True)
        monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
        warnings.simplefilter("error", PythonStepWarning)
    monkeypatch.setattr(network_module, "DEFAULT_TARGET", request.param)
    return request.param
