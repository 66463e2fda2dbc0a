"""AudioInput and the gammatone filterbank (ERB scale: Glasberg & Moore 1990)."""
import numpy as np
import pytest

from monnto.behaviours.inputs import AudioInput
from monnto.behaviours.inputs.filterbank import (
    GammatoneFilterbank,
    centre_frequencies,
    erb_bandwidth,
    erb_number,
    erb_number_to_hz,
    hz_to_mel,
    mel_to_hz,
)
from monnto.core import Network, NeuronGroup
from monnto.core.backend import to_numpy
from monnto.core.errors import ConfigurationError, LoadError, MonntoValueError

SR = 16000


def tone(freq, seconds=0.5, sr=SR, amplitude=0.5):
    return amplitude * np.sin(2 * np.pi * freq * np.arange(int(seconds * sr)) / sr)


def build(source, channels=32, seed=1, **kwargs):
    kwargs.setdefault("samplerate", SR)
    kwargs.setdefault("dt", 1e-3)
    net = Network(seed=seed)
    group = NeuronGroup(net, channels, behaviour={1: AudioInput(source=source, **kwargs)})
    net.initialize()
    return net, group


def run_currents(net, g, steps):
    out = np.zeros((steps, g.size))
    for k in range(steps):
        g.I_input[:] = 0
        net.simulate_iteration()
        out[k] = to_numpy(g.I_input)
    return out


def test_erb_and_mel_scales_match_their_definitions():
    assert erb_bandwidth(1000.0) == pytest.approx(24.7 * 5.37)
    assert erb_number(1000.0) == pytest.approx(21.4 * np.log10(5.37))
    f = np.array([50.0, 440.0, 7000.0])
    assert np.allclose(erb_number_to_hz(erb_number(f)), f)
    assert np.allclose(mel_to_hz(hz_to_mel(f)), f) and hz_to_mel(700.0) == pytest.approx(2595 * np.log10(2))
    cf = centre_frequencies(16, 100.0, 6000.0)
    assert cf[0] == pytest.approx(100) and cf[-1] == pytest.approx(6000)
    assert np.allclose(np.diff(erb_number(cf)), np.diff(erb_number(cf))[0])
    assert np.all(np.diff(centre_frequencies(16, 100.0, 6000.0, "mel")) > 0)


def test_gammatone_has_unit_gain_at_its_centre_and_chunks_change_nothing():
    x = tone(1000.0, 0.3, amplitude=1.0)
    whole = GammatoneFilterbank([500.0, 1000.0, 2000.0], SR).process(x)
    assert np.max(np.abs(whole[1, -1600:])) == pytest.approx(1.0, abs=0.03)
    assert np.max(np.abs(whole[0, -1600:])) < 0.2 and np.max(np.abs(whole[2, -1600:])) < 0.2
    bank = GammatoneFilterbank([500.0, 1000.0, 2000.0], SR)
    parts = np.hstack([bank.process(c) for c in np.array_split(x, [7, 1000, 1001, 3333])])
    assert np.allclose(parts, whole, atol=1e-12)


@pytest.mark.parametrize("position", [0.0, 0.3, 0.7])
def test_pure_tone_drives_the_nearest_channel_most(position):
    probe_net, probe = build(np.zeros(SR), channels=24, f_min=100.0, f_max=6000.0)
    cf = probe.AudioInput.frequencies
    for i in (5, 11, 17):
        f = erb_number_to_hz(erb_number(cf[i]) * (1 - position) + erb_number(cf[i + 1]) * position)
        net, g = build(tone(f), channels=24, f_min=100.0, f_max=6000.0)
        drive = run_currents(net, g, 500)[100:].mean(axis=0)
        nearest = int(np.argmin(np.abs(erb_number(cf) - erb_number(f))))
        assert int(np.argmax(drive)) == nearest, (f, cf[nearest])


def test_chirp_moves_the_peak_channel_monotonically():
    t = np.arange(SR) / SR
    f0, f1 = 200.0, 4000.0                # exponential sweep over one second
    phase = 2 * np.pi * f0 / np.log(f1 / f0) * (np.exp(t * np.log(f1 / f0)) - 1)
    net, g = build(0.5 * np.sin(phase), channels=32, f_min=100.0, f_max=6000.0)
    drive = run_currents(net, g, 1000)
    peaks = drive.reshape(50, 20, 32).mean(axis=1).argmax(axis=1)[2:-1]
    assert np.all(np.diff(peaks) >= 0) and peaks[-1] - peaks[0] > 15


@pytest.mark.parametrize("sr,seconds,dt,resample_to,steps", [
    (16000, 1.0, 1e-3, None, 1000), (44100, 0.5, 1e-3, None, 500), (8000, 0.25, 1e-3, 16000, 250),
    (16000, 0.1, 1e-4, None, 1000)])
def test_resampling_keeps_the_duration_exact(sr, seconds, dt, resample_to, steps):
    x = tone(300.0, seconds, sr)
    net, g = build(x, channels=4, samplerate=sr, dt=dt, resample_to=resample_to, f_max=2000.0,
                   chunk_steps=77)
    b = g.AudioInput
    lit = [bool(np.any(row)) for row in run_currents(net, g, steps + 3)]
    assert lit[steps - 1] and not any(lit[steps:]) and b.finished
    assert b.step == steps + 3


