"""A small example gallery for Sphinx: every ``examples/*.py`` rendered with its figures.

At ``builder-inited`` each example runs as a script, as a user would run it
(``python examples/NAME.py --out DIR``, in a scratch working directory), and
the PNG files it writes and what it prints go into a generated page
``docs/gallery/NAME.rst`` next to its docstring and source. Examples that
need a live window or an extra this machine lacks are shown, not executed,
with a stored screenshot from ``docs/_static/screenshots/``.

Results are cached in ``docs/_build/gallery_cache`` (rerun when the script
changes). ``MONNTO_GALLERY=skip`` builds the pages without running anything
(figures from the cache when there are some).
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

#: name -> (why it is not executed, screenshot file in _static/screenshots or None, note on the picture)
NOT_EXECUTED = {
    "gui_basic": ("opens a live Qt window", "gui_basic.png", "the window, rendered offscreen"),
    "gui_custom_tab": ("opens a live Qt window", "gui_custom_tab.png", "the window, rendered offscreen"),
}
#: screenshots of examples skipped for a missing extra: name -> (file, note)
SCREENSHOTS = {
    "tensorflow_network": ("tensorflow_network.png",
                           "the same network (code block 6) on torch, from torch_network.py; the TensorFlow "
                           "script plots the voltage traces of its first 10 neurons"),
}
#: examples that are helpers of others (run by the evolution, not by a user)
HELPERS = {"evolution_toy_slave", "evolution_rate_slave"}
#: extra arguments for a quick gallery run
ARGS = {"evolution_toy": ["--generations", "3"], "evolution_rate": ["--generations", "2"]}
#: module an example needs -> shown, not executed, when it is absent
NEEDS = {"tensorflow_network": "tensorflow", "embed_brian2": "brian2", "embed_nest": "nest",
         "torch_network": "torch", "compiled_behaviour": "numba", "gui_screenshots": "PySide6",
         "evolution_toy": "optuna", "evolution_rate": "optuna"}
TIMEOUT = 900


def _docstring(path: Path) -> str:
    import ast

    return ast.get_docstring(ast.parse(path.read_text())) or ""


def _run(path: Path, cache: Path) -> dict:
    key = hashlib.sha256(path.read_bytes() + repr(ARGS.get(path.stem)).encode()).hexdigest()[:16]
    folder = cache / path.stem
    stamp = folder / "key.txt"
    if stamp.is_file() and stamp.read_text() == key:
        return {"cached": True}
    if os.environ.get("MONNTO_GALLERY") == "skip":
        return {"skipped": True}
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "out").mkdir(parents=True)
    env = dict(os.environ, MPLBACKEND="Agg", QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        result = subprocess.run([sys.executable, str(path), "--out", str(folder / "out"), *ARGS.get(path.stem, [])],
                                cwd=scratch, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        stdout = result.stdout.replace(str(folder / "out"), "OUT").replace(scratch, ".")
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"gallery: examples/{path.name} failed (exit status {result.returncode}):\n"
                           f"{result.stderr[-3000:]}")
    (folder / "stdout.txt").write_text(stdout)
    (folder / "seconds.txt").write_text(f"{seconds:.1f}")
    stamp.write_text(key)
    return {"seconds": seconds}


def _literal(text: str) -> list[str]:
    lines = text.rstrip().splitlines() or [""]
    return ["::", ""] + [f"    {line}" for line in lines] + [""]


def _page(path: Path, gallery: Path, cache: Path, static: Path, reason: str | None) -> tuple[str, str | None]:
    name = path.stem
    doc = _docstring(path)
    first, _, rest = doc.partition("\n")
    lines = [f".. _gallery_{name}:", "", name, "=" * len(name), "", first.replace("*", r"\*").replace("`", "'"), ""]
    if rest.strip():
        lines += _literal(rest.strip("\n"))
    images = []
    if reason is None:
        out = cache / name / "out"
        for png in sorted(out.rglob("*.png")):
            target = gallery / "images" / f"{name}__{png.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(png, target)
            images.append(f"images/{target.name}")
        command = " ".join(["python", f"examples/{path.name}", "--out", "DIR", *ARGS.get(name, [])])
        lines += [f"Run: ``{command}``", ""]
        for image in images:
            lines += [f".. image:: {image}", "   :width: 100%", ""]
        if not images:
            lines += ["This example writes no figure; it prints its result.", ""]
        stdout = cache / name / "stdout.txt"
        if stdout.is_file() and stdout.read_text().strip():
            lines += ["What it prints"] + ["-" * 14, ""] + _literal(stdout.read_text())
        seconds = cache / name / "seconds.txt"
        if seconds.is_file():
            lines += [f"(ran in {seconds.read_text()} s while these pages were built)", ""]
    else:
        lines += [f".. note:: Shown, not executed here: {reason}.", ""]
        shot = NOT_EXECUTED.get(name) or (None, *SCREENSHOTS.get(name, (None, None)))
        if shot[1] and (static / "screenshots" / shot[1]).is_file():
            lines += [f".. figure:: /_static/screenshots/{shot[1]}", "   :width: 100%", "", f"   {shot[2]}", ""]
            images.append(f"/_static/screenshots/{shot[1]}")
    lines += ["Source", "-" * 6, "", f".. literalinclude:: ../../examples/{path.name}", "   :language: python", ""]
    (gallery / f"{name}.rst").write_text("\n".join(lines))
    return first, (images[0] if images else None)


def build_gallery(app) -> None:
    docs = Path(app.srcdir)
    examples = docs.parent / "examples"
    gallery = docs / "gallery"
    cache = docs / "_build" / "gallery_cache"
    shutil.rmtree(gallery, ignore_errors=True)
    gallery.mkdir(parents=True)
    cache.mkdir(parents=True, exist_ok=True)
    paths = [p for p in sorted(examples.glob("*.py")) if p.stem not in HELPERS]
    reasons = {}
    for path in paths:
        if path.stem in NOT_EXECUTED:
            reasons[path.stem] = NOT_EXECUTED[path.stem][0]
        elif path.stem in NEEDS and importlib.util.find_spec(NEEDS[path.stem]) is None:
            reasons[path.stem] = f"it needs {NEEDS[path.stem]}, which is not installed where the docs were built"
    to_run = [p for p in paths if p.stem not in reasons]
    with ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
        futures = [(p, pool.submit(_run, p, cache)) for p in to_run]
    failed = [str(f.exception()) for _, f in futures if f.exception() is not None]
    if failed:  # every example ran; report all that failed, not only the first
        raise RuntimeError(f"gallery: {len(failed)} of {len(to_run)} examples failed:\n\n" + "\n\n".join(failed))
    entries = []
    for path in paths:
        first, thumb = _page(path, gallery, cache, docs / "_static", reasons.get(path.stem))
        entries.append((path.stem, first, thumb))
    lines = [".. _gallery:", "", "Example gallery", "===============", "",
             "Every script in ``examples/``, run while these pages were built (with the arguments shown "
             "on its page), with the figures it wrote and what it printed. Each runs from a shell: "
             "``python examples/NAME.py --out DIR``; most take ``--small`` for a quick run.", "",
             ".. toctree::", "   :hidden:", ""]
    lines += [f"   {name}" for name, _, _ in entries] + [""]
    for name, first, thumb in entries:
        lines += [f"* :ref:`{name} <gallery_{name}>`: {first.replace('*', chr(92) + '*').replace('`', chr(39))}"]
        if thumb:
            lines += ["", f"  .. image:: {thumb}", "     :width: 320px", f"     :target: {name}.html", ""]
    (gallery / "index.rst").write_text("\n".join(lines) + "\n")


def setup(app):
    app.connect("builder-inited", build_gallery)
    return {"version": "1.0", "parallel_read_safe": True}
