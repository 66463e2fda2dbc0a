"""Pattern, symbol and image sequence inputs.

The SORN counting task (Lazar, Pipa & Triesch 2009, Front. Comput.
Neurosci. 3:23): a random sequence of the words a b^n c and d e^n f, each
symbol driving its own disjoint set of input neurons.
"""
import re

import numpy as np
import pytest

from monnto.behaviours.inputs import (
    ImageSequenceInput,
    PatternSequenceInput,
    SymbolSequenceInput,
    counting_task_sequence,
    random_word_sequence,
    symbol_masks,
)
from monnto.core import Network, NeuronGroup
from monnto.core.backend import to_numpy


def test_counting_task_sequence_structure(rng):
    text = counting_task_sequence(4, 6000, rng)
    assert len(text) == 6000 and set(text) == set("abcdef")
    # every complete word is a b^4 c or d e^4 f
    words = re.findall(r"ab+c|de+f", text)
    assert set(words) == {"abbbbc", "deeeef"}
    assert sum(map(len, words)) > 6000 - 12
    # the two words are equally likely: 1000 words, binomial(1000, 1/2)
    n_a = words.count("abbbbc")
    assert abs(n_a - len(words) / 2) < 4 * np.sqrt(len(words) / 4)


def test_random_word_sequence_rejects_empty_words(rng):
    with pytest.raises(ValueError, match="non-empty"):
        random_word_sequence(["ab", ""], 10, rng)


def test_symbol_masks_are_disjoint_with_the_requested_size(rng):
    masks = symbol_masks(6, 100, 12, rng)
    assert masks.shape == (6, 100)
    assert np.all(masks.sum(axis=1) == 12)
    assert masks.sum(axis=0).max() == 1
    with pytest.raises(ValueError, match="group size"):
        symbol_masks(6, 50, 12, rng)


def test_symbol_input_adds_the_mask_of_each_symbol():
    net = Network(seed=3)
    g = NeuronGroup(net, 60, behaviour={0: SymbolSequenceInput(text="hello", n_per_symbol=8,
                                                               amplitude=2.0)})
    net.initialize()
    b = g.SymbolSequenceInput
    assert b.alphabet == "ehlo"
    shown = ""
    for _ in range(10):
        g.I_input[:] = 0
        net.simulate_iteration()
        shown += b.symbol
        np.testing.assert_array_equal(g.I_input, 2.0 * b.masks[b.alphabet.index(b.symbol)])
    assert shown == "hellohello"


def test_symbol_input_counting_task_in_network_and_steps_per_item():
    net = Network(seed=4)
    g = NeuronGroup(net, 100, behaviour={0: SymbolSequenceInput(counting_n=3, n_per_symbol=10,
                                                                steps_per_item=2)})
    net.initialize()
    shown = []
    for _ in range(400):
        net.simulate_iteration()
        shown.append(g.SymbolSequenceInput.symbol)
    assert shown[0::2] == shown[1::2]                # each symbol held for two steps
    text = "".join(shown[0::2])
    assert re.fullmatch(r"(abbbc|deeef)*", text[:len(text) - len(text) % 5]) is not None


def test_symbol_input_needs_exactly_one_source():
    net = Network(seed=4)
    NeuronGroup(net, 100, behaviour={0: SymbolSequenceInput(text="ab", counting_n=3)})
    with pytest.raises(ValueError, match="exactly one"):
        net.initialize()


def test_pattern_input_order_and_random_order():
    patterns = np.eye(4)
    net = Network(seed=5)
    g = NeuronGroup(net, 4, behaviour={0: PatternSequenceInput(patterns=patterns, order=[2, 0, 3])})
    h = NeuronGroup(net, 4, behaviour={0: PatternSequenceInput(patterns=patterns, order="random")})
    net.initialize()
    seen, seen_random = [], []
    for _ in range(600):
        h.I_input[:] = 0                 # no neuron model here to clear the input
        net.simulate_iteration()
        seen.append(g.input_index)
        seen_random.append(h.input_index)
        np.testing.assert_array_equal(h.I_input, patterns[h.input_index])
    assert seen[:6] == [2, 0, 3, 2, 0, 3]
    counts = np.bincount(seen_random, minlength=4)
    assert np.all(np.abs(counts - 150) < 4 * np.sqrt(600 * 0.25 * 0.75))


def test_pattern_input_shape_checked():
    net = Network(seed=5)
    NeuronGroup(net, 5, behaviour={0: PatternSequenceInput(patterns=np.ones((2, 4)))})
    with pytest.raises(ValueError, match=r"\(k, 5\)"):
        net.initialize()


def test_image_input_poisson_rates_follow_pixels():
    images = np.zeros((2, 5, 4))
    images[0, :, :2] = 255.0        # left half bright
    images[1, :, 2:] = 127.5        # right half at half intensity
    net = Network(seed=6)
    g = NeuronGroup(net, 20, behaviour={0: ImageSequenceInput(images=images, steps_per_item=1000,
                                                              mode="poisson", max_rate=200.0,
                                                              dt=1e-3)})
    net.initialize()
    counts = np.zeros((2, 20))
    for k in range(2000):
        g.I_input[:] = 0
        net.simulate_iteration()
        counts[k // 1000] += to_numpy(g.I_input)
    left = np.tile([True, True, False, False], 5)
    # image 0: p = 0.2 per step on the left half, 0 on the right
    assert counts[0, ~left].sum() == 0
    assert abs(counts[0, left].mean() - 200) < 4 * np.sqrt(1000 * 0.2 * 0.8 / 10)
    # image 1: p = 0.1 on the right half
    assert counts[1, left].sum() == 0
    assert abs(counts[1, ~left].mean() - 100) < 4 * np.sqrt(1000 * 0.1 * 0.9 / 10)


def test_image_input_size_mismatch_raises():
    net = Network(seed=6)
    NeuronGroup(net, 10, behaviour={0: ImageSequenceInput(images=np.ones((1, 3, 3)))})
    with pytest.raises(ValueError, match="9 pixels"):
        net.initialize()
