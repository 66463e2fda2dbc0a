"""A cochlea-like filterbank: gammatone filters with centre frequencies on the ERB or mel scale.

ERB scale (Glasberg & Moore 1990, Hear. Res. 47:103, eqs. 3-4): the
equivalent rectangular bandwidth of the auditory filter at ``f`` Hz is

    ERB(f) = 24.7 (4.37 f / 1000 + 1)   Hz

and the ERB-number (the number of ERBs below ``f``) is
``21.4 log10(4.37 f / 1000 + 1)``; :func:`centre_frequencies` spaces
channels evenly on it (or on the mel scale ``2595 log10(1 + f / 700)``).

Gammatone filter of order 4 (Patterson et al. 1992; impulse response
``t^3 exp(-2 pi b ERB(fc) t) cos(2 pi fc t)``, ``b = 1.019``), made as the
cascade of four identical complex one-pole filters (Hohmann 2002, Acta Acustica 88:433)

    y[k] = (1 - a) x[k] + a exp(i 2 pi fc / fs) y[k - 1],   a = exp(-2 pi b ERB(fc) / fs)

whose gain at ``fc`` is 1 (run as one 4th-order filter per channel, state in
direct form II transposed); the real output is ``2 Re(y)`` (a tone of
amplitude A at ``fc`` gives about ``A cos(...)``). The complex state is kept
between calls, so a signal filtered chunk by chunk gives the same output as
filtered whole.
"""
from __future__ import annotations

import numpy as np

from monnto.core.errors import bad_value

__all__ = ["erb_bandwidth", "erb_number", "erb_number_to_hz", "hz_to_mel", "mel_to_hz",
           "centre_frequencies", "GammatoneFilterbank", "rectify_compress", "step_means"]


def erb_bandwidth(f):
    """Equivalent rectangular bandwidth (Hz) of the auditory filter at ``f`` (Hz)."""
    return 24.7 * (4.37e-3 * np.asarray(f, dtype=np.float64) + 1.0)


def erb_number(f):
    """ERB-number (Cam) of ``f`` (Hz): ``21.4 log10(4.37 f / 1000 + 1)``."""
    return 21.4 * np.log10(4.37e-3 * np.asarray(f, dtype=np.float64) + 1.0)


def erb_number_to_hz(e):
    """Inverse of :func:`erb_number`."""
    return (10.0 ** (np.asarray(e, dtype=np.float64) / 21.4) - 1.0) / 4.37e-3


def hz_to_mel(f):
    """Mel of ``f`` (Hz): ``2595 log10(1 + f / 700)``."""
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def mel_to_hz(m):
    """Inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def centre_frequencies(n: int, f_min: float, f_max: float, scale: str = "erb") -> np.ndarray:
    """``n`` centre frequencies (Hz, ascending) from ``f_min`` to ``f_max``, evenly spaced on ``scale``.

    Parameters
    ----------
    n : int
        Number of channels (>= 1; one channel sits at ``f_min``).
    f_min, f_max : float
        Lowest and highest centre frequency (Hz), ``0 < f_min <= f_max``.
    scale : {'erb', 'mel'}

    Examples
    --------
    >>> centre_frequencies(4, 100, 8000).round(1)
    array([ 100. ,  733. , 2584.5, 8000. ])
    >>> centre_frequencies(3, 100, 8000, scale='mel').round(1)
    array([ 100. , 1938.2, 8000. ])
    """
    if int(n) < 1:
        raise bad_value("centre_frequencies", "n", n, "a positive number of channels")
    if not 0 < f_min <= f_max:
        raise bad_value("centre_frequencies", "f_min, f_max", (f_min, f_max), "0 < f_min <= f_max (Hz)")
    if scale == "erb":
        forward, back = erb_number, erb_number_to_hz
    elif scale == "mel":
        forward, back = hz_to_mel, mel_to_hz
    else:
        raise bad_value("centre_frequencies", "scale", scale, "'erb' or 'mel'")
    if int(n) == 1:
        return np.array([float(f_min)])
    return back(np.linspace(forward(f_min), forward(f_max), int(n)))


class GammatoneFilterbank:
    """Order-``order`` gammatone filters at ``frequencies`` (Hz) for signals sampled at ``samplerate``.

    ``process(x)`` filters a chunk of samples ``(m,)`` and returns ``(channels, m)``;
    the filter state (``state``, complex ``(channels, order)``) carries over.
    """

    def __init__(self, frequencies, samplerate: float, order: int = 4, bandwidth_factor: float = 1.019):
        self.frequencies = np.asarray(frequencies, dtype=np.float64)
        self.samplerate = float(samplerate)
        if np.any(self.frequencies <= 0) or np.any(self.frequencies >= self.samplerate / 2):
            raise bad_value("GammatoneFilterbank", "frequencies",
                            (float(self.frequencies.min()), float(self.frequencies.max())),
                            f"between 0 and the Nyquist frequency {self.samplerate / 2:g} Hz")
        self.order = int(order)
        decay = np.exp(-2 * np.pi * bandwidth_factor * erb_bandwidth(self.frequencies) / self.samplerate)
        self.gain = 1.0 - decay
        self.poles = decay * np.exp(2j * np.pi * self.frequencies / self.samplerate)
        self.state = np.zeros((len(self.frequencies), self.order), dtype=np.complex128)
        # the cascade as one filter per channel: gain^order / (1 - pole z^-1)^order
        self._b = [np.array([g ** self.order]) for g in self.gain]
        self._a = [np.poly(np.full(self.order, p)) for p in self.poles]

    def process(self, x: np.ndarray) -> np.ndarray:
        """Filter ``x`` (m samples); returns the real outputs ``(channels, m)``."""
        from scipy.signal import lfilter

        x = np.asarray(x, dtype=np.float64)
        out = np.empty((len(self.frequencies), len(x)), dtype=np.float64)
        if len(x) == 0:
            return out
        for c, (b, a) in enumerate(zip(self._b, self._a)):
            y, self.state[c] = lfilter(b, a, x, zi=self.state[c])
            out[c] = 2.0 * y.real
        return out


def rectify_compress(y: np.ndarray, exponent: float, out: np.ndarray | None = None) -> np.ndarray:
    """Half-wave rectification and power-law compression: ``max(y, 0) ** exponent``.

    ``out=y`` computes in place (no temporary arrays).
    """
    r = np.maximum(y, 0.0, out=out)
    return r if exponent == 1 else np.power(r, exponent, out=r)


def step_means(values: np.ndarray, starts: np.ndarray, total: int) -> np.ndarray:
    """Mean of ``values (channels, m)`` over each step's samples ``[starts[k], starts[k+1])``.

    ``starts`` holds the first sample of each step (ascending, distinct,
    ``starts[0] == 0``); the last step ends at ``total``. Returns ``(steps, channels)``.
    """
    counts = np.diff(np.append(starts, total))
    sums = np.add.reduceat(values, starts, axis=1)
    return (sums / counts).T
