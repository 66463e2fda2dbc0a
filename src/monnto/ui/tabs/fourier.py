"""Fourier tab: spectrum of the group mean with the EEG bands shaded."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from ..tab_base import TabBase
from ._common import has_vector, mean_expression

#: EEG bands (Hz): name, low, high, RGBA.
EEG_BANDS = (("delta", 0.5, 4.0, (120, 120, 255, 50)), ("theta", 4.0, 8.0, (120, 255, 120, 50)),
             ("alpha", 8.0, 13.0, (255, 255, 90, 60)), ("beta", 13.0, 30.0, (255, 170, 80, 50)),
             ("gamma", 30.0, 100.0, (255, 100, 100, 40)))


def power_spectrum(signal: np.ndarray, step_seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """``(frequencies in Hz, power)`` of a mean-free, Hann-windowed real signal."""
    x = np.asarray(signal, dtype=np.float64)
    x = (x - x.mean()) * np.hanning(len(x))
    power = np.abs(np.fft.rfft(x)) ** 2 / max(len(x), 1)
    return np.fft.rfftfreq(len(x), d=step_seconds), power


class FourierTab(TabBase):
    """Power spectrum of each group's mean ``parameter``; EEG bands shaded.

    Parameters
    ----------
    parameter : str
        Neuron attribute whose group mean is analysed.
    timesteps : int
        Iterations analysed.
    ms_per_step : float, optional
        Duration of one iteration in ms (default: the group's ``dt`` when a
        Clock sets it, else 1 ms).
    """

    def __init__(self, parameter: str = "voltage", title: str = "Fourier", timesteps: int = 1000,
                 ms_per_step: float | None = None):
        super().__init__(title)
        self.parameter = parameter
        self.timesteps = int(timesteps)
        self.ms_per_step = ms_per_step

    def add_recorder_variables(self, group, ui) -> None:
        if has_vector(ui, group, self.parameter):
            ui.add_recording_variable(group, mean_expression(self.parameter), self.timesteps)

    def initialize(self, ui) -> None:
        self.tab = ui.add_tab(self.title)
        ui.add_widget(QtWidgets.QLabel("ms per iteration"))
        self.ms_spin = QtWidgets.QDoubleSpinBox()
        self.ms_spin.setDecimals(4)
        self.ms_spin.setRange(1e-4, 1e4)
        dt = getattr(ui.neuron_groups[0], "dt", None)
        self.ms_spin.setValue(self.ms_per_step or (float(dt) * 1e3 if isinstance(dt, float) else 1.0))
        ui.add_widget(self.ms_spin)
        ui.add_widget(QtWidgets.QLabel("max Hz"))
        self.cutoff = QtWidgets.QDoubleSpinBox()
        self.cutoff.setRange(1, 1e5)
        self.cutoff.setValue(120)
        ui.add_widget(self.cutoff)
        ui.add_widget(QtWidgets.QWidget(), 1)
        ui.add_row(10)
        self.plot = ui.add_plot(title=f"power spectrum of mean {self.parameter}", x_label="frequency (Hz)",
                                y_label="power")
        for name, lo, hi, color in EEG_BANDS:
            region = pg.LinearRegionItem((lo, hi), movable=False, brush=color, pen=pg.mkPen(None))
            region.setZValue(-10)
            self.plot.addItem(region)
            label = pg.TextItem(name, color=(80, 80, 80), anchor=(0.5, 0))
            label.setPos((lo + hi) / 2, 0)
            self.plot.addItem(label)
        self.curves = {id(g): (g, self.plot.plot(pen=pg.mkPen(ui.group_color(g), width=2)))
                       for g in ui.neuron_groups}

    def update(self, ui) -> None:
        if not self.tab.isVisible():
            return
        step = self.ms_spin.value() / 1e3
        for group, curve in self.curves.values():
            _, y = ui.get_recorded(group, mean_expression(self.parameter), last=self.timesteps)
            if len(y) < 4:
                continue
            f, p = power_spectrum(np.asarray(y, dtype=np.float64).ravel(), step)
            keep = (f > 0) & (f <= self.cutoff.value())
            curve.setData(f[keep], p[keep])
