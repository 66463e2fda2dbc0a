"""Pure functions for video input: frame timing, frame-to-neuron mapping, event-camera model.

**Timing.** With a source of ``fps`` frames per second and a network step
``dt`` (s), step ``k`` (covering ``[k dt, (k+1) dt)``) shows frame
``floor(k dt fps)`` (sample and hold; computed from ``k``, so no drift).
``T`` frames therefore last exactly ``T / fps`` seconds, that is
``T / (fps dt)`` steps when that is a whole number (else rounded up).
When ``fps > 1/dt`` frames are dropped: only the frames some step shows
are used.

**Mapping.** A NeuronGroup built on ``NeuronDimension(width=w, height=h,
depth=d)`` orders its neurons x fastest, then y, then z: neuron
``i = z*w*h + y*w + x``. A frame ``(H, W, C)`` is cropped to the group's
aspect ratio (centred; ``fit='crop'``, the default) or not (``'stretch'``),
reduced to ``(h, w)`` by area averaging (any ratio; frames smaller than
the grid are refused: no upsampling), and its channel ``c`` becomes layer
``z = c``; so ``vector[z*w*h + y*w + x] = frame[y, x, z]``, i.e. the
frame transposed to ``(C, H, W)`` and flattened. Channels are matched to the
layers per polarity: 1 layer takes the luminance of an RGB(A) frame
(Rec. 601 weights 0.299, 0.587, 0.114), 3 layers take R, G, B; otherwise
the counts must agree. Event encoders with both polarities use ``2 c``
layers: ON of channels ``0..c-1`` first, then OFF.

**Event camera (temporal contrast).** Each pixel keeps the log intensity
``ref`` at its last event (Lichtsteiner, Posch & Delbruck 2008, IEEE JSSC
43:566). When ``log(I + eps) - ref >= on_threshold`` it emits an ON event,
when ``<= -off_threshold`` an OFF event; then ``ref`` is reset to the
current log intensity and the pixel is refractory for ``refractory_steps``
steps (it may fire again ``refractory_steps`` steps later; 0: every step).
One event per pixel and step at most. :func:`temporal_contrast_step` is
that model step by step; :func:`temporal_contrast_events` gives the same
events for sample-and-hold frames while doing work only at frame changes
and refractory ends.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from monnto.core.errors import bad_value

__all__ = ["frame_of_step", "frame_start_step", "area_matrix", "FrameMapper", "luminance",
           "temporal_contrast_step", "temporal_contrast_events", "ContrastState", "Events"]

_EPS = 1e-9


def frame_of_step(step, dt: float, fps: float):
    """Index of the frame shown at ``step`` (int or int array): ``floor(step dt fps)``."""
    return np.floor(np.asarray(step, dtype=np.float64) * (dt * fps) + _EPS).astype(np.int64)


def frame_start_step(frame, dt: float, fps: float):
    """First step showing frame ``frame`` (or a later frame): the smallest k with
    ``frame_of_step(k) >= frame``."""
    frame = np.asarray(frame, dtype=np.int64)
    r = dt * fps
    k = np.maximum(np.ceil((frame - _EPS) / r).astype(np.int64), 0)
    k = np.where(frame_of_step(k, dt, fps) < frame, k + 1, k)
    k = np.where((k > 0) & (frame_of_step(np.maximum(k - 1, 0), dt, fps) >= frame), k - 1, k)
    return k


def area_matrix(n_out: int, n_in: int) -> np.ndarray:
    """``(n_out, n_in)`` weights averaging ``n_in`` cells into ``n_out`` (``n_out <= n_in``).

    Output cell ``j`` covers the input interval ``[j n_in/n_out, (j+1) n_in/n_out)``;
    each input cell counts with the length of its overlap; rows sum to 1.
    """
    edges = np.arange(n_out + 1) * (n_in / n_out)
    lo, hi = edges[:-1, None], edges[1:, None]
    cells = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, cells + 1) - np.maximum(lo, cells), 0, None)
    return (overlap / overlap.sum(axis=1, keepdims=True)).astype(np.float32)


def luminance(frames: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of RGB(A) frames ``(..., C>=3)`` -> ``(..., 1)``."""
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return (frames[..., :3] @ weights)[..., None]


