"""Weights tab: afferent and efferent weights of the selected neuron on the grid."""
from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets

from ..tab_base import TabBase
from ._common import dense_column, dense_row, grid_image


class WeightTab(TabBase):
    """For each SynapseGroup touching the selected group: the selected neuron's
    afferent weights (``W[i, :]`` on the source grid) and efferent weights
    (``W[:, i]`` on the destination grid), as images.

    Parameters
    ----------
    weight_attrs : list of str
        Synapse attributes tried in order (default ``['W']``).
    """

    def __init__(self, weight_attrs=("W",), title: str = "Weights"):
        super().__init__(title)
        self.weight_attrs = [weight_attrs] if isinstance(weight_attrs, str) else list(weight_attrs)

    def _matrix(self, synapse):
        for attr in self.weight_attrs:
            value = getattr(synapse, attr, None)
            if value is not None and getattr(value, "shape", None) == synapse.matrix_dim():
                return attr, value
        return None, None

    def initialize(self, ui) -> None:
        self.tab = ui.add_tab(self.title)
        self.direction = QtWidgets.QComboBox()
        self.direction.addItems(["afferent", "efferent"])
        self.direction.currentIndexChanged.connect(lambda _: self.update(ui))
        ui.add_widget(QtWidgets.QLabel("direction"))
        ui.add_widget(self.direction)
        self.scale = QtWidgets.QComboBox()
        self.scale.addItems(["per image min/max", "global min/max", "0..1"])
        self.scale.currentIndexChanged.connect(lambda _: self.update(ui))
        ui.add_widget(self.scale)
        self.info = QtWidgets.QLabel("")
        ui.add_widget(self.info, 1)
        ui.add_row(10)
        self.images = []
        synapses = [s for s in ui.network.SynapseGroups]
        for s in synapses[:6]:
            self.images.append((s, ui.add_image_plot(title=f"{s.tag}: {s.src.tag} -> {s.dst.tag}", lock_aspect=True)))
        if not synapses:
            ui.add_widget(QtWidgets.QLabel("the network has no SynapseGroups"), 1)

    def weights_of_selected(self, ui, synapse) -> np.ndarray | None:
        """The selected neuron's weights in ``synapse`` laid out on the other group's grid."""
        attr, w = self._matrix(synapse)
        if w is None:
            return None
        group, i = ui.selected_neuron_group(), ui.selected_neuron_id()
        base = lambda g: getattr(g, "BaseNeuronGroup", g)  # noqa: E731
        if self.direction.currentText() == "afferent":  # the selected neuron's row, drawn on the sources
            own, other, pick = synapse.dst, synapse.src, dense_row
        else:  # its column, drawn on the destinations
            own, other, pick = synapse.src, synapse.dst, dense_column
        if base(own) is not group:
            return None
        where = np.flatnonzero(np.asarray(getattr(own, "id", np.arange(own.size))) == i)
        if not len(where):
            return None
        full = np.zeros(base(other).size)
        full[np.asarray(getattr(other, "id", np.arange(other.size)))] = pick(w, int(where[0]))
        return grid_image(ui, base(other), full)

    def update(self, ui) -> None:
        if not self.tab.isVisible():
            return
        images = [(item, self.weights_of_selected(ui, s)) for s, item in self.images]
        valid = [im for _, im in images if im is not None and np.isfinite(im).any()]
        lo = min((np.nanmin(im) for im in valid), default=0.0)
        hi = max((np.nanmax(im) for im in valid), default=1.0)
        for item, im in images:
            if im is None:
                item.clear()
                continue
            mode = self.scale.currentIndex()
            if mode == 0:
                levels = (np.nanmin(im), np.nanmax(im)) if np.isfinite(im).any() else (0, 1)
            elif mode == 1:
                levels = (lo, hi)
            else:
                levels = (0.0, 1.0)
            if levels[1] <= levels[0]:
                levels = (levels[0], levels[0] + 1)
            item.setImage(np.nan_to_num(im, nan=levels[0]), levels=levels, autoLevels=False)
        self.info.setText(f"neuron {ui.selected_neuron_id()} of {ui.selected_neuron_group().tag}")

    def on_selected_neuron_changed(self, ui) -> None:
        self.update(ui)
