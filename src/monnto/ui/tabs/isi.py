"""Activity/ISI tab: inter-spike intervals and firing rates."""
from __future__ import annotations

import numpy as np

from ..tab_base import TabBase
from ._common import has_vector, neuron_expression


def isi_values(spikes: np.ndarray) -> np.ndarray:
    """All inter-spike intervals (steps) of a (T, N) spike array, neuron by neuron."""
    t, i = np.nonzero(spikes)  # sorted by time
    order = np.lexsort((t, i))  # by neuron, then time
    t, i = t[order], i[order]
    return np.diff(t)[np.diff(i) == 0]


class ISITab(TabBase):
    """ISI histograms (selected neuron, whole group), rate histogram and the selected neuron's rate.

    Parameters
    ----------
    param : str
        Spike attribute (bool or 0/1 per neuron).
    timesteps : int
        Iterations analysed.
    window : int
        Sliding window (steps) of the selected neuron's rate.
    """

    def __init__(self, param: str = "spike", title: str = "Activity/ISI", timesteps: int = 1000,
                 window: int = 50, bins: int = 30, every: int = 3):
        super().__init__(title)
        self.param = param
        self.timesteps = int(timesteps)
        self.window = int(window)
        self.bins = int(bins)
        self.every = max(int(every), 1)
        self._frame = 0

    def add_recorder_variables(self, group, ui) -> None:
        if has_vector(ui, group, self.param):
            ui.add_recording_variable(group, neuron_expression(self.param), self.timesteps)

    def initialize(self, ui) -> None:
        self.tab = ui.add_tab(self.title)
        p1 = ui.add_plot(title="ISI, selected neuron", x_label="interval (steps)", y_label="count")
        p2 = ui.add_plot(title="ISI, group", x_label="interval (steps)", y_label="count")
        ui.add_row()
        p3 = ui.add_plot(title="mean rate per neuron", x_label="spikes / step", y_label="neurons")
        p4 = ui.add_plot(title="selected neuron rate", x_label="iteration", y_label="spikes / step")
        brush = (0, 110, 255, 150)
        self.isi_neuron = p1.plot(stepMode="center", fillLevel=0, brush=(0, 170, 0, 150))
        self.isi_group = p2.plot(stepMode="center", fillLevel=0, brush=brush)
        self.rate_hist = p3.plot(stepMode="center", fillLevel=0, brush=brush)
        self.rate_trace = p4.plot(pen=(0, 170, 0))

    def compute(self, ui) -> dict | None:
        group = ui.selected_neuron_group()
        t, spikes = ui.get_recorded(group, neuron_expression(self.param), last=self.timesteps)
        if len(t) < 2:
            return None
        spikes = np.asarray(spikes).reshape(len(t), -1) > 0
        i = ui.selected_neuron_id()
        isi_all = isi_values(spikes)
        isi_one = np.diff(np.flatnonzero(spikes[:, i]))
        top = max(int(isi_all.max()) if isi_all.size else 1, 1)
        edges = np.linspace(0.5, top + 0.5, min(self.bins, top) + 1)
        rates = spikes.mean(axis=0)
        rate_counts, rate_edges = np.histogram(rates, bins=self.bins, range=(0, max(rates.max(), 1e-9)))
        kernel = np.ones(min(self.window, len(t))) / min(self.window, len(t))
        trace = np.convolve(spikes[:, i].astype(float), kernel, mode="same")
        return {"isi_one": np.histogram(isi_one, bins=edges)[::-1], "isi_all": np.histogram(isi_all, bins=edges)[::-1],
                "rates": (rate_edges, rate_counts), "trace": (t, trace)}

    def update(self, ui) -> None:
        if not self.tab.isVisible():
            return
        self._frame += 1
        if self._frame % self.every and self._frame > 1:
            return
        out = self.compute(ui)
        if out is None:
            return
        self.isi_neuron.setData(*out["isi_one"])
        self.isi_group.setData(*out["isi_all"])
        self.rate_hist.setData(*out["rates"])
        self.rate_trace.setData(*out["trace"])
