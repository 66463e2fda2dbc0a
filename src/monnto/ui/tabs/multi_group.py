"""Multi Group tab: the mean of each group and the selected neuron over time."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ..tab_base import TabBase
from ._common import SELECTED_PEN, group_pen, has_vector, is_number, mean_expression, neuron_expression


class MultiGroupPlotTab(TabBase):
    """One plot per variable: each group's mean (its colour) and the selected neuron (green).

    Parameters
    ----------
    variables : list of str
        Neuron attributes; ``'a|b'`` draws several in one plot, a number
        draws a constant line.
    timesteps : int
        Iterations shown.
    """

    def __init__(self, variables=("voltage",), title: str = "Multi Group", timesteps: int = 500):
        super().__init__(title)
        self.variables = [v for v in ([variables] if isinstance(variables, str) else variables)]
        self.timesteps = int(timesteps)

    def _names(self) -> list[list[str]]:
        return [part.split("|") for part in self.variables]

    def add_recorder_variables(self, group, ui) -> None:
        for names in self._names():
            for name in names:
                if not is_number(name) and has_vector(ui, group, name):
                    ui.add_recording_variable(group, mean_expression(name), self.timesteps)
                    ui.add_recording_variable(group, neuron_expression(name), self.timesteps)

    def initialize(self, ui) -> None:
        self.tab = ui.add_tab(self.title)
        self.plots = []
        for row, names in enumerate(self._names()):
            if row:
                ui.add_row()
            plot = ui.add_plot(title=" | ".join(names), x_label="iteration", y_label="|".join(names))
            curves = []
            for name in names:
                if is_number(name):
                    plot.addItem(pg.InfiniteLine(float(name), angle=0, pen=pg.mkPen((120, 120, 120),
                                                                                     style=pg.QtCore.Qt.PenStyle.DashLine)))
                    continue
                for group in ui.neuron_groups:
                    mean = plot.plot(pen=group_pen(ui, group, 2))
                    curves.append((group, name, "mean", mean))
                selected = plot.plot(pen=SELECTED_PEN)
                curves.append((None, name, "selected", selected))
            self.plots.append((plot, curves))

    def update(self, ui) -> None:
        if not self.tab.isVisible():
            return
        chosen = ui.selected_neuron_group()
        for _, curves in self.plots:
            for group, name, kind, curve in curves:
                if kind == "mean":
                    t, y = ui.get_recorded(group, mean_expression(name), last=self.timesteps)
                else:
                    t, y = ui.get_recorded(chosen, neuron_expression(name), column=ui.selected_neuron_id(),
                                           last=self.timesteps)
                if len(t):
                    curve.setData(t, np.asarray(y, dtype=np.float64).reshape(len(t), -1)[:, 0])
                else:
                    curve.setData([], [])
