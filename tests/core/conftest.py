"""Every core test runs once per array backend (numpy, and torch on the CPU when installed).

A test that checks something only numpy has (EventMatrix, numpy dtypes in a
subprocess, ...) is marked ``numpy_only``.
"""
import importlib.util

import pytest

import monnto.core.network as network_module

BACKENDS = ["numpy"] + (["torch"] if importlib.util.find_spec("torch") else [])


def pytest_configure(config):
    config.addinivalue_line("markers", "numpy_only: the test checks numpy-specific behaviour")


@pytest.fixture(params=BACKENDS, autouse=True)
def array_backend(request, monkeypatch):
    """The backend of every Network the test builds without naming one."""
    if request.param != "numpy" and request.node.get_closest_marker("numpy_only"):
        pytest.skip("numpy-specific test")
    monkeypatch.setattr(network_module, "DEFAULT_BACKEND", request.param)
    return request.param
