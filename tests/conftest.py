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


def pytest_configure(config):
    config.addinivalue_line("markers", "numpy_only: the test checks numpy-specific behaviour")


@pytest.fixture
def rng() -> np.random.Generator:
    """A generator with a fixed seed (same seed, same test)."""
    return np.random.default_rng(12345)


@pytest.fixture(params=BACKENDS)
def array_backend(request, monkeypatch):
    """The backend of every Network the test builds without naming one."""
    import monnto.core.network as network_module

    if request.param != "numpy" and request.node.get_closest_marker("numpy_only"):
        pytest.skip("numpy-specific test")
    monkeypatch.setattr(network_module, "DEFAULT_BACKEND", request.param)
    return request.param

