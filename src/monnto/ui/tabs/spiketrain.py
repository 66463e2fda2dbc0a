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
        """``(iterations, rgb image (neurons, T, 3))`` of the selected group, or None."""
        group = ui.selected_neuron_group()
        name = self.chosen.get(id(group))
        if name is None:
            return None
        t, x = ui.get_recorded(group, neuron_expression(name), last=self.timesteps)
        if not len(t):
            return None
        x = np.asarray(x).reshape(len(t), -1)[:, : self.max_neurons].T.astype(np.float64)
        if x.size and (x.min() < 0 or x.max() > 1):
            lo, hi = x.min(), x.max()
            x = (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)
        rgb = np.repeat((255 * (1 - x))[:, :, None], 3, axis=2)
        base = np.array(ui.group_color(group), dtype=np.float64)
        rgb = rgb * 0.85 + 0.15 * base
        ids = [i for i in ui.selected_neuron_ids() if i < rgb.shape[0]]
        rgb[ids] = np.where(x[ids, :, None] > 0.5, (0, 120, 0), (170, 255, 170))
        return t, rgb.clip(0, 255).astype(np.uint8)

    def update(self, ui) -> None:
        if not self.tab.isVisible():
            return
        out = self.raster(ui)
        if out is None:
            return
        t, rgb = out
        self.image.setImage(rgb, autoLevels=False, levels=(0, 255))
        self.image.setRect(float(t[0]), 0.0, float(max(t[-1] - t[0] + 1, 1)), float(rgb.shape[0]))
