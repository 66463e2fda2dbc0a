"""The documentation: guide code runs as written; the site builds with a page for every public name and example.

Every ```python block of the pages in ``docs/`` runs in a fresh namespace
(from a scratch working directory), and every ``>>>`` example in a docstring
of the package runs as a doctest, so neither can drift from the code. Code
that is shown but cannot run on its own (generated code, say) is fenced as
```py instead.
The full build (``python -m sphinx -W -b html docs docs/_build/html``) runs
in CI; the test here builds without running the examples.
"""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
PAGES = [p for p in sorted(DOCS.rglob("*.md")) if not {"_build", "dev"} & set(p.relative_to(DOCS).parts)]
BLOCKS = [(str(path.relative_to(DOCS)), i, code) for path in PAGES
          for i, code in enumerate(BLOCK.findall(path.read_text()))]
HAVE_QT = all(importlib.util.find_spec(m) is not None for m in ("PySide6", "pyqtgraph"))


def test_the_guides_have_code():
    assert len(BLOCKS) >= 15
    assert {name.split("/")[0] for name, _, _ in BLOCKS} >= {"guide", "equations.md"}


#: a block that compiles a whole network loop with numba (15 s and more on a fresh cache) runs in the full suite only
COMPILES = re.compile(r"target\s*=\s*['\"]numba['\"]")


@pytest.mark.parametrize(("name", "index", "code"), [
    pytest.param(n, i, c, id=f"{n}[{i}]", marks=[pytest.mark.slow] if COMPILES.search(c) else [])
    for n, i, c in BLOCKS])
def test_guide_block_runs(name, index, code, tmp_path, monkeypatch):
    if "monnto.ui" in code and not HAVE_QT:
        pytest.skip("needs the gui extra")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.chdir(tmp_path)  # nothing may be written next to the sources
    exec(compile(code, f"{name} block {index}", "exec"), {"__name__": "__docs__"})


def test_every_guide_page_is_reachable_from_the_index():
    index = (DOCS / "index.md").read_text()
    assert "guide/*" in index and ":glob:" in index and "\n*\n" in index  # later pages join by themselves
    assert "gallery/index" in index and "api/index" in index


@pytest.mark.slow
def test_site_builds_with_a_page_for_every_public_name_and_example(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    import monnto

    env = dict(os.environ, MONNTO_GALLERY="skip")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(DOCS),
                             str(tmp_path / "html")], capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    generated = {p.stem.rsplit(".", 1)[-1] for p in (DOCS / "api" / "generated").glob("*.rst")}
    for name in monnto.__all__:
        obj = getattr(monnto, name)
        assert getattr(obj, "__qualname__", name) in generated, name
    pages = {p.stem for p in (tmp_path / "html" / "gallery").glob("*.html")}
    examples = {p.stem for p in (ROOT / "examples").glob("*.py") if not p.stem.endswith("_slave")}
    assert examples <= pages


def test_gallery_shows_what_it_cannot_run_with_a_small_stored_screenshot():
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        import monnto_gallery
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    shots = [s[1] for s in monnto_gallery.NOT_EXECUTED.values()] + [s[0] for s in monnto_gallery.SCREENSHOTS.values()]
    assert {"gui_basic", "gui_custom_tab"} <= set(monnto_gallery.NOT_EXECUTED)
    for name in shots:
        path = DOCS / "_static" / "screenshots" / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size < 200_000, name


# -- docstring examples ------------------------------------------------------------------------
# Every module of the package whose source holds a ``>>>`` example runs its examples as doctests.
SRC = ROOT / "src"
EXAMPLE_MODULES = sorted(
    ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
    for path in (SRC / "monnto").rglob("*.py") if re.search(r"^\s*>>> ", path.read_text(), re.M))


def test_docstrings_have_examples():
    assert len(EXAMPLE_MODULES) >= 6, EXAMPLE_MODULES
    assert {"monnto.behaviours.inputs.video", "monnto.behaviours.inputs.audio", "monnto.cli"} <= set(EXAMPLE_MODULES)


@pytest.mark.parametrize("module_name", EXAMPLE_MODULES)
def test_docstring_examples_run(module_name, tmp_path, monkeypatch):
    import doctest
    import importlib
    import io

    if module_name.startswith("monnto.ui") and not HAVE_QT:
        pytest.skip("needs the gui extra")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(module_name)
    tests = [t for t in doctest.DocTestFinder().find(module, module_name) if t.examples]
    assert tests, f"{module_name}: '>>>' in the source but no doctest found"
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test, out=out.write)
    assert runner.failures == 0, out.getvalue()
