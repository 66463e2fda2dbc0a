"""Sensory tab: the current input frame (video, event camera) or the cochleagram (audio).

One image per displayed group that has a :class:`~monnto.behaviours.inputs.VideoInput`,
:class:`~monnto.behaviours.inputs.EventStreamInput` or
:class:`~monnto.behaviours.inputs.AudioInput`, beside a plot of the group's
spike count per step (the network activity the input causes). The images
come from Qt-free functions (:func:`input_image`, :class:`Cochleagram`), so
they are tested without a display. It is one of the default modules
(:func:`monnto.ui.get_default_UI_modules`) and adds its tab only when a
displayed group has a sensory input; with your own module list, add
``SensoryInputTab()``.
"""
from __future__ import annotations

import numpy as np

from ..tab_base import TabBase

__all__ = ["SensoryInputTab", "Cochleagram", "input_image", "sensory_inputs"]

SENSORY_CLASSES = ("VideoInput", "EventStreamInput", "AudioInput")


def sensory_inputs(group) -> list:
    """The sensory input behaviours of ``group`` (by class name, so no import of the inputs)."""
    return [b for b in getattr(group, "behaviour", {}).values() if type(b).__name__ in SENSORY_CLASSES]


def _layers_side_by_side(layers: np.ndarray) -> np.ndarray:
    """``(h, w, c)`` -> ``(h, c*w)``: the layers next to each other."""
    h, w, c = layers.shape
    return layers.transpose(0, 2, 1).reshape(h, c * w)


def input_image(behaviour, group) -> np.ndarray | None:
    """What ``behaviour`` shows its group now, as an image (rows = y).

    VideoInput: the mapped frame (RGB when it has 3 layers, else the layers
    side by side); EventStreamInput: this step's ON (+1) and OFF (-1) events
    on the grid; AudioInput: None (use :class:`Cochleagram`).
    """
    kind = type(behaviour).__name__
    if kind == "VideoInput":
        frame = behaviour.current_frame()
        if frame is None:
            return None
        return frame if frame.shape[2] == 3 else _layers_side_by_side(frame)
    if kind == "EventStreamInput":
        h, w = int(group.height), int(group.width)
        spikes = np.asarray(group.spike, dtype=float).reshape(-1, h, w)
        image = spikes[0] - (spikes[1] if len(spikes) > 1 else 0)
        if behaviour.polarity == "off":
            image = -image
        return image
    return None


class Cochleagram:
    """A rolling ``(channels, history)`` image of an AudioInput's ``last_values``."""

    def __init__(self, channels: int, history: int = 300) -> None:
        self.image = np.zeros((int(channels), int(history)))

    def push(self, values) -> np.ndarray:
        self.image = np.roll(self.image, -1, axis=1)
        self.image[:, -1] = np.asarray(values, dtype=float)
        return self.image


class SensoryInputTab(TabBase):
    """The current input frame or cochleagram of each group with a sensory input.

    The tab is only created when at least one displayed group has a
    VideoInput, EventStreamInput or AudioInput, so the module costs nothing
    in the default set of a network without sensory inputs.

    Parameters
    ----------
    history : int
        Steps shown in a cochleagram and in the activity plot (a positive int).
    title : str
    """

    def __init__(self, history: int = 300, title: str = "Sensory input"):
        super().__init__(title)
        if isinstance(history, bool) or not isinstance(history, (int, np.integer)) or history < 1:
            raise ValueError(f"SensoryInputTab: history must be a positive int (steps), got {history!r}")
        self.history = int(history)
        self.views: list = []

    def initialize(self, ui) -> None:
        import pyqtgraph as pg

        inputs = [(group, behaviour) for group in ui.neuron_groups for behaviour in sensory_inputs(group)]
        if not inputs:
            return  # no sensory input shown: no tab
        self.tab = ui.add_tab(self.title)
        for group, behaviour in inputs:
            ui.add_row(10)
            audio = type(behaviour).__name__ == "AudioInput"
            title = f"{group.tag}: {'cochleagram' if audio else 'input frame'}"
            image = ui.add_image_plot(title=title, x_label="step" if audio else "x",
                                      y_label="channel" if audio else "y", stretch=2)
            activity = ui.add_plot(title=f"{group.tag}: spikes per step", x_label="step")
            curve = activity.plot(pen=pg.mkPen(ui.group_color(group), width=1.5))
            cochleagram = Cochleagram(len(behaviour.frequencies), self.history) if audio else None
            self.views.append({"group": group, "input": behaviour, "image": image, "curve": curve,
                               "cochleagram": cochleagram, "counts": np.zeros(self.history)})

    def update(self, ui) -> None:
        for view in self.views:
            group, behaviour = view["group"], view["input"]
            spikes = getattr(group, "spike", None)
            view["counts"] = np.roll(view["counts"], -1)
            view["counts"][-1] = float(np.sum(np.asarray(spikes))) if spikes is not None else 0.0
            if view["cochleagram"] is not None:
                image = view["cochleagram"].push(behaviour.last_values)[::-1]
            else:
                image = input_image(behaviour, group)
            view["last_image"] = image
            if not self.is_visible():
                continue
            if image is not None:
                view["image"].setImage(np.asarray(image, dtype=float), axisOrder="row-major")
            view["curve"].setData(view["counts"])
