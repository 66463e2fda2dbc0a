"""Weight distributions: one row per transmitter (first SynapseGroup tag)."""
from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets

from ..tab_base import TabBase
from ._common import all_values, dense_row


class WeightHistTab(TabBase):
    """Histograms of the selected neuron's afferent weights and of all weights, per transmitter.

    Parameters
    ----------
    weight_attr : str
        Synapse attribute holding the weights.
    bins : int
        Number of histogram bins.
    """

    def __init__(self, weight_attr: str = "W", title: str = "Weight Dist.", bins: int = 40):
        super().__init__(title)
        self.weight_attr = weight_attr
        self.bins = int(bins)

    def initialize(self, ui) -> None:
        self.tab = ui.add_tab(self.title)
        self.transmitters = list(dict.fromkeys(s.tag for s in ui.network.SynapseGroups))
        self.plots = {}
        self.nonzero = QtWidgets.QCheckBox("only existing synapses (w != 0)")
        self.nonzero.setChecked(True)
        ui.add_widget(self.nonzero)
        for tag in self.transmitters[:4]:
            ui.add_row(10)
            neuron = ui.add_plot(title=f"{tag}: selected neuron (afferent)", x_label=self.weight_attr)
            group = ui.add_plot(title=f"{tag}: all synapses", x_label=self.weight_attr)
            self.plots[tag] = (neuron.plot(stepMode="center", fillLevel=0, brush=(0, 170, 0, 150)),
                               group.plot(stepMode="center", fillLevel=0, brush=(0, 110, 255, 150)))
        if not self.transmitters:
            ui.add_row(10)
            ui.add_widget(QtWidgets.QLabel("the network has no SynapseGroups"), 1)

    def histograms(self, ui, tag: str):
        """``((edges, counts) selected, (edges, counts) all)`` for ``tag``."""
        selected, everything = [], []
        group, i = ui.selected_neuron_group(), ui.selected_neuron_id()
        for s in ui.network.SynapseGroups:
            w = getattr(s, self.weight_attr, None)
            if s.tag != tag or w is None or getattr(w, "shape", None) != s.matrix_dim():
                continue
            everything.append(all_values(w))
            base = getattr(s.dst, "BaseNeuronGroup", s.dst)
            ids = np.asarray(getattr(s.dst, "id", np.arange(s.dst.size)))
            if base is group and (ids == i).any():
                selected.append(dense_row(w, int(np.flatnonzero(ids == i)[0])))
        out = []
        values_all = np.concatenate(everything) if everything else np.empty(0)
        if self.nonzero.isChecked():
            values_all = values_all[values_all != 0]
        lo, hi = (float(values_all.min()), float(values_all.max())) if values_all.size else (0.0, 1.0)
        if hi <= lo:
            hi = lo + 1.0
        for values in (np.concatenate(selected) if selected else np.empty(0), values_all):
            if self.nonzero.isChecked():
                values = values[values != 0]
            counts, edges = np.histogram(values, bins=self.bins, range=(lo, hi))
            out.append((edges, counts))
        return out

    def update(self, ui) -> None:
        if not self.tab.isVisible():
            return
        for tag, curves in self.plots.items():
            for curve, (edges, counts) in zip(curves, self.histograms(ui, tag)):
                curve.setData(edges, counts)

    def on_selected_neuron_changed(self, ui) -> None:
        self.update(ui)

