"""Stability tab: the group mean x(t) against x(t+1)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ..tab_base import TabBase
from ._common import has_vector, mean_expression


class StabilityTab(TabBase):
    """Return map of each group's mean ``parameter``: x(t+1) against x(t).

    A single point means a fixed point, a closed loop an oscillation, a cloud
    noise or chaos; the dashed diagonal marks x(t+1) = x(t).
    """

    def __init__(self, parameter: str = "voltage", title: str = "Stability", timesteps: int = 500):
        super().__init__(title)
        self.parameter = parameter
        self.timesteps = int(timesteps)

    def add_recorder_variables(self, group, ui) -> None:
        if has_vector(ui, group, self.parameter):
            ui.add_recording_variable(group, mean_expression(self.parameter), self.timesteps)

    def initialize(self, ui) -> None:
        self.tab = ui.add_tab(self.title)
        self.plot = ui.add_plot(title=f"mean {self.parameter}: x(t+1) vs x(t)", x_label="x(t)",
                                y_label="x(t+1)")
        self.diagonal = self.plot.plot(pen=pg.mkPen((150, 150, 150), style=pg.QtCore.Qt.PenStyle.DashLine))
        self.points = {}
        for g in ui.neuron_groups:
            color = ui.group_color(g)
            self.points[id(g)] = (g, self.plot.plot(pen=pg.mkPen((*color, 60)), symbol="o", symbolSize=4,
                                                    symbolBrush=(*color, 150), symbolPen=None))

    def update(self, ui) -> None:
        if not self.tab.isVisible():
            return
        lo, hi = np.inf, -np.inf
        for group, curve in self.points.values():
            _, y = ui.get_recorded(group, mean_expression(self.parameter), last=self.timesteps)
            y = np.asarray(y, dtype=np.float64).ravel()
            if len(y) < 2:
                continue
            curve.setData(y[:-1], y[1:])
            lo, hi = min(lo, y.min()), max(hi, y.max())
        if np.isfinite(lo):
            self.diagonal.setData([lo, hi], [lo, hi])
