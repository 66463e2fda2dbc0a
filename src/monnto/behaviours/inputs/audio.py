"""Audio input: a sound through a cochlea-like filterbank into a group of channels.

:class:`AudioInput` reads a sound file (soundfile), an array or a generator
of sample chunks, optionally resamples it (``resample_to=``, linear
interpolation), filters it with a gammatone filterbank (one channel per
neuron, centre frequencies ascending with the neuron index, evenly spaced on
the ERB or mel scale; see :mod:`monnto.behaviours.inputs.filterbank`), and
applies half-wave rectification and power-law compression
(``max(y, 0) ** exponent``). Each network step gets the mean of that over
the samples the step covers (step ``k`` covers samples ``floor(k fs dt)``
to ``floor((k+1) fs dt)``, so ``N`` samples last exactly ``N / fs``
seconds with no drift). Encodings:

* ``'current'``: ``amplitude * value`` is **added** to ``n.<target>``;
* ``'rate'``: ``n.spike`` is True with probability ``max_rate dt value /
  full_scale`` (clipped to 1);
* ``'phase'``: the same, with a step short enough to follow each channel's
  fine structure, so spikes lock to the phase of the wave; the step must
  satisfy ``1/dt >= 2 f_max`` (Nyquist for the highest channel), else
  initialize raises.

With a 1 ms step the mean over a step smooths the fine structure of
channels above about 1 kHz; lower channels keep some ripple, as the
inner-hair-cell output does. Sound is read and filtered ``chunk_steps``
steps at a time; a step copies one row.

Reference: B. R. Glasberg & B. C. J. Moore, Derivation of auditory filter
shapes from notched-noise data, Hear. Res. 47:103 (1990).
"""
from __future__ import annotations

import numpy as np

from monnto.core.errors import ConfigurationError, bad_value, describe

from ..neurons._common import from_host, input_vector, resolve_dt
from ._streaming import StreamingInput
from .filterbank import GammatoneFilterbank, centre_frequencies, rectify_compress, step_means
from .sources import StreamResampler, open_sound_source

__all__ = ["AudioInput"]

ENCODINGS = ("current", "rate", "phase")


