"""Spike-train statistics used to validate the network models.

Inputs are event lists as an EventRecorder gives them: ``t`` (iteration of
each spike) and ``i`` (neuron index), plus the step ``dt`` (s).

* firing rates (Hz) per neuron;
* CV of the inter-spike intervals per neuron (1 for a Poisson process, 0
  for a clock);
* population spike counts in bins and their Fano factor, a synchrony
  measure (about 1 for independent Poisson neurons, much larger when the
  population fires in synchronous volleys; Brunel 2000 and Brunel & Hakim
  1999 use the population activity's oscillation in the same way);
* the peak frequency of the population-rate power spectrum.
"""
from __future__ import annotations

import numpy as np

from ..core.errors import MonntoValueError

__all__ = ["cv_isi", "fano_factor", "firing_rates", "population_counts", "spectrum_peak",
           "spike_trains", "welch_spectrum"]


def spike_trains(t: np.ndarray, i: np.ndarray, n: int) -> list[np.ndarray]:
    """Spike iterations of each of ``n`` neurons, sorted."""
    t = np.asarray(t)
    i = np.asarray(i, dtype=np.int64)
    order = np.lexsort((t, i))
    t, i = t[order], i[order]
    bounds = np.searchsorted(i, np.arange(n + 1))
    return [t[bounds[k]:bounds[k + 1]] for k in range(n)]


def firing_rates(t: np.ndarray, i: np.ndarray, n: int, duration: float) -> np.ndarray:
    """Spikes per second of each of ``n`` neurons over ``duration`` seconds."""
    return np.bincount(np.asarray(i, dtype=np.int64), minlength=n)[:n] / float(duration)


def cv_isi(t: np.ndarray, i: np.ndarray, n: int, min_spikes: int = 3) -> np.ndarray:
    """CV (std/mean) of the inter-spike intervals of neurons with >= ``min_spikes`` spikes."""
    out = []
    for train in spike_trains(t, i, n):
        if train.size >= min_spikes:
            isi = np.diff(train.astype(float))
            if isi.mean() > 0:
                out.append(isi.std() / isi.mean())
    return np.asarray(out)


def population_counts(t: np.ndarray, n_steps: int, bin_steps: int = 1, start: int = 0) -> np.ndarray:
    """Number of spikes of the whole population in bins of ``bin_steps`` steps."""
    t = np.asarray(t, dtype=np.int64) - start
    t = t[(t >= 0) & (t < n_steps)]
    n_bins = n_steps // bin_steps
    return np.bincount(t // bin_steps, minlength=n_bins)[:n_bins]


def fano_factor(counts: np.ndarray) -> float:
    """Variance over mean of counts (0 for no spikes)."""
    counts = np.asarray(counts, dtype=float)
    m = counts.mean()
    return float(counts.var() / m) if m > 0 else 0.0


def spectrum_peak(counts: np.ndarray, bin_s: float, f_min: float = 1.0,
                  f_max: float | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """Frequency (Hz) of the largest peak of the population-count power spectrum.

    Returns ``(peak_frequency, frequencies, power)``; the mean is removed and
    only ``f_min <= f <= f_max`` is searched.
    """
    x = np.asarray(counts, dtype=float)
    x = x - x.mean()
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(x.size, d=bin_s)
    f_max = freqs[-1] if f_max is None else f_max
    band = (freqs >= f_min) & (freqs <= f_max)
    if not band.any():
        raise MonntoValueError(f"spectrum_peak: no frequency in [{f_min}, {f_max}] Hz for {x.size} bins of {bin_s} s")
    k = np.flatnonzero(band)[np.argmax(power[band])]
    return float(freqs[k]), freqs, power


def welch_spectrum(counts: np.ndarray, bin_s: float, segment: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Power spectrum of population counts averaged over Hann-windowed segments.

    Returns ``(frequencies in Hz, power)``; each segment of ``segment`` bins
    has its mean removed (Welch's method without overlap).
    """
    x = np.asarray(counts, dtype=float)
    n_seg = x.size // segment
    if n_seg < 1:
        raise MonntoValueError(f"welch_spectrum: {x.size} bins are fewer than one segment of {segment}")
    segs = x[: n_seg * segment].reshape(n_seg, segment)
    segs = segs - segs.mean(axis=1, keepdims=True)
    power = (np.abs(np.fft.rfft(segs * np.hanning(segment), axis=1)) ** 2).mean(axis=0)
    return np.fft.rfftfreq(segment, bin_s), power
