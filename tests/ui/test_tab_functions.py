"""The numerical helpers behind the tabs, against direct computations."""
import numpy as np


def test_isi_values_match_a_per_neuron_loop(rng):
    from monnto.ui.tabs.isi import isi_values

    spikes = rng.random((300, 40)) < 0.05
    expected = np.concatenate([np.diff(np.flatnonzero(spikes[:, k])) for k in range(40)])
    np.testing.assert_array_equal(np.sort(isi_values(spikes)), np.sort(expected))
    regular = np.zeros((100, 2), dtype=bool)
    regular[::7, 0] = True
    np.testing.assert_array_equal(isi_values(regular), np.full(14, 7))


def test_pca_spectrum_equals_svd(rng):
    from monnto.ui.tabs.pca import pca_spectrum

    for shape in ((200, 30), (20, 60)):
        x = rng.normal(size=shape)
        s, ratio = pca_spectrum(x, max_neurons=1000)
        reference = np.linalg.svd(x - x.mean(axis=0), compute_uv=False)
        np.testing.assert_allclose(s[: len(reference)], reference, rtol=1e-9, atol=1e-6)
        assert abs(ratio.sum() - 1) < 1e-12
    # rank-one activity: one component explains everything
    t = np.linspace(0, 1, 100)
    s, ratio = pca_spectrum(np.outer(np.sin(7 * t), rng.normal(size=10)))
    assert ratio[0] > 1 - 1e-12


def test_power_spectrum_peaks_at_the_signal_frequency():
    from monnto.ui.tabs.fourier import EEG_BANDS, power_spectrum

    step = 1e-3  # 1 ms per iteration
    t = np.arange(1000) * step
    f, p = power_spectrum(np.sin(2 * np.pi * 10.0 * t) + 0.1, step)
    assert f[np.argmax(p)] == 10.0  # an alpha-band rhythm
    alpha = next(b for b in EEG_BANDS if b[0] == "alpha")
    assert alpha[1] <= 10.0 < alpha[2]
    assert [b[0] for b in EEG_BANDS] == ["delta", "theta", "alpha", "beta", "gamma"]


def test_ring_read_unrolls_in_time_order():
    from monnto.behaviours.recorder import Recorder
    from monnto.ui.recording import ring_read

    class Dummy:
        pass

    rec = Recorder(["n.x"], max_length=5)
    block = rec._new_block("n.x", np.zeros(3))
    for k in range(12):
        block.append(np.array([k, 10 * k, 100 * k]))
    np.testing.assert_array_equal(ring_read(block)[:, 0], [7, 8, 9, 10, 11])
    np.testing.assert_array_equal(ring_read(block, column=1), [70, 80, 90, 100, 110])
    np.testing.assert_array_equal(ring_read(block, column=[0, 2], last=2), [[10, 1000], [11, 1100]])
    np.testing.assert_array_equal(ring_read(block, column=slice(0, 2), last=1), [[11, 110]])
    np.testing.assert_array_equal(ring_read(block), block.read())
