"""The Python blocks of the user guides run as written (each in a fresh namespace)."""
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
BLOCKS = [(path.name, i, code) for path in sorted(DOCS.glob("equations.md"))
          for i, code in enumerate(BLOCK.findall(path.read_text()))]


def test_the_guides_have_code():
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize(("name", "index", "code"), BLOCKS, ids=[f"{n}[{i}]" for n, i, _ in BLOCKS])
def test_guide_block_runs(name, index, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing may be written next to the sources
    exec(compile(code, f"{name} block {index}", "exec"), {"__name__": "__docs__"})
