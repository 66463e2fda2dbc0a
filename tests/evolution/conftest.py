"""Fixtures of the evolution tests: a Data folder, slave scripts, storage helpers."""
import textwrap

import pytest

HEADER = "from monnto.core.genome import get_gene\nfrom monnto.evolution.score import set_score\n"


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    """An empty ``Data`` folder in a fresh working directory."""
    folder = tmp_path / "Data"
    folder.mkdir()
    monkeypatch.chdir(tmp_path)
    return str(folder)


@pytest.fixture
def write_script(tmp_path):
    """Write a slave script (the gene/score imports are prepended) and return its path."""

    def write(body: str, name: str = "slave.py") -> str:
        path = tmp_path / name
        path.write_text(HEADER + textwrap.dedent(body))
        return str(path)

    return write

