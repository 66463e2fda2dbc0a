"""Screenshots of every tab, a stress test, the launcher, and the ImportError without Qt."""
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_example(name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_screenshot_script_renders_each_default_tab(qtbot, tmp_path):
    from PySide6 import QtGui

    shots = _load_example("gui_screenshots")
    paths = shots.main(["--out", str(tmp_path), "--steps", "30"])
    names = [p.name for p in paths]
    assert len(paths) >= 12 and names[0] == "00_multi_group.png" and "10_info.png" in names
    for path in paths:
        image = QtGui.QImage(str(path))
        assert (image.width(), image.height()) == (1200, 700), path
        image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
        pixels = np.frombuffer(image.constBits(), dtype=np.uint32, count=1200 * 700)
        assert len(np.unique(pixels)) > 100, f"{path.name} looks blank"


@pytest.mark.slow
def test_stress_3000_plot_updates(qtbot):
    """3000 curve and image updates with repaints (PySide6 6.12.0 crashed in QPainter.drawLine here)."""
    from monnto.models.basic_network import basic_network
    from monnto.ui import Network_UI, TabBase, get_default_UI_modules

    class Busy(TabBase):
        def initialize(self, ui):
            self.tab = ui.Next_Tab("busy")
            self.curves = [ui.Add_plot_curve(title=f"c{i}") for i in range(3)]
            self.count = 0

        def update(self, ui):
            x = np.arange(200)
            for k, curve in enumerate(self.curves):
                curve.setData(x, np.sin(x / 10 + ui.network.iteration + k))
                self.count += 1

    busy = Busy("busy")
    modules = [busy] + get_default_UI_modules(["voltage"])[:2]
    ui = Network_UI(basic_network(100, seed=2, record=False), modules=modules)
    ui.raise_errors = True
    qtbot.addWidget(ui.main_window)
    ui.show(block=False)
    for frame in range(1000):
        ui.step()
        if frame % 10 == 0:
            ui.main_window.repaint()
            ui.app.processEvents()
    assert busy.count >= 3000 and ui.network.iteration == 1000
    ui.tabs.setCurrentIndex(1)  # Multi Group: group mean and selected neuron
    for _ in range(100):
        ui.step()
        ui.app.processEvents()
    assert ui.network.iteration == 1100


def test_run_ui_command_shows_the_last_network_of_a_script(qtbot, tmp_path):
    from monnto.ui import run_ui_command

    script = tmp_path / "model.py"
    script.write_text(textwrap.dedent("""
        import os
        from monnto.models.basic_network import basic_network
        first = basic_network(16, seed=1, record=False)
        net = basic_network(25, seed=2, record=False)
        launched = os.environ.get("MONNTO_UI_LAUNCH")
    """))
    ui = run_ui_command(script, block=False)
    qtbot.addWidget(ui.main_window)
    assert ui.network.NeuronGroups[0].size == 25 and ui.main_window.isVisible()
    ui.step(3)
    assert ui.network.iteration == 3
    ui.timer.stop()
    with pytest.raises(FileNotFoundError):
        run_ui_command(tmp_path / "missing.py", block=False)
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(ValueError, match="no Network"):
        run_ui_command(empty, block=False)


def test_network_ui_without_qt_raises_install_hint(monkeypatch, basic_net):
    import monnto.ui as monnto_ui

    net = basic_net()
    for name in ("PySide6", "PySide6.QtWidgets", "pyqtgraph"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"pip install monnto\[gui\]"):
        monnto_ui.Network_UI(net)
    with pytest.raises(ImportError, match=r"pip install monnto\[gui\]"):
        monnto_ui.get_default_UI_modules()
    # TabBase stays usable without Qt
    assert monnto_ui.TabBase("t").title == "t"


def test_importing_monnto_and_monnto_ui_never_imports_qt_without_qt():
    code = ("import sys; import monnto, monnto.ui, monnto.analysis, monnto.analysis.visualize_module; "
            "from monnto.ui import Network_UI, TabBase, get_default_UI_modules; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))]; "
            "assert not bad, bad; print('clean')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "clean"


def test_visualize_module_shows_in_qt(qtbot):
    from monnto.analysis.visualize_module import visualize_module
    from monnto.models.basic_network import basic_network

    flow = visualize_module(basic_network(16, record=False).NeuronGroups[0], block=False)
    qtbot.addWidget(flow.window)
    assert flow.window.isVisible() and flow.path is None
    pixmap = flow.window.widget().pixmap()
    assert pixmap.width() == 1000 and pixmap.height() > 200
