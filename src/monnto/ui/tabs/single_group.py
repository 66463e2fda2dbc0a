"""Single Group tab: several variables of the selected group in one plot."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from ..tab_base import TabBase
from ._common import has_vector, mean_expression, neuron_expression

COLORS = [(0, 0, 0), (0, 110, 255), (255, 60, 60), (0, 170, 0), (170, 60, 255), (255, 140, 0)]


class SingleGroupPlotTab(TabBase):
    """The selected group's mean of each variable (solid) and the selected neuron (dashed).

    Parameters
    ----------
    variables : list of str or dict {name: RGB}
        Neuron attributes to draw.
    timesteps : int
        Iterations shown.
    """

    def __init__(self, variables=("voltage",), title: str = "Single Group", timesteps: int = 500):
        super().__init__(title)
        if isinstance(variables, dict):
            self.colors = dict(variables)
            variables = list(variables)
        else:
            variables = [variables] if isinstance(variables, str) else list(variables)
            self.colors = {v: COLORS[i % len(COLORS)] for i, v in enumerate(variables)}
        self.variables = variables
        self.timesteps = int(timesteps)

    def add_recorder_variables(self, group, ui) -> None:
        for name in self.variables:
            if has_vector(ui, group, name):
                ui.add_recording_variable(group, mean_expression(name), self.timesteps)
                ui.add_recording_variable(group, neuron_expression(name), self.timesteps)

    def initialize(self, ui) -> None:
        self.tab = ui.add_tab(self.title)
        self.plot = ui.add_plot(title="selected group", x_label="iteration")
        self.plot.addLegend()
        self.curves = {}
        self.checks = {}
        for name in self.variables:
            color = self.colors[name]
            self.curves[name] = (self.plot.plot(pen=pg.mkPen(color, width=2), name=f"mean {name}"),
                                 self.plot.plot(pen=pg.mkPen(color, width=1,
                                                             style=pg.QtCore.Qt.PenStyle.DashLine),
                                                name=f"selected {name}"))
        ui.add_row()
        for name in self.variables:
            box = QtWidgets.QCheckBox(name)
            box.setChecked(True)
            ui.add_widget(box)
            self.checks[name] = box

    def update(self, ui) -> None:
        if not self.tab.isVisible():
            return
        group = ui.selected_neuron_group()
        self.plot.setTitle(f"{group.tag}: mean (solid), neuron {ui.selected_neuron_id()} (dashed)")
        for name, (mean, single) in self.curves.items():
            if not self.checks[name].isChecked():
                mean.setData([], [])
                single.setData([], [])
                continue
            t, y = ui.get_recorded(group, mean_expression(name), last=self.timesteps)
            mean.setData(t, np.asarray(y, dtype=np.float64).reshape(len(t), -1)[:, 0] if len(t) else y)
            t, y = ui.get_recorded(group, neuron_expression(name), column=ui.selected_neuron_id(),
                                   last=self.timesteps)
            single.setData(t, np.asarray(y, dtype=np.float64).reshape(len(t), -1)[:, 0] if len(t) else y)