def test_generator_of_chunks_gives_what_the_array_gives(rng):
    x = rng.normal(0, 0.3, 8000)
    net, g = build(x, channels=8, chunk_steps=33)
    whole = run_currents(net, g, 500)
    net, g = build((c for c in np.array_split(x, 17)), channels=8)
    assert np.allclose(run_currents(net, g, 500), whole)


def test_rate_and_phase_locked_spikes():
    net, g = build(tone(200.0, 1.0, amplitude=1.0), channels=2, frequencies=[200.0, 3000.0],
                   encoding="phase", dt=1e-4, max_rate=1000.0)
    spikes = np.zeros((10000, 2), dtype=bool)
    for k in range(10000):
        net.simulate_iteration()
        spikes[k] = to_numpy(g.spike)
    times = np.flatnonzero(spikes[2000:, 0]) * 1e-4
    strength = np.abs(np.mean(np.exp(2j * np.pi * 200.0 * times)))   # vector strength
    assert len(times) > 100 and strength > 0.6
    assert spikes[:, 1].sum() < spikes[:, 0].sum() / 5
    net, g = build(tone(1000.0, 1.0, amplitude=1.0), channels=16, f_min=200.0, f_max=5000.0,
                   encoding="rate", max_rate=200.0)
    counts = np.zeros(16)
    for _ in range(1000):
        net.simulate_iteration()
        counts += to_numpy(g.spike)
    best = int(np.argmin(np.abs(g.AudioInput.frequencies - 1000.0)))
    assert int(np.argmax(counts)) in (best - 1, best, best + 1) and counts[best] > 40


def test_coarse_step_is_refused_for_phase_locking():
    with pytest.raises(ConfigurationError, match=r"1/dt = 1000 Hz.*highest channel is at 6000 Hz"):
        build(tone(440.0), channels=8, f_max=6000.0, encoding="phase", dt=1e-3)


def test_sound_file_continues_exactly_after_save_and_load(tmp_path):
    sf = pytest.importorskip("soundfile")
    from monnto.storage import load_network, save_network

    path = tmp_path / "tone.wav"
    t = np.arange(SR // 2) / SR
    sf.write(path, 0.3 * np.sin(2 * np.pi * (300 + 2000 * t) * t), SR, subtype="FLOAT")

    def make():
        return build(path, channels=12, samplerate=None, resample_to=12000.0, chunk_steps=64)

    net, g = make()
    whole = run_currents(net, g, 400)
    net, g = make()
    first = run_currents(net, g, 150)
    copy = load_network(save_network(net, tmp_path / "net"), data_folders=tmp_path)
    rest = run_currents(copy, copy.NeuronGroups[0], 250)
    assert np.allclose(np.vstack([first, rest]), whole, rtol=0, atol=1e-12)


def test_bad_audio_inputs_give_clear_errors(tmp_path):
    with pytest.raises(LoadError, match="no such file"):
        build(tmp_path / "missing.wav", samplerate=None)
    (tmp_path / "junk.wav").write_bytes(b"RIFF nonsense" * 10)
    pytest.importorskip("soundfile")
    with pytest.raises(LoadError, match="readable sound file"):
        build(tmp_path / "junk.wav", samplerate=None)
    with pytest.raises(MonntoValueError, match="samplerate"):
        build(tone(100.0), samplerate=None)
    with pytest.raises(MonntoValueError, match="one per neuron"):
        build(tone(100.0), channels=4, frequencies=[100.0, 200.0])
    with pytest.raises(MonntoValueError, match="Nyquist"):
        build(tone(100.0), channels=4, f_max=9000.0)


@pytest.mark.slow
@pytest.mark.numpy_only
def test_spoken_word_example_tracks_formants_and_reads_out_the_word(tmp_path):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[3] / "examples" / "sensory_spoken_word.py"
    spec = importlib.util.spec_from_file_location("sensory_spoken_word", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--small", "--out", str(tmp_path)])
    start_a, end_a = result["peak_A"]
    start_b, end_b = result["peak_B"]
    assert end_a > start_a and end_b < start_b          # F1 rises in A, falls in B
    assert (tmp_path / "sensory_spoken_word.png").is_file()


def test_array_source_continues_exactly_and_a_generator_is_refused_by_save(tmp_path, rng):
    from monnto.storage import load_network, save_network

    x = rng.normal(0, 0.3, 8000)
    net, g = build(x, channels=8, chunk_steps=33)
    whole = run_currents(net, g, 400)
    net, g = build(x, channels=8, chunk_steps=33)
    first = run_currents(net, g, 170)
    copy = load_network(save_network(net, tmp_path / "array"))
    rest = run_currents(copy, copy.NeuronGroups[0], 230)
    assert np.allclose(np.vstack([first, rest]), whole, rtol=0, atol=1e-12)

    net, g = build((c for c in np.array_split(x, 17)), channels=8)
    run_currents(net, g, 5)
    with pytest.raises(TypeError, match=r"save_network: AudioInput on NeuronGroup .*got a generator"):
        save_network(net, tmp_path / "generator")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["array"]
