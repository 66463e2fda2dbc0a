"""Video input: frames of a file, folder, array or generator into a grid of neurons.

:class:`VideoInput` sits on a NeuronGroup built on a ``NeuronDimension``
(width x height x layers). Frames are mapped onto the neurons as described
in :mod:`monnto.behaviours.inputs.frames` (neuron ``z*w*h + y*w + x`` sees
pixel ``(y, x)`` of channel ``z``; ON layers before OFF layers) and shown
with sample and hold at the network's step. Three encodings:

* ``'current'``: ``amplitude * intensity`` (intensity in [0, 1]) is **added**
  to ``n.<target>`` (``n.I_input`` by default) every step;
* ``'poisson'``: ``n.spike`` is True with probability ``intensity * max_rate
  * dt`` per step (draws from ``net.rng``);
* ``'events'``: ``n.spike`` holds the ON/OFF events of an event camera
  (temporal contrast of ``log(intensity + eps)``, thresholds in log units,
  refractory time in seconds). ``polarity='both'`` needs twice the layers
  (ON, then OFF); ``'on'`` or ``'off'`` puts one polarity on the group, so
  two groups with one VideoInput each split them.

The time step is the group's (a Clock's ``dt``), else ``dt=`` (s), else 1 ms.
Frames are read ``chunk_frames`` at a time and encoded for all steps they
cover at once; a step copies one row (current, poisson) or one slice of the
chunk's sorted events. After the last frame the input is silent and
``finished`` is True.

Reference: P. Lichtsteiner, C. Posch & T. Delbruck, A 128x128 120 dB 15 us
latency asynchronous temporal contrast vision sensor, IEEE J. Solid-State
Circuits 43:566 (2008).
"""
from __future__ import annotations

import numpy as np

from monnto.core.errors import bad_value, describe

from ..neurons._common import from_host, input_vector, resolve_dt
from ._streaming import StreamingInput
from .frames import ContrastState, FrameMapper, frame_start_step, temporal_contrast_events
from .sources import open_frame_source

__all__ = ["VideoInput"]

ENCODINGS = ("current", "poisson", "events")
POLARITIES = ("both", "on", "off")


