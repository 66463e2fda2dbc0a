"""Every core test runs once per array backend and once per target.

``array_backend`` and ``compile_target`` are in tests/conftest.py. The core
tests use the paper's Python behaviours, so on the numba target their steps
run as Python segments between compiled ones: the test checks that the
runner gives the numpy target's results with them (``PythonStepWarning`` is
expected there, not an error). Tests of the numpy target's own machinery
(its generated step list, fusion) are marked ``numpy_target``.
"""
import warnings

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "numpy_target: the test checks the numpy target only")


@pytest.fixture(autouse=True)
def _each_backend(array_backend):
    return array_backend


@pytest.fixture(autouse=True)
def _each_target(request, _each_backend, compile_target):
    if compile_target != "numpy":
        if request.node.get_closest_marker("numpy_target"):
            pytest.skip("numpy-target test")
        from monnto.targets.numba_target import PythonStepWarning

        warnings.simplefilter("ignore", PythonStepWarning)
    return compile_target
