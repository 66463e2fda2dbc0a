"""The numba target tests compile into a private cache folder of the test session."""
import pytest


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    """``XDG_CACHE_HOME`` points to one temporary folder for the whole session."""
    folder = tmp_path_factory.getbasetemp() / "xdg-cache"
    folder.mkdir(mode=0o700, exist_ok=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder
