"""Sphinx configuration of the monnto documentation.

Build: ``python -m sphinx -W -b html docs docs/_build/html`` (the gallery
runs the examples; ``MONNTO_GALLERY=skip`` builds without running them).
"""
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS.parent / "src"))
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import monnto  # noqa: E402

project = "monnto"
author = "monnto developers"
copyright = "2026, monnto developers"  # noqa: A001
release = version = monnto.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "monnto_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "dev", "**/.ipynb_checkpoints"]
myst_heading_anchors = 3
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autosummary_generate = True
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "show-inheritance": True}
# Every docutils warning counts, in the pages and in the docstrings (write |x| as ``|x|``, underline
# section titles to their full length). Only import cycles of autosummary and ambiguous Python
# cross-references (the same short name in two modules) are not reported.
suppress_warnings = ["autosummary.import_cycle", "ref.python"]
html_theme = "alabaster"
html_static_path = ["_static"]
html_theme_options = {"description": "modular spiking neural networks", "fixed_sidebar": True}


def _write_api_names() -> None:
    """``api/names.rst``: one autosummary entry per name in ``monnto.__all__`` (kept complete by construction)."""
    entries = []
    for name in sorted(monnto.__all__, key=str.lower):
        obj = getattr(monnto, name)
        module = getattr(obj, "__module__", None) or "monnto"
        qualname = getattr(obj, "__qualname__", name)
        if module.startswith("monnto") and "." not in qualname:
            entries.append(f"   ~{module}.{qualname}")
    text = ("Every public name\n=================\n\n"
            "Each name in ``monnto.__all__`` (``from monnto import *``), by the module that defines it. "
            "Aliases (``Behavior``, ``NeuronGrid``, ``getGrid``, ...) lead to the object they name.\n\n"
            ".. autosummary::\n   :toctree: generated\n   :nosignatures:\n\n" + "\n".join(sorted(set(entries))) + "\n")
    target = DOCS / "api" / "names.rst"
    if not target.is_file() or target.read_text() != text:
        target.write_text(text)


_write_api_names()
