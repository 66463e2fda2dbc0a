"""3-D view of the network (pyqtgraph.opengl), offered where OpenGL works."""
from __future__ import annotations

import numpy as np

from ..tab_base import TabBase


def opengl_available() -> bool:
    """True when pyqtgraph.opengl (PyOpenGL) imports; the context is checked at initialize."""
    try:
        import OpenGL  # noqa: F401
        import pyqtgraph.opengl  # noqa: F401
    except Exception:
        return False
    return True


class OpenGLTab(TabBase):
    """Neurons as points at their (x, y, z) positions (grid positions when the
    group has none), coloured by group and brightened by ``parameter``.
    """

    def __init__(self, parameter: str = "spike", title: str = "3D"):
        super().__init__(title)
        self.parameter = parameter

    def initialize(self, ui) -> None:
        from PySide6 import QtWidgets

        self.tab = ui.add_tab(self.title)
        try:
            import pyqtgraph.opengl as gl

            self.view = gl.GLViewWidget()
        except Exception as err:  # no usable OpenGL: show why instead of failing
            self.view = None
            ui.add_widget(QtWidgets.QLabel(f"3-D view unavailable: {err}"), 1)
            return
        self.view.setCameraPosition(distance=40)
        ui.add_widget(self.view, 1)
        self.items = []
        offset = 0.0
        for g in ui.neuron_groups:
            if all(hasattr(g, a) for a in ("x", "y", "z")):
                pos = np.column_stack([g.x, g.y, g.z]).astype(np.float32)
            else:
                w, _ = ui.grid_shape(g)
                i = np.arange(g.size)
                pos = np.column_stack([i % w, i // w, np.zeros(g.size)]).astype(np.float32)
            pos[:, 2] += offset
            offset += float(np.ptp(pos[:, 2])) + 3.0
            item = gl.GLScatterPlotItem(pos=pos, size=4.0, pxMode=True)
            self.view.addItem(item)
            self.items.append((g, item))

    def update(self, ui) -> None:
        if self.view is None or not self.tab.isVisible():
            return
        for g, item in self.items:
            base = np.array(ui.group_color(g), dtype=np.float32) / 255
            value = getattr(g, self.parameter, None)
            v = np.zeros(g.size, dtype=np.float32) if value is None else np.asarray(value, np.float32).reshape(g.size, -1)[:, 0]
            if v.size and v.max() > v.min():
                v = (v - v.min()) / (v.max() - v.min())
            color = np.empty((g.size, 4), dtype=np.float32)
            color[:, :3] = 0.3 * base + 0.7 * v[:, None]
            color[:, 3] = 0.9
            item.setData(color=color)