class FrameMapper:
    """Maps frames ``(F, H, W, C)`` to neuron vectors ``(F, c*h*w)`` (see module docstring).

    Parameters
    ----------
    grid : tuple of int
        ``(h, w, c)``: the group's height, width and layers per polarity.
    frame_shape : tuple of int
        ``(H, W, C)`` of the source's frames.
    fit : {'crop', 'stretch'}
    owner : str
        Name used in error messages.
    """

    def __init__(self, grid: tuple[int, int, int], frame_shape: tuple[int, int, int], fit: str,
                 owner: str) -> None:
        h, w, c = grid
        big_h, big_w, big_c = frame_shape
        if fit not in ("crop", "stretch"):
            raise bad_value(owner, "fit", fit, "'crop' or 'stretch'")
        if big_c == c:
            self.channels = "same"
        elif c == 1 and big_c in (3, 4):
            self.channels = "luminance"
        elif c == 1 and big_c == 2:    # gray + alpha
            self.channels = "first"
        elif c == 3 and big_c == 4:    # RGBA
            self.channels = "rgb"
        else:
            raise bad_value(owner, "source", f"frames with {big_c} channel(s)",
                            f"frames that map onto the group's {c} layer(s) per polarity "
                            "(1 layer: gray or RGB; 3 layers: RGB; else as many channels as layers)")
        self.rows, self.cols = slice(0, big_h), slice(0, big_w)
        if fit == "crop":
            if big_w * h > big_h * w:       # frame wider than the grid: crop columns
                keep = max(w, round(big_h * w / h))
                first = (big_w - keep) // 2
                self.cols = slice(first, first + keep)
            elif big_w * h < big_h * w:
                keep = max(h, round(big_w * h / w))
                first = (big_h - keep) // 2
                self.rows = slice(first, first + keep)
        crop_h = self.rows.stop - self.rows.start
        crop_w = self.cols.stop - self.cols.start
        if crop_h < h or crop_w < w:
            raise bad_value(owner, "source", f"frames of {big_h}x{big_w} pixels (height x width)",
                            f"frames at least as large as the group's {h}x{w} grid (frames are "
                            "averaged down, never upsampled)",
                            hint="use a smaller NeuronDimension or larger frames")
        self.grid = (h, w, c)
        self.row_weights = None if crop_h == h else area_matrix(h, crop_h)
        self.col_weights = None if crop_w == w else area_matrix(w, crop_w).T.copy()

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        frames = frames[:, self.rows, self.cols, :]
        if self.channels == "luminance":
            frames = luminance(frames)
        elif self.channels == "first":
            frames = frames[..., :1]
        elif self.channels == "rgb":
            frames = frames[..., :3]
        planes = np.ascontiguousarray(frames.transpose(0, 3, 1, 2), dtype=np.float32)  # (F, C, H, W)
        if self.row_weights is not None:
            planes = np.matmul(self.row_weights, planes)
        if self.col_weights is not None:
            planes = np.matmul(planes, self.col_weights)
        return planes.reshape(len(planes), -1)


def temporal_contrast_step(log_i, ref, refractory_left, on_threshold: float, off_threshold: float,
                           refractory_steps: int):
    """One step of the event-camera pixel model, reference version.

    Parameters
    ----------
    log_i : array (N,)
        ``log(I + eps)`` of each pixel this step.
    ref : array (N,)
        Log intensity at each pixel's last event (updated copy returned).
    refractory_left : int array (N,)
        Steps each pixel still waits (updated copy returned).
    on_threshold, off_threshold : float
        Contrast thresholds (log units, > 0).
    refractory_steps : int
        Steps a pixel waits after an event.

    Returns
    -------
    on, off : bool arrays (N,)
    ref, refractory_left : arrays (N,)
    """
    refractory_left = refractory_left - 1
    ready = refractory_left <= 0
    change = log_i - ref
    on = ready & (change >= on_threshold)
    off = ready & (change <= -off_threshold)
    fired = on | off
    ref = np.where(fired, log_i, ref)
    refractory_left = np.where(fired, refractory_steps, refractory_left)
    return on, off, ref, refractory_left


class ContrastState(NamedTuple):
    """Per-pixel state of :func:`temporal_contrast_events`: ``ref`` (log
    intensity at the last event) and ``ready`` (first step it may fire again)."""

    ref: np.ndarray
    ready: np.ndarray


class Events(NamedTuple):
    """Events sorted by step: ``step``, pixel ``index`` and ``on`` (True: ON, False: OFF)."""

    step: np.ndarray
    index: np.ndarray
    on: np.ndarray


def temporal_contrast_events(log_frames: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                             state: ContrastState, on_threshold: float, off_threshold: float,
                             refractory_steps: int) -> Events:
    """Events of sample-and-hold frames: frame ``f`` is shown in steps ``[starts[f], ends[f])``.

    Gives the events :func:`temporal_contrast_step` gives step by step (a
    pixel compares only when a new frame appears or when its refractory
    time ends, as nothing else changes). ``state`` is updated in place.

    Parameters
    ----------
    log_frames : array (F, N)
        Log intensities of the frames.
    starts, ends : int arrays (F,)
        Step range of each frame (``ends[f] == starts[f+1]``).
    state : ContrastState
    on_threshold, off_threshold : float
        Log units.
    refractory_steps : int
    """
    ref, ready = state
    steps, index, on = [], [], []
    for f in range(len(log_frames)):
        level = log_frames[f]
        change = level - ref
        when = np.maximum(ready, starts[f])
        fire = ((change >= on_threshold) | (change <= -off_threshold)) & (when < ends[f])
        idx = np.flatnonzero(fire)
        if len(idx):
            at = when[idx]
            steps.append(at)
            index.append(idx)
            on.append(change[idx] > 0)
            ref[idx] = level[idx]
            ready[idx] = at + refractory_steps
    if not steps:
        empty = np.zeros(0, dtype=np.int64)
        return Events(empty, empty, np.zeros(0, dtype=bool))
    step, idx, polarity = np.concatenate(steps), np.concatenate(index), np.concatenate(on)
    order = np.lexsort((idx, step))
    return Events(step[order], idx[order], polarity[order])