class AudioInput(StreamingInput):
    """Sound into a group with one neuron per frequency channel (see module docstring).

    Keyword arguments
    -----------------
    source : array (N,) or (N, channels), path or iterable of chunks
        Required.
    samplerate : float
        Sampling rate of arrays and generators (Hz).
    resample_to : float
        Rate the filterbank runs at (Hz; default the source's).
    f_min, f_max : float
        Lowest and highest centre frequency (Hz; default 50 and
        ``min(8000, 0.45 fs)``).
    scale : {'erb', 'mel'}
        Spacing of the centre frequencies (default ``'erb'``).
    frequencies : array
        Explicit centre frequencies (Hz, one per neuron), instead of the above.
    exponent : float
        Compression exponent (default 0.3).
    encoding : {'current', 'rate', 'phase'}
        Default ``'current'``.
    amplitude, target : float, str
        For ``'current'`` (default 1.0, ``'I_input'``).
    max_rate, full_scale : float
        For spikes: rate (Hz, default 200) at the value ``full_scale`` (default 1.0).
    chunk_steps : int
        Steps encoded at a time (default: 0.25 s worth).
    dt : float
        Step (s) when the group has no Clock (default 1e-3).

    Attributes: ``frequencies`` (Hz), ``step``, ``finished``, ``last_values``
    (the values of the last step, one per channel).

    Examples
    --------
    One second of a 1 kHz tone through 8 channels from 200 Hz to 4 kHz
    (ERB-spaced); after 50 steps of 1 ms the channel at 915 Hz, the nearest
    to the tone, responds most:

    >>> import numpy as np
    >>> from monnto import Network, NeuronGroup
    >>> from monnto.behaviours.inputs import AudioInput
    >>> tone = np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000)
    >>> net = Network(seed=1)
    >>> ear = NeuronGroup(net, 8, tag='ear', behaviour={1: AudioInput(
    ...     source=tone, samplerate=16000, f_min=200, f_max=4000, dt=1e-3)})
    >>> net.initialize()
    >>> timing = net.simulate_iterations(50, progress=False)
    >>> ear.AudioInput.frequencies.round()
    array([ 200.,  366.,  596.,  915., 1357., 1970., 2821., 4000.])
    >>> int(np.argmax(ear.AudioInput.last_values))
    3
    """

    default_dt = 1e-3
    transient_attributes = (*StreamingInput.transient_attributes, "_filterbank", "_resampler")

    def set_variables(self, n) -> None:
        source = self._take_source()
        self.dt = resolve_dt(self, n, self.default_dt)
        samplerate = self.get_init_attr("samplerate", None, None)
        self._samplerate_arg = None if samplerate is None else float(samplerate)
        self.encoding = self.get_init_attr("encoding", "current", None)
        if self.encoding not in ENCODINGS:
            raise bad_value(self, "encoding", self.encoding, f"one of {list(ENCODINGS)}")
        self._reader = self._open(source)
        self.source_rate = self._reader.samplerate
        resample_to = self.get_init_attr("resample_to", None, None)
        self.rate = float(resample_to) if resample_to is not None else self.source_rate
        if not self.rate > 0:
            raise bad_value(self, "resample_to", resample_to, "a positive rate in Hz")
        if self.rate * self.dt < 1 - 1e-9:
            raise bad_value(self, "dt", self.dt, f"at least one sample period 1/{self.rate:g} s",
                            hint=f"use resample_to >= {1 / self.dt:g} Hz for such a short step")
        self.frequencies = self._frequencies(n)
        self.exponent = float(self.get_init_attr("exponent", 0.3, None))
        if not self.exponent > 0:
            raise bad_value(self, "exponent", self.exponent, "a positive compression exponent")
        if self.encoding == "phase" and 1.0 / self.dt < 2 * self.frequencies.max():
            raise ConfigurationError(
                f"{describe(self)}: phase-locked spikes need 1/dt >= 2 x the highest centre frequency: "
                f"1/dt = {1 / self.dt:g} Hz but the highest channel is at {self.frequencies.max():g} Hz; "
                f"use dt <= {1 / (2 * self.frequencies.max()):.3g} s or lower f_max")
        self.amplitude = float(self.get_init_attr("amplitude", 1.0, None))
        self.max_rate = float(self.get_init_attr("max_rate", 200.0, None))
        self.full_scale = float(self.get_init_attr("full_scale", 1.0, None))
        if self.encoding != "current" and not (self.max_rate >= 0 and self.full_scale > 0):
            raise bad_value(self, "max_rate, full_scale", (self.max_rate, self.full_scale),
                            "max_rate >= 0 Hz and full_scale > 0")
        if self.encoding == "current":
            self.target = self.get_init_attr("target", "I_input", None)
            input_vector(n, self.target)
        else:
            n.spike = n.get_neuron_vec(bool)
        self.chunk_steps = int(self.get_init_attr("chunk_steps", max(1, round(0.25 / self.dt)), None))
        if self.chunk_steps < 1:
            raise bad_value(self, "chunk_steps", self.chunk_steps, "a positive int")
        self._rng = n.network.rng
        self._filter_state = np.zeros((len(self.frequencies), 4), dtype=np.complex128)
        self._resampler_state = (0, 0, 0.0)
        self._pending = np.zeros(0)
        self._build_transients()
        self.step = 0
        self.finished = False
        self.last_values = np.zeros(len(self.frequencies))
        self._chunk_start = 0
        self._values = np.zeros((0, len(self.frequencies)))

    def _frequencies(self, n) -> np.ndarray:
        given = self.get_init_attr("frequencies", None, None)
        if given is not None:
            freqs = np.asarray(given, dtype=np.float64).ravel()
        else:
            f_min = float(self.get_init_attr("f_min", 50.0, None))
            f_max = float(self.get_init_attr("f_max", min(8000.0, 0.45 * self.rate), None))
            scale = self.get_init_attr("scale", "erb", None)
            if not 0 < f_min <= f_max < self.rate / 2:
                raise bad_value(self, "f_min, f_max", (f_min, f_max),
                                f"0 < f_min <= f_max < {self.rate / 2:g} Hz (the Nyquist frequency)")
            if scale not in ("erb", "mel"):
                raise bad_value(self, "scale", scale, "'erb' or 'mel'")
            freqs = centre_frequencies(n.size, f_min, f_max, scale)
        if len(freqs) != n.size:
            raise bad_value(self, "frequencies", f"{len(freqs)} centre frequencies",
                            f"one per neuron of {n!r} ({n.size})")
        if np.any(freqs <= 0) or np.any(freqs >= self.rate / 2):
            raise bad_value(self, "frequencies", (float(freqs.min()), float(freqs.max())),
                            f"between 0 and the Nyquist frequency {self.rate / 2:g} Hz")
        return freqs

    def _open(self, source):
        return open_sound_source(source, self._samplerate_arg, describe(self))

    def _build_transients(self) -> None:
        self._filterbank = GammatoneFilterbank(self.frequencies, self.rate)
        self._filterbank.state = self._filter_state     # shared: updated in place, saved with the behaviour
        self._resampler = None
        if self.rate != self.source_rate:
            self._resampler = StreamResampler(self.source_rate, self.rate)
            produced, consumed, last = self._resampler_state
            self._resampler.produced, self._resampler.consumed, self._resampler.last = produced, consumed, last

    def after_load(self, parent) -> None:
        super().after_load(parent)
        self._build_transients()

    # ------------------------------------------------------------------ chunks

    def _boundary(self, step):
        return np.floor(np.asarray(step, dtype=np.float64) * (self.rate * self.dt) + 1e-9).astype(np.int64)

    def _samples(self, count: int) -> np.ndarray:
        """``count`` samples at the filter rate (fewer at the end of the source)."""
        parts, have = [self._pending], len(self._pending)
        block = max(count, 1024)
        while have < count:
            raw = self._reader.read(block)
            if len(raw) == 0:
                break
            if self._resampler is not None:
                raw = self._resampler.process(raw)
                r = self._resampler
                self._resampler_state = (r.produced, r.consumed, r.last)
            parts.append(raw)
            have += len(raw)
        self._sync_position()
        data = np.concatenate(parts)
        self._pending = data[count:].copy()
        return data[:count]

    def _load_chunk(self, n) -> None:
        start, end = self.step, self.step + self.chunk_steps
        bounds = self._boundary(np.arange(start, end + 1))
        samples = self._samples(int(bounds[-1] - bounds[0]))
        firsts = bounds[:-1] - bounds[0]
        steps = int(np.searchsorted(firsts, len(samples), side="left"))   # steps with >= 1 sample
        self._chunk_start = start
        if steps == 0:
            self.finished = True
            self._values = np.zeros((0, len(self.frequencies)))
            return
        filtered = self._filterbank.process(samples)
        rectify_compress(filtered, self.exponent, out=filtered)
        values = step_means(filtered, firsts[:steps], len(samples))
        self._values = values
        if self.encoding == "current":
            self._drive = from_host(n, self.amplitude * values)
        else:
            self._probability = np.minimum(values * (self.max_rate * self.dt / self.full_scale), 1.0)

    def new_iteration(self, n) -> None:
        k = self.step - self._chunk_start
        if not self.finished and k >= len(self._values):
            self._load_chunk(n)
            k = 0
        if self.finished:
            self.last_values = np.zeros(len(self.frequencies))
            if self.encoding != "current":
                n.spike = n.get_neuron_vec(bool)
            self.step += 1
            return
        self.last_values = self._values[k]
        if self.encoding == "current":
            target = getattr(n, self.target)
            target += self._drive[k]
        else:
            spikes = self._rng.random(n.size) < self._probability[k]
            n.spike = spikes if n.xp is np else from_host(n, spikes)
        self.step += 1
        if k + 1 == len(self._values) and len(self._values) < self.chunk_steps:
            self.finished = True
