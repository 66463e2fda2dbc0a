"""Pattern, symbol (text) and image sequence inputs.

A sequence input shows one pattern (a vector over the group's neurons) per
item for ``steps_per_item`` steps and **adds** it to a group variable
(``n.I_input`` by default; see :mod:`monnto.behaviours.neurons`):

* ``mode='current'``: ``amplitude * pattern`` is added every step;
* ``mode='poisson'``: each neuron receives an event with probability
  ``pattern * max_rate * dt`` per step (pattern values in [0, 1] are
  intensities), and ``amplitude`` per event is added.

:class:`PatternSequenceInput` takes any patterns; :class:`SymbolSequenceInput`
turns symbols (characters of a text, random words of a grammar, or the SORN
counting task) into disjoint random groups of input neurons, as in Lazar,
Pipa & Triesch (2009); :class:`ImageSequenceInput` shows images pixel by
pixel on a group of the same size (grid groups must match height x width).

The index of the pattern shown is ``n.input_index`` (int); sequence inputs
must run before the neuron model (smaller key).

Reference: A. Lazar, G. Pipa & J. Triesch, SORN: a self-organizing
recurrent neural network, Front. Comput. Neurosci. 3:23 (2009) (counting
task: random alternation of the words ``a b^n c`` and ``d e^n f``; each
symbol drives its own set of input neurons).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from monnto.core.backend import to_numpy
from monnto.core.behaviour import Behaviour

from ...core.errors import MonntoValueError
from ..neurons._common import from_host, input_vector, resolve_dt

__all__ = ["random_word_sequence", "counting_task_sequence", "symbol_masks",
           "PatternSequenceInput", "SymbolSequenceInput", "ImageSequenceInput"]


def random_word_sequence(words: Sequence[str], length: int, rng: np.random.Generator) -> str:
    """A string of ``length`` symbols made of words drawn uniformly at random.

    Parameters
    ----------
    words : sequence of str
        The vocabulary (non-empty strings).
    length : int
        Number of symbols returned (the last word may be cut).
    rng : numpy.random.Generator
    """
    words = list(words)
    if not words or any(not isinstance(w, str) or not w for w in words):
        raise MonntoValueError(f"random_word_sequence: words={words!r}; expected non-empty strings")
    mean = sum(len(w) for w in words) / len(words)
    picks = rng.integers(len(words), size=int(length / mean) + 2)
    text = "".join(words[i] for i in picks)
    while len(text) < length:
        text += words[int(rng.integers(len(words)))]
    return text[:length]


def counting_task_sequence(n: int, length: int, rng: np.random.Generator) -> str:
    """The SORN counting task: random words ``'a' + 'b'*n + 'c'`` and ``'d' + 'e'*n + 'f'``.

    Lazar, Pipa & Triesch (2009), Sect. 2.3: predicting the symbol after the
    n-th repetition needs a memory of n steps.
    """
    if int(n) < 1:
        raise MonntoValueError(f"counting_task_sequence: n={n!r}; expected a positive int")
    return random_word_sequence(["a" + "b" * int(n) + "c", "d" + "e" * int(n) + "f"], length, rng)


def symbol_masks(n_symbols: int, size: int, n_per_symbol: int, rng: np.random.Generator,
                 disjoint: bool = True) -> np.ndarray:
    """Bool matrix (n_symbols, size): which neurons each symbol drives.

    With ``disjoint`` the sets do not overlap (needs ``n_symbols *
    n_per_symbol <= size``); otherwise each set is drawn independently.
    """
    if n_per_symbol < 1 or n_per_symbol > size:
        raise MonntoValueError(f"symbol_masks: n_per_symbol={n_per_symbol!r}; expected 1..{size}")
    masks = np.zeros((n_symbols, size), dtype=bool)
    if disjoint:
        if n_symbols * n_per_symbol > size:
            raise MonntoValueError(f"symbol_masks: {n_symbols} symbols x {n_per_symbol} neurons > group "
                             f"size {size}; lower n_per_symbol or set disjoint=False")
        order = rng.permutation(size)
        for k in range(n_symbols):
            masks[k, order[k * n_per_symbol:(k + 1) * n_per_symbol]] = True
    else:
        for k in range(n_symbols):
            masks[k, rng.choice(size, n_per_symbol, replace=False)] = True
    return masks


class PatternSequenceInput(Behaviour):
    """Shows a sequence of patterns to a group (see module docstring).

    Keyword arguments: ``patterns`` (array (k, size); required),
    ``order`` (``'cycle'`` (default), ``'random'``, or a sequence of pattern
    indices that is cycled), ``steps_per_item`` (default 1), ``amplitude``
    (default 1.0, target unit), ``mode`` (``'current'`` or ``'poisson'``),
    ``max_rate`` (Hz for ``'poisson'``, default 100), ``target`` (default
    ``'I_input'``), ``dt`` (s, default 1e-4; used for ``'poisson'``).
    """

    default_dt = 1e-4

    def _patterns(self, n) -> np.ndarray:
        patterns = self.get_init_attr("patterns", None, None)
        if patterns is None:
            raise MonntoValueError(f"{self!r}: patterns= is required (an array of shape (k, {n.size}))")
        return np.asarray(patterns, dtype=float)

    def _init_order(self, n, k: int) -> None:
        order = self.get_init_attr("order", "cycle", None)
        if isinstance(order, str):
            if order not in ("cycle", "random"):
                raise MonntoValueError(f"{self!r}: order={order!r}; expected 'cycle', 'random' or a "
                                 f"sequence of pattern indices")
            self._order = np.arange(k) if order == "cycle" else None
        else:
            order = np.asarray(order, dtype=int)
            if order.ndim != 1 or len(order) == 0 or order.min() < 0 or order.max() >= k:
                raise MonntoValueError(f"{self!r}: order must hold indices in 0..{k - 1}, got {order!r}")
            self._order = order

    def _next_index(self) -> int:
        if self._order is None:
            return int(self._rng.integers(self._k))
        index = int(self._order[self._position % len(self._order)])
        self._position += 1
        return index

    def set_variables(self, n) -> None:
        self._rng = n.network.rng
        patterns = self._patterns(n)
        if patterns.ndim != 2 or patterns.shape[1] != n.size:
            raise MonntoValueError(f"{self!r}: patterns have shape {patterns.shape}; expected "
                             f"(k, {n.size}) for {n!r}")
        self._k = patterns.shape[0]
        self.patterns = patterns
        self._init_order(n, self._k)
        self.steps_per_item = int(self.get_init_attr("steps_per_item", 1, None))
        if self.steps_per_item < 1:
            raise MonntoValueError(f"{self!r}: steps_per_item={self.steps_per_item!r}; expected >= 1")
        self.amplitude = float(self.get_init_attr("amplitude", 1.0, None))
        self.mode = self.get_init_attr("mode", "current", None)
        if self.mode not in ("current", "poisson"):
            raise MonntoValueError(f"{self!r}: mode={self.mode!r}; expected 'current' or 'poisson'")
        max_rate = float(self.get_init_attr("max_rate", 100.0, None))
        self.dt = resolve_dt(self, n, self.default_dt)
        self.target = self.get_init_attr("target", "I_input", None)
        input_vector(n, self.target)
        like = n.get_neuron_vec()
        if self.mode == "current":
            self._drive = from_host(n, (self.amplitude * patterns).astype(to_numpy(like[:0]).dtype))
        else:
            prob = patterns * max_rate * self.dt
            if prob.min() < 0 or prob.max() > 1:
                raise MonntoValueError(f"{self!r}: pattern * max_rate * dt must lie in [0, 1], got "
                                 f"[{prob.min()!r}, {prob.max()!r}]")
            self._prob = prob
        self._position = 0
        self._step_in_item = 0
        n.input_index = -1

    def new_iteration(self, n) -> None:
        if self._step_in_item == 0:
            n.input_index = self._next_index()
        self._step_in_item = (self._step_in_item + 1) % self.steps_per_item
        target = getattr(n, self.target)
        if self.mode == "current":
            target += self._drive[n.input_index]
        else:
            events = self._rng.random(n.size) < self._prob[n.input_index]
            if n.xp is np:
                target += self.amplitude * events
            else:   # events in the target's float dtype (torch makes float * bool tensor float32)
                target += self.amplitude * n.xp.astype(from_host(n, events), target.dtype)


class SymbolSequenceInput(PatternSequenceInput):
    """Symbols of a text or grammar, each driving its own set of neurons.

    Keyword arguments (one source of symbols): ``text`` (a string, cycled),
    ``words`` (a list of strings drawn at random, word after word), or
    ``counting_n`` (the SORN counting task with n repetitions). Further:
    ``alphabet`` (default: the sorted symbols of the source), ``n_per_symbol``
    (neurons per symbol, default 10), ``disjoint`` (default True), and the
    keyword arguments of :class:`PatternSequenceInput` except ``patterns``
    and ``order``.

    Attributes: ``alphabet`` (str), ``masks`` (bool (symbols, size)),
    ``symbol`` (the symbol shown), ``n.input_index`` (its index in the
    alphabet).
    """

    chunk = 10000

    def _patterns(self, n) -> np.ndarray:
        text = self.get_init_attr("text", None, None)
        words = self.get_init_attr("words", None, None)
        counting_n = self.get_init_attr("counting_n", None, None)
        given = [x is not None for x in (text, words, counting_n)]
        if sum(given) != 1:
            raise MonntoValueError(f"{self!r}: give exactly one of text=, words=, counting_n=")
        if counting_n is not None:
            counting_n = int(counting_n)
            words = ["a" + "b" * counting_n + "c", "d" + "e" * counting_n + "f"]
        if text is not None:
            if not isinstance(text, str) or not text:
                raise MonntoValueError(f"{self!r}: text={text!r}; expected a non-empty string")
            source_symbols = set(text)
        else:
            if isinstance(words, str):
                words = words.split()
            words = list(words)
            random_word_sequence(words, 1, np.random.default_rng(0))  # validates
            source_symbols = set("".join(words))
        alphabet = self.get_init_attr("alphabet", "".join(sorted(source_symbols)), None)
        missing = source_symbols - set(alphabet)
        if missing:
            raise MonntoValueError(f"{self!r}: alphabet={alphabet!r} lacks the symbols {sorted(missing)!r}")
        self.alphabet = alphabet
        self._text = text
        self._words = words
        self._lookup = {s: i for i, s in enumerate(alphabet)}
        n_per_symbol = int(self.get_init_attr("n_per_symbol", 10, None))
        disjoint = bool(self.get_init_attr("disjoint", True, None))
        self.masks = symbol_masks(len(alphabet), n.size, n_per_symbol, n.network.rng, disjoint)
        return self.masks.astype(float)

    def _init_order(self, n, k: int) -> None:
        if self._text is not None:
            self._order = np.array([self._lookup[s] for s in self._text], dtype=int)
        else:
            self._order = np.zeros(0, dtype=int)
        self._buffer_start = 0

    def _next_index(self) -> int:
        if self._words is None:
            return super()._next_index()
        i = self._position - self._buffer_start
        if i >= len(self._order):
            self._buffer_start = self._position
            chunk = random_word_sequence(self._words, self.chunk, self._rng)
            self._order = np.array([self._lookup[s] for s in chunk], dtype=int)
            i = 0
        self._position += 1
        return int(self._order[i])

    @property
    def symbol(self) -> str | None:
        """The symbol shown in the current step (None before the first step)."""
        index = getattr(self.parent, "input_index", -1) if self.parent is not None else -1
        return None if index < 0 else self.alphabet[index]


class ImageSequenceInput(PatternSequenceInput):
    """Shows images on a group with one neuron per pixel.

    Keyword arguments: ``images`` (array (k, height, width) or (k, size);
    required), ``normalize`` (divide by the largest pixel value so the
    patterns lie in [0, 1]; default True), and the keyword arguments of
    :class:`PatternSequenceInput` except ``patterns``. A group built on a
    NeuronDimension must have ``height x width`` equal to the images'.
    """

    def _patterns(self, n) -> np.ndarray:
        images = self.get_init_attr("images", None, None)
        if images is None:
            raise MonntoValueError(f"{self!r}: images= is required (array (k, height, width))")
        images = np.asarray(images, dtype=float)
        if images.ndim == 3:
            k, h, w = images.shape
            grid = (getattr(n, "height", None), getattr(n, "width", None))
            if h * w != n.size:
                raise MonntoValueError(f"{self!r}: images are {h}x{w} = {h * w} pixels; {n!r} has "
                                 f"{n.size} neurons")
            if None not in grid and getattr(n, "depth", 1) == 1 and (int(grid[0]), int(grid[1])) != (h, w):
                raise MonntoValueError(f"{self!r}: images are {h}x{w}; {n!r} is a {grid[0]}x{grid[1]} grid")
            images = images.reshape(k, h * w)
        elif images.ndim != 2:
            raise MonntoValueError(f"{self!r}: images must have shape (k, height, width) or (k, size), "
                             f"got {images.shape}")
        if bool(self.get_init_attr("normalize", True, None)):
            peak = float(np.abs(images).max())
            if peak > 0:
                images = images / peak
        return images
