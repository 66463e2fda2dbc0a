"""Spiketrain tab: neurons x time raster of the selected group."""
from __future__ import annotations

import numpy as np

from ..tab_base import TabBase
from ._common import has_vector, neuron_expression


class SpiketrainTab(TabBase):
    """Raster image (rows: neurons, columns: iterations); the selected neurons in green.

    Parameters
    ----------
    parameter : str or list of str
        The first attribute the group has is shown (default ``'spike'``,
        then the given neuron parameters); floats are scaled to 0..1.
    timesteps : int
        Iterations shown.
    max_neurons : int
        Show at most this many neurons (the first ones).
    """

    def __init__(self, parameter="spike", title: str = "Spiketrain", timesteps: int = 1000,
                 max_neurons: int = 2000):
        super().__init__(title)
        self.parameters = [parameter] if isinstance(parameter, str) else list(parameter)
        self.timesteps = int(timesteps)
        self.max_neurons = int(max_neurons)
        self.chosen: dict[int, str] = {}

    def add_recorder_variables(self, group, ui) -> None:
        for name in self.parameters:
            if has_vector(ui, group, name):
                self.chosen[id(group)] = name
                ui.add_recording_variable(group, neuron_expression(name), self.timesteps)
                return

    def initialize(self, ui) -> None:
        self.tab = ui.add_tab(self.title)
        self.image = ui.add_image_plot(title="raster", x_label="iteration", y_label="neuron")

    def raster(self, ui) -> tuple[np.ndarray, np.ndarray] | None:
        """``(iterations, uint8 image (neurons, T))`` of the selected group, or None.

        Values 0..253 are the (scaled) activity; 254 and 255 mark the selected
        neurons' rows (without and with activity); :meth:`lookup_table` colours them.
        """
        group = ui.selected_neuron_group()
        name = self.chosen.get(id(group))
        if name is None:
            return None
        t, x = ui.get_recorded(group, neuron_expression(name), last=self.timesteps,
                               column=slice(0, self.max_neurons))
        if not len(t):
            return None
        x = np.asarray(x).reshape(len(t), -1).T
        if x.dtype == bool:
            image = x.astype(np.uint8) * 253
        else:
            lo, hi = float(x.min()), float(x.max())
            image = ((x - lo) * (253.0 / (hi - lo))).astype(np.uint8) if hi > lo else np.zeros(x.shape, np.uint8)
        ids = [i for i in ui.selected_neuron_ids() if i < image.shape[0]]
        image[ids] = np.where(image[ids] > 126, 255, 254)
        return t, image

    def lookup_table(self, ui) -> np.ndarray:
        base = np.array(ui.group_color(ui.selected_neuron_group()), dtype=np.float64)
        ramp = np.linspace(0, 1, 254)[:, None]
        lut = 0.85 * 255 * (1 - ramp) + 0.15 * base
        lut = np.vstack([lut, [(170, 255, 170), (0, 120, 0)]])
        return lut.clip(0, 255).astype(np.uint8)

    def update(self, ui) -> None:
        if not self.tab.isVisible():
            return
        out = self.raster(ui)
        if out is None:
            return
        t, image = out
        self.image.setImage(image, autoLevels=False, levels=(0, 255), lut=self.lookup_table(ui))
        self.image.setRect(float(t[0]), 0.0, float(max(t[-1] - t[0] + 1, 1)), float(image.shape[0]))
