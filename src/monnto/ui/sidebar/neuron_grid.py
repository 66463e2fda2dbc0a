"""The sidebar neuron grid: one image per NeuronGroup, click to select."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from ..tab_base import TabBase


class _GridImage(pg.ImageItem):
    """An ImageItem that reports clicks in pixel coordinates."""

    def __init__(self, on_click):
        super().__init__(axisOrder="row-major")
        self._on_click = on_click

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 (pyqtgraph's name)
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        pos = ev.pos()
        add = bool(ev.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier)
        self._on_click(int(np.floor(pos.x())), int(np.floor(pos.y())), add)
        ev.accept()


class UI_sidebar_neuron_grid(TabBase):  # noqa: N801
    """Neuron grid per group: brightness shows ``variable``, selected neurons green.

    Parameters
    ----------
    variable : str or list of str, optional
        Attribute shown as brightness (first one the group has; default the
        first neuron parameter of :func:`get_default_UI_modules`, else
        ``'spike'`` / ``'voltage'`` / ``'v'``).
    pixel_height : int
        Height of the widget in pixels.
    """

    FALLBACKS = ("spike", "voltage", "v", "output", "activity")

    def __init__(self, variable: str | list[str] | None = None, pixel_height: int = 240,
                 title: str = "Neurons"):
        super().__init__(title)
        if isinstance(variable, str):
            variable = [variable]
        self.variables = list(variable or []) + [v for v in self.FALLBACKS if v not in (variable or [])]
        self.pixel_height = int(pixel_height)
        self.images: dict[int, _GridImage] = {}
        self.shapes: dict[int, tuple[int, int]] = {}
        self.scales: dict[int, float] = {}

    def initialize(self, ui) -> None:
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setMinimumHeight(self.pixel_height)
        self.widget.ci.setContentsMargins(1, 1, 1, 1)
        self.views = {}
        for row, group in enumerate(ui.neuron_groups):
            label = self.widget.addLabel(str(group.tag), row=2 * row, col=0)
            label.setMaximumHeight(14)
            view = self.widget.addViewBox(row=2 * row + 1, col=0, lockAspect=True, enableMouse=False)
            view.invertY(True)
            image = _GridImage(lambda x, y, add, g=group: self.click(ui, g, x, y, add))
            view.addItem(image)
            self.images[id(group)] = image
            self.shapes[id(group)] = ui.grid_shape(group)
            self.views[id(group)] = view
        self.tab = self.widget
        ui.add_sidebar_widget(self.widget)
        self.choice = QtWidgets.QComboBox()
        self.choice.setToolTip("variable shown as brightness")
        names = [v for v in self.variables
                 if any(ui.group_has(g, v) for g in ui.neuron_groups)] or self.variables[:1]
        self.choice.addItems(names)
        self.choice.currentTextChanged.connect(lambda _: self.update(ui))
        ui.add_sidebar_widget(self.choice)

    def variable_of(self, group) -> str | None:
        """The variable drawn for ``group``: the chosen one if it has it, else the first it has."""
        chosen = self.choice.currentText() if hasattr(self, "choice") else None
        for v in ([chosen] if chosen else []) + self.variables:
            if isinstance(getattr(group, v, None), np.ndarray) and getattr(group, v).shape[:1] == (group.size,):
                return v
        return None

    def image_of(self, ui, group) -> np.ndarray:
        """The RGB image (rows, width, 3) uint8 of ``group`` as drawn now."""
        width, rows = self.shapes[id(group)]
        n = group.size
        name = self.variable_of(group)
        values = np.zeros(width * rows, dtype=np.float64)
        if name is not None:
            raw = np.asarray(getattr(group, name))
            v = raw.reshape(n, -1)[:, 0].astype(np.float64)
            if raw.dtype != bool:
                lo, hi = np.nanmin(v), np.nanmax(v)
                v = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
            values[:n] = np.nan_to_num(v)
        base = np.array(ui.group_color(group), dtype=np.float64)
        rgb = (0.25 * base + np.outer(values, 0.75 * base + 0.25 * 255)).clip(0, 255)
        rgb[n:] = 0
        if group is ui.selected_neuron_group():
            rgb[ui.selected_neuron_ids()] = (0, 255, 0)
        return rgb.reshape(rows, width, 3).astype(np.uint8)

    def update(self, ui) -> None:
        if not self.widget.isVisible():
            return
        for group in ui.neuron_groups:
            self.images[id(group)].setImage(self.image_of(ui, group), autoLevels=False, levels=(0, 255))

    def on_selected_neuron_changed(self, ui) -> None:
        self.update(ui)

    def neuron_at(self, group, x: int, y: int) -> int | None:
        """Neuron index at pixel column ``x``, row ``y`` of the group's image (None outside)."""
        width, rows = self.shapes[id(group)]
        if not (0 <= x < width and 0 <= y < rows):
            return None
        index = y * width + x
        return index if index < group.size else None

    def click(self, ui, group, x: int, y: int, add: bool = False) -> None:
        index = self.neuron_at(group, x, y)
        if index is not None:
            ui.select_neuron(group, index, add=add)

    def pixel_center(self, group, index: int) -> QtCore.QPoint:
        """Widget coordinates (of ``self.widget``'s viewport) of neuron ``index``'s centre."""
        width, _ = self.shapes[id(group)]
        x, y = index % width + 0.5, index // width + 0.5
        image = self.images[id(group)]
        scene = image.mapToScene(QtCore.QPointF(x, y))
        return self.widget.mapFromScene(scene)
