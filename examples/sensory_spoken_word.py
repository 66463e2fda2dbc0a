"""A synthesized spoken-like word through a cochlea into a SORN-like network.

Two "words" are synthesized (no recording needed): a harmonic complex on a
gliding pitch (120 -> 100 Hz) shaped by two formants that sweep in opposite
ways (word ``A``: F1 300 -> 700 Hz, F2 2200 -> 1200 Hz; word ``B``: F1 700 ->
300 Hz, F2 900 -> 2000 Hz), 0.3 s each, separated by 0.1 s of silence, in a
random order. ``AudioInput(encoding='rate')`` turns the 16 kHz sound into
Poisson spikes of 32 gammatone channels (ERB-spaced, 100 Hz to 4 kHz). The
channels drive a SORN-like network (Lazar, Pipa & Triesch 2009): binary
excitatory and inhibitory threshold units, sparse recurrent excitation with
STDP and synaptic normalization, and intrinsic plasticity of the thresholds.

The example prints the peak channel at the start and end of each word type
(the formant sweeps as the cochlea sees them), the network's mean activity,
and the accuracy of a linear readout of the word identity from the
excitatory state averaged over each word (trained on the first half of the
words, tested on the second; chance is 50 %). The figure shows the
cochleagram of the first two words and a raster of the excitatory units.

Run: ``python examples/sensory_spoken_word.py --out figures``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from monnto.behaviours.inputs import AudioInput
from monnto.core import Behaviour, Network, NeuronGroup

SR = 16000
WORD_S, GAP_S = 0.3, 0.1
FORMANTS = {"A": ((300, 700), (2200, 1200)), "B": ((700, 300), (900, 2000))}


def synth_word(word: str, rng: np.random.Generator) -> np.ndarray:
    """A formant-shaped harmonic sweep (``WORD_S`` seconds, 16 kHz)."""
    t = np.arange(int(WORD_S * SR)) / SR
    f0 = 120 - 20 * t / WORD_S
    phase0 = 2 * np.pi * np.cumsum(f0) / SR
    (f1a, f1b), (f2a, f2b) = FORMANTS[word]
    f1 = f1a + (f1b - f1a) * t / WORD_S
    f2 = f2a + (f2b - f2a) * t / WORD_S
    sound = np.zeros_like(t)
    for k in range(1, 36):
        freq = k * f0
        gain = np.exp(-((freq - f1) / 120) ** 2) + 0.7 * np.exp(-((freq - f2) / 180) ** 2)
        sound += gain * np.sin(k * phase0 + rng.uniform(0, 2 * np.pi))
    envelope = np.minimum(1, np.minimum(t, WORD_S - t) / 0.02)    # 20 ms ramps
    return 0.3 * sound * envelope / np.abs(sound).max()


def utterance(words: str, rng: np.random.Generator) -> np.ndarray:
    gap = np.zeros(int(GAP_S * SR))
    return np.concatenate([np.concatenate([synth_word(w, rng), gap]) for w in words])


class SORNLike(Behaviour):
    """Binary E/I threshold units with STDP, normalization and intrinsic plasticity.

    x(t+1) = Theta(W_EE x - W_EI y + W_in s - T_E),  y(t+1) = Theta(W_IE x - T_I),
    s: the cochlea's spikes (``n.spike`` of the group named by ``input``).
    """

    def set_variables(self, n):
        rng = n.network.rng
        self.cochlea = n.network[self.get_init_attr("input", "cochlea"), 0]
        n_e, n_i, n_in = n.size, n.size // 5, self.cochlea.size
        self.w_ee = (rng.random((n_e, n_e)) < 10 / n_e) * rng.random((n_e, n_e))
        np.fill_diagonal(self.w_ee, 0)
        self.w_ee /= np.maximum(self.w_ee.sum(axis=1, keepdims=True), 1e-12)
        self.w_ei = rng.random((n_e, n_i))
        self.w_ei /= self.w_ei.sum(axis=1, keepdims=True)
        self.w_ie = rng.random((n_i, n_e))
        self.w_ie /= self.w_ie.sum(axis=1, keepdims=True)
        self.w_in = (rng.random((n_e, n_in)) < 0.15) * 0.6     # each unit hears a few channels
        self.t_e = rng.uniform(0, 0.5, n_e)
        self.t_i = rng.uniform(0, 1, n_i)
        self.eta_stdp, self.eta_ip, self.h_ip = 0.001, 0.001, 0.1
        n.spike = np.zeros(n_e, dtype=bool)
        self.y = np.zeros(n_i, dtype=bool)

    def new_iteration(self, n):
        x_old = n.spike.astype(float)
        drive = self.w_ee @ x_old - self.w_ei @ self.y + self.w_in @ self.cochlea.spike
        x = drive > self.t_e
        self.y = self.w_ie @ x_old > self.t_i
        xf = x.astype(float)
        mask = self.w_ee > 0
        self.w_ee += self.eta_stdp * (np.outer(xf, x_old) - np.outer(x_old, xf)) * mask
        np.clip(self.w_ee, 0, 1, out=self.w_ee)
        self.w_ee /= np.maximum(self.w_ee.sum(axis=1, keepdims=True), 1e-12)
        self.t_e += self.eta_ip * (xf - self.h_ip)
        n.spike = x


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="A synthesized word through a cochlea into a SORN-like network")
    parser.add_argument("--words", type=int, default=40, help="words in the utterance")
    parser.add_argument("--neurons", type=int, default=200, help="excitatory units")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--small", action="store_true", help="20 words, 100 units (a quick run)")
    parser.add_argument("--out", type=Path, default=None, help="folder for sensory_spoken_word.png")
    args = parser.parse_args(argv)
    if args.small:
        args.words, args.neurons = 20, 100

    rng = np.random.default_rng(args.seed)
    words = "".join(rng.choice(["A", "B"], size=args.words))
    sound = utterance(words, rng)
    net = Network(seed=args.seed)
    cochlea = NeuronGroup(net, 32, tag="cochlea", behaviour={
        1: AudioInput(source=sound, samplerate=SR, dt=1e-3, f_min=100.0, f_max=4000.0,
                      encoding="rate", max_rate=300.0, full_scale=0.5)})
    exc = NeuronGroup(net, args.neurons, tag="exc", behaviour={5: SORNLike(input="cochlea")})
    net.initialize()
    steps = int(round(len(sound) / SR * 1000))
    word_steps, period = int(WORD_S * 1000), int((WORD_S + GAP_S) * 1000)
    values = np.zeros((steps, cochlea.size))
    states = np.zeros((steps, exc.size), dtype=bool)
    for k in range(steps):
        net.simulate_iteration()
        values[k] = cochlea.AudioInput.last_values
        states[k] = exc.spike
    freqs = cochlea.AudioInput.frequencies
    result = {"words": words}
    for w in "AB":
        first = [i for i, c in enumerate(words) if c == w]
        early = values[[i * period + t for i in first for t in range(20, 60)]].mean(axis=0)
        late = values[[i * period + t for i in first for t in range(word_steps - 60, word_steps - 20)]].mean(axis=0)
        print(f"word {w}: peak channel {freqs[early.argmax()]:.0f} Hz at the start, "
              f"{freqs[late.argmax()]:.0f} Hz at the end")
        result[f"peak_{w}"] = (float(freqs[early.argmax()]), float(freqs[late.argmax()]))
    features = np.array([states[i * period:i * period + word_steps].mean(axis=0) for i in range(len(words))])
    labels = np.array([1.0 if c == "A" else -1.0 for c in words])
    half = len(words) // 2
    design = np.hstack([features, np.ones((len(words), 1))])
    coef = np.linalg.lstsq(design[:half].T @ design[:half] + 1e-2 * np.eye(design.shape[1]),
                           design[:half].T @ labels[:half], rcond=None)[0]
    accuracy = float(np.mean(np.sign(design[half:] @ coef) == labels[half:]))
    result.update(activity=float(states.mean()), accuracy=accuracy)
    print(f"mean excitatory activity {100 * states.mean():.1f} % of units per step "
          f"(intrinsic plasticity target 10 %)")
    print(f"linear readout of the word identity from the network state: {100 * accuracy:.0f} % correct "
          f"on {len(words) - half} held-out words (chance 50 %)")
    if args.out is not None:
        _figure(args.out, values, states, freqs, period)
    return result


def _figure(out: Path, values, states, freqs, period) -> None:
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    span = 2 * period
    ax1.imshow(values[:span].T, aspect="auto", origin="lower", cmap="magma",
               extent=(0, span, 0, len(freqs)))
    ticks = np.arange(0, len(freqs), 8)
    ax1.set_yticks(ticks + 0.5, [f"{freqs[i]:.0f}" for i in ticks])
    ax1.set_ylabel("channel centre (Hz)")
    ax1.set_title("cochleagram (AudioInput, 32 gammatone channels)")
    t, i = np.nonzero(states[:span])
    ax2.plot(t, i, "k.", markersize=1)
    ax2.set_xlabel("time (ms)")
    ax2.set_ylabel("excitatory unit")
    fig.tight_layout()
    fig.savefig(out / "sensory_spoken_word.png", dpi=110)
    plt.close(fig)
    print(f"wrote {out / 'sensory_spoken_word.png'}")


if __name__ == "__main__":
    main()
