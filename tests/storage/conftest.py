"""Fixtures for the storage tests: a temporary project with a Data folder.

Each test runs from a subfolder of the project (``<project>/code/scripts``);
on teardown the fixture checks that nothing was written outside ``Data``.
"""
from __future__ import annotations

from pathlib import Path

import pytest


def _files_outside_data(project: Path) -> set[str]:
    out = set()
    for path in project.rglob("*"):
        rel = path.relative_to(project)
        if rel.parts[0] != "Data":
            out.add(str(rel))
    return out


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder with ``Data/``; the working directory is a subfolder of it."""
    root = tmp_path / "project"
    (root / "Data").mkdir(parents=True)
    work = root / "code" / "scripts"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    before = _files_outside_data(root)
    yield root
    after = _files_outside_data(root)
    assert after == before, f"files written outside Data: {sorted(after - before)}"