class VideoInput(StreamingInput):
    """Frames into a grid group (see module docstring).

    Keyword arguments
    -----------------
    source : array (T, H, W[, C]), path or iterable of frames
        Required. Paths: a video file (PyAV), an image folder, an ``.npy`` file.
    fps : float
        Frames per second (Hz); required unless the video file states it.
    encoding : {'current', 'poisson', 'events'}
        Default ``'current'``.
    amplitude : float
        Current per unit intensity (target unit; default 1.0).
    target : str
        Variable the current is added to (default ``'I_input'``).
    max_rate : float
        Rate at intensity 1 for ``'poisson'`` (Hz, default 100).
    threshold, on_threshold, off_threshold : float
        Event thresholds in log-intensity units (default 0.15 both).
    refractory : float
        Event refractory time (s, default 0: a pixel may fire every step).
    eps : float
        Intensity offset inside the log (default 0.01).
    initial_reference : 'first' or float
        The pixels' reference before the first frame: the first frame itself
        (no events at the start, default) or an intensity (0: darkness).
    polarity : {'both', 'on', 'off'}
        Which events the group receives (default ``'both'``).
    fit : {'crop', 'stretch'}
        Keep the aspect ratio by cropping the frame's centre (default) or not.
    chunk_frames : int
        Frames read and encoded at a time (default 16).
    dt : float
        Step (s) when the group has no Clock (default 1e-3).

    Attributes
    ----------
    step : int
        Steps delivered so far.
    frame_index : int
        Frame shown in the last step (-1 before the first, or after the end).
    finished : bool
        True once every frame was shown.

    Examples
    --------
    Three frames of 2 x 3 pixels, 10 frames per second, on a 3 x 2 grid with
    a step of 0.1 s (one frame per step), as currents; the neuron order is x
    fastest, then y:

    >>> import numpy as np
    >>> from monnto import Network, NeuronDimension, NeuronGroup
    >>> from monnto.behaviours.inputs import VideoInput
    >>> frames = np.arange(3 * 2 * 3).reshape(3, 2, 3) / 10
    >>> net = Network(seed=1)
    >>> retina = NeuronGroup(net, NeuronDimension(width=3, height=2), tag='retina',
    ...                      behaviour={1: VideoInput(source=frames, fps=10, dt=0.1)})
    >>> net.initialize()
    >>> net.simulate_iteration()
    >>> print(np.round(retina.I_input.reshape(2, 3), 3))
    [[0.  0.1 0.2]
     [0.3 0.4 0.5]]
    >>> retina.VideoInput.frame_index
    0
    """

    default_dt = 1e-3
    transient_attributes = (*StreamingInput.transient_attributes, "_mapper")

    def set_variables(self, n) -> None:
        source = self._take_source()
        self.dt = resolve_dt(self, n, self.default_dt)
        fps = self.get_init_attr("fps", None, None)
        self.encoding = self.get_init_attr("encoding", "current", None)
        if self.encoding not in ENCODINGS:
            raise bad_value(self, "encoding", self.encoding, f"one of {list(ENCODINGS)}")
        self.polarity = self.get_init_attr("polarity", "both", None)
        if self.polarity not in POLARITIES:
            raise bad_value(self, "polarity", self.polarity, f"one of {list(POLARITIES)}")
        self.grid = self._grid(n)
        self.fps = None if fps is None else float(fps)
        if self.fps is not None and not self.fps > 0:
            raise bad_value(self, "fps", fps, "a positive frame rate in Hz")
        self.fit = self.get_init_attr("fit", "crop", None)
        self.chunk_frames = int(self.get_init_attr("chunk_frames", 16, None))
        if self.chunk_frames < 1:
            raise bad_value(self, "chunk_frames", self.chunk_frames, "a positive int")
        self._read_encoding_params()
        if self.encoding == "current":
            self.target = self.get_init_attr("target", "I_input", None)
            input_vector(n, self.target)
        else:
            n.spike = n.get_neuron_vec(bool)
        self._rng = n.network.rng
        self._reader = self._open(source)
        self.fps = self._reader.fps
        self.step = 0
        self.frame_index = -1
        self.finished = False
        self._frame0 = 0
        self._step_end = 0
        self._vectors = np.zeros((0, n.size), dtype=np.float32)
        self._reference = None     # event camera: log intensity at each pixel's last event
        self._ready = None         # event camera: first step each pixel may fire again
        self._mapper = None
        self._load_chunk(n)   # reads the first frames: a size mismatch is reported now

    def _grid(self, n) -> tuple[int, int, int]:
        dims = [getattr(n, a, None) for a in ("height", "width", "depth")]
        if None in dims:
            raise bad_value(self, None, repr(n), "a NeuronGroup built on a NeuronDimension "
                            "(width x height x layers)")
        h, w, d = (int(x) for x in dims)
        layers = d
        if self.encoding == "events" and self.polarity == "both":
            if d % 2:
                raise bad_value(self, "polarity", "both", f"used on a group with an even depth (ON "
                                f"and OFF layers), the group has depth {d}",
                                hint="use polarity='on' or 'off', or double the depth")
            layers = d // 2
        return h, w, layers

    def _read_encoding_params(self) -> None:
        self.amplitude = float(self.get_init_attr("amplitude", 1.0, None))
        self.max_rate = float(self.get_init_attr("max_rate", 100.0, None))
        if self.encoding == "poisson" and not 0 <= self.max_rate * self.dt <= 1:
            raise bad_value(self, "max_rate", self.max_rate, f"between 0 and 1/dt = {1 / self.dt:g} Hz")
        threshold = float(self.get_init_attr("threshold", 0.15, None))
        self.on_threshold = float(self.get_init_attr("on_threshold", threshold, None))
        self.off_threshold = float(self.get_init_attr("off_threshold", threshold, None))
        if not (self.on_threshold > 0 and self.off_threshold > 0):
            raise bad_value(self, "threshold", (self.on_threshold, self.off_threshold),
                            "positive (log-intensity units)")
        refractory = float(self.get_init_attr("refractory", 0.0, None))
        if refractory < 0:
            raise bad_value(self, "refractory", refractory, "a time >= 0 s")
        self.refractory_steps = int(round(refractory / self.dt))
        self.eps = float(self.get_init_attr("eps", 0.01, None))
        if not self.eps > 0:
            raise bad_value(self, "eps", self.eps, "a positive intensity offset")
        self.initial_reference = self.get_init_attr("initial_reference", "first", None)
        if self.initial_reference != "first" and not isinstance(self.initial_reference, (int, float)):
            raise bad_value(self, "initial_reference", self.initial_reference, "'first' or an intensity")

    def _open(self, source):
        color = self.grid[2] != 1
        return open_frame_source(source, self.fps, describe(self), color=color)

    # ------------------------------------------------------------------ chunks

    def _load_chunk(self, n) -> None:
        """Read the next frames and encode every step they cover."""
        frames = self._reader.read(self.chunk_frames)
        self._sync_position()
        self._frame0 += len(self._vectors)
        if len(frames) == 0:
            self.finished = True
            self._vectors = np.zeros((0, n.size), dtype=np.float32)
            return
        if self.__dict__.get("_mapper") is None:   # transient: rebuilt after loading
            self._mapper = FrameMapper(self.grid, frames.shape[1:], self.fit, describe(self))
            self.frame_shape = tuple(int(x) for x in frames.shape[1:])
        if tuple(frames.shape[1:]) != tuple(self.frame_shape):
            raise bad_value(self, "source", f"a frame of shape {frames.shape[1:]}",
                            f"frames of one shape throughout, {self.frame_shape} (H, W, C) like the first")
        vectors = self._mapper(frames)
        frame_ids = self._frame0 + np.arange(len(vectors) + 1)
        bounds = frame_start_step(frame_ids, self.dt, self.fps)
        self._chunk_start = int(bounds[0])
        self._step_end = int(bounds[-1])
        self._vectors = vectors
        if self.encoding == "current":
            self._drive = from_host(n, self.amplitude * vectors)
        elif self.encoding == "events":
            self._encode_events(vectors, bounds)

    def _encode_events(self, vectors: np.ndarray, bounds: np.ndarray) -> None:
        log_frames = np.log(vectors + np.float32(self.eps))
        if self._reference is None:
            if self.initial_reference == "first":
                self._reference = log_frames[0].astype(np.float64)
            else:
                self._reference = np.full(log_frames.shape[1],
                                          np.log(float(self.initial_reference) + self.eps))
            self._ready = np.zeros(log_frames.shape[1], dtype=np.int64)
        shown = bounds[1:] > bounds[:-1]
        events = temporal_contrast_events(log_frames[shown], bounds[:-1][shown], bounds[1:][shown],
                                          ContrastState(self._reference, self._ready),
                                          self.on_threshold, self.off_threshold, self.refractory_steps)
        if self.polarity == "both":   # OFF layers follow the ON layers
            index = np.where(events.on, events.index, events.index + log_frames.shape[1])
            steps = events.step
        else:
            keep = events.on if self.polarity == "on" else ~events.on
            index, steps = events.index[keep], events.step[keep]
        self._event_index = index
        self._event_bounds = np.searchsorted(steps, np.arange(self._chunk_start, self._step_end + 1))

    # ------------------------------------------------------------------ steps

    def new_iteration(self, n) -> None:
        while not self.finished and self.step >= self._step_end:
            self._load_chunk(n)
        if self.finished:
            self.frame_index = -1
            if self.encoding != "current":
                n.spike = n.get_neuron_vec(bool)
            self.step += 1
            return
        row = int(np.floor(self.step * self.dt * self.fps + 1e-9)) - self._frame0
        self.frame_index = self._frame0 + row
        if self.encoding == "current":
            target = getattr(n, self.target)
            target += self._drive[row]
        elif self.encoding == "poisson":
            spikes = self._rng.random(n.size) < self._vectors[row] * (self.max_rate * self.dt)
            n.spike = spikes if n.xp is np else from_host(n, spikes)
        else:
            k = self.step - self._chunk_start
            spikes = np.zeros(n.size, dtype=bool)
            spikes[self._event_index[self._event_bounds[k]:self._event_bounds[k + 1]]] = True
            n.spike = spikes if n.xp is np else from_host(n, spikes)
        self.step += 1

    def current_frame(self) -> np.ndarray | None:
        """The mapped intensity of the frame shown in the last step, ``(h, w, layers)``."""
        if self.frame_index < 0:
            return None
        h, w, c = self.grid
        row = self.frame_index - self._frame0
        if not 0 <= row < len(self._vectors):
            return None
        return self._vectors[row].reshape(c, h, w).transpose(1, 2, 0)
