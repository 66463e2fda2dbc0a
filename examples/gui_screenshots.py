"""Render the Network_UI window with each default tab to PNG (offscreen).

    python examples/gui_screenshots.py --out DIR [--size 100] [--steps 60]

Writes ``DIR/<index>_<tab title>.png`` (the whole window, 1200 x 700 pixels)
after running the basic network (paper code blocks 2, 3 and 5) for
``--steps`` frames with that tab shown. Works without a display: the Qt
platform defaults to ``offscreen`` (or run under Xvfb).
"""
from __future__ import annotations

import argparse
import os
import re
from pathlib import Path


def render_tabs(out: str | Path, size: int = 100, steps: int = 60, seed: int = 1,
                window: tuple[int, int] = (1200, 700)) -> list[Path]:
    """Render every tab; returns the PNG paths in tab order."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from monnto.models.basic_network import basic_network
    from monnto.ui import Network_UI, get_default_UI_modules

    net = basic_network(size, seed=seed, record=False)
    ui = Network_UI(net, modules=get_default_UI_modules(["voltage"], ["W"]), label="monnto screenshots",
                    size=window)
    ui.show(block=False)
    ui.select_neuron(net.NeuronGroups[0], min(size - 1, size // 2 + 3))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(ui.tabs.count()):
        ui.tabs.setCurrentIndex(index)
        for _ in range(steps if index == 0 else max(1, steps // 6)):
            ui.step()
        title = re.sub(r"[^A-Za-z0-9]+", "_", ui.tabs.tabText(index)).strip("_").lower()
        paths.append(ui.render_png(out / f"{index:02d}_{title}.png"))
    ui.close()
    return paths


def main(argv: list[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for the PNG files")
    parser.add_argument("--size", type=int, default=100, help="number of neurons")
    parser.add_argument("--steps", type=int, default=60, help="frames before the first screenshot")
    args = parser.parse_args(argv)
    paths = render_tabs(args.out, size=args.size, steps=args.steps)
    for p in paths:
        print(p)
    return paths


if __name__ == "__main__":
    print(__doc__.splitlines()[0])  # what the figure shows
    main()
