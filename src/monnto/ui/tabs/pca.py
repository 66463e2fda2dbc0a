"""PCA tab: principal components of recent activity (numpy SVD)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ..tab_base import TabBase
from ._common import has_vector, neuron_expression


def pca_spectrum(activity: np.ndarray, max_neurons: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Singular values and explained-variance ratios of centred (T, N) activity."""
    x = np.asarray(activity, dtype=np.float64).reshape(len(activity), -1)[:, :max_neurons]
    x = x - x.mean(axis=0)
    # singular values from the smaller Gram matrix: s_k^2 are its eigenvalues
    gram = x.T @ x if x.shape[1] <= x.shape[0] else x @ x.T
    var = np.clip(np.linalg.eigvalsh(gram)[::-1], 0, None)
    s = np.sqrt(var)
    return s, var / var.sum() if var.sum() > 0 else var


class PCATab(TabBase):
    """Singular values, explained variance ratio and the largest singular values over time.

    Parameters
    ----------
    parameter : str
        Neuron attribute analysed.
    timesteps : int
        Window (iterations).
    max_neurons : int
        Use at most this many neurons (the SVD costs O(T N^2)).
    every : int
        Recompute every this many frames.
    """

    def __init__(self, parameter: str = "voltage", title: str = "PCA", timesteps: int = 1000,
                 max_neurons: int = 400, every: int = 5, components: int = 5):
        super().__init__(title)
        self.parameter = parameter
        self.timesteps = int(timesteps)
        self.max_neurons = int(max_neurons)
        self.every = max(int(every), 1)
        self.components = int(components)
        self.history: list[tuple[int, np.ndarray]] = []
        self._frame = 0

    def add_recorder_variables(self, group, ui) -> None:
        if has_vector(ui, group, self.parameter):
            ui.add_recording_variable(group, neuron_expression(self.parameter), self.timesteps)

    def initialize(self, ui) -> None:
        self.tab = ui.add_tab(self.title)
        p1 = ui.add_plot(title="singular values", x_label="component", y_label="s")
        p2 = ui.add_plot(title="explained variance ratio", x_label="component", y_label="ratio")
        ui.add_row()
        p3 = ui.add_plot(title=f"{self.components} largest singular values", x_label="iteration")
        self.singular = p1.plot(pen=(0, 110, 255), symbol="o", symbolSize=4)
        self.ratio = pg.BarGraphItem(x=[], height=[], width=0.8, brush=(0, 110, 255, 180))
        p2.addItem(self.ratio)
        self.trends = p3.add_curves(self.components)

    def update(self, ui) -> None:
        if not self.tab.isVisible():
            return
        self._frame += 1
        if self._frame % self.every and self.history:
            return
        group = ui.selected_neuron_group()
        t, x = ui.get_recorded(group, neuron_expression(self.parameter), last=self.timesteps,
                               column=slice(0, self.max_neurons))
        if len(t) < 3:
            return
        s, ratio = pca_spectrum(x, self.max_neurons)
        k = min(len(s), 50)
        self.singular.setData(np.arange(1, k + 1), s[:k])
        self.ratio.setOpts(x=np.arange(1, k + 1), height=ratio[:k])
        self.history.append((int(t[-1]), s[: self.components]))
        self.history = self.history[-500:]
        times = np.array([h[0] for h in self.history])
        for c, curve in enumerate(self.trends):
            values = np.array([h[1][c] if c < len(h[1]) else np.nan for h in self.history])
            curve.setData(times, values)
