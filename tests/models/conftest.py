"""Every model test runs once per array backend (``array_backend`` in tests/conftest.py)."""
import pytest


@pytest.fixture(autouse=True)
def _each_backend(array_backend):
    return array_backend
