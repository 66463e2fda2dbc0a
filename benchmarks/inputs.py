"""Encoding throughput of the sensory inputs, as multiples of real time.

* video: a 128x128 gray video at 30 fps (a bar and noise, synthesized) into
  ON/OFF events (``VideoInput(encoding='events')``) at dt = 1 ms, on a
  128x128x2 group; measured from an in-memory array and, when PyAV is
  installed, from an FFV1 video file written to a temporary folder
  (decoding included);
* audio: 16 kHz sound (a chirp plus noise) through a 64-channel gammatone
  filterbank (``AudioInput``) at dt = 1 ms.

Each run drives a Network whose only behaviour is the input, so the time
includes the network's step loop. Real-time factor = seconds of input /
seconds of wall time (goal: >= 10 on one core). Set ``OMP_NUM_THREADS=1``
etc. for a strict single-core figure.

    python benchmarks/inputs.py                 # 10 s of video, 10 s of audio
    python benchmarks/inputs.py --seconds 2     # a quick check
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from monnto.behaviours.inputs import AudioInput, VideoInput
from monnto.core import Network, NeuronDimension, NeuronGroup


def synth_video(seconds: float, fps: float = 30.0, side: int = 128, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    frames = int(round(seconds * fps))
    video = np.empty((frames, side, side), dtype=np.uint8)
    for f in range(frames):
        frame = rng.integers(0, 40, (side, side))
        start = (4 * f) % side
        frame[:, start:start + 12] = 230
        video[f] = frame
    return video


def write_video(path: Path, video: np.ndarray, fps: int) -> Path:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("ffv1", rate=fps)
        stream.height, stream.width = video.shape[1:]
        stream.pix_fmt = "gray"
        for frame in video:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="gray")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def time_run(net: Network, steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        net.simulate_iteration()
    return time.perf_counter() - start


def bench_video(source, seconds: float, fps: float = 30.0, dt: float = 1e-3) -> tuple[float, int]:
    net = Network(seed=1)
    group = NeuronGroup(net, NeuronDimension(width=128, height=128, depth=2),
                        behaviour={1: VideoInput(source=source, fps=fps, dt=dt, encoding="events",
                                                 threshold=0.2, refractory=1e-3)})
    net.initialize()
    steps = int(round(seconds / dt))
    events = 0
    start = time.perf_counter()
    for _ in range(steps):
        net.simulate_iteration()
        events += int(group.spike.sum())
    return time.perf_counter() - start, events


def bench_audio(seconds: float, sr: int = 16000, channels: int = 64, dt: float = 1e-3) -> float:
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * sr)) / sr
    sound = 0.3 * np.sin(2 * np.pi * (200 + 300 * t) * t) + 0.05 * rng.normal(size=len(t))
    import scipy.signal  # noqa: F401 - imported on first use; keep its import time out of the figure

    net = Network(seed=1)
    NeuronGroup(net, channels, behaviour={1: AudioInput(source=sound, samplerate=sr, dt=dt,
                                                        f_min=50.0, f_max=7000.0)})
    net.initialize()
    return time_run(net, int(round(seconds / dt)))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of video and of audio")
    args = parser.parse_args(argv)
    s = args.seconds
    video = synth_video(s)
    results = {}
    wall, events = bench_video(video, s)
    results["video array -> ON/OFF events"] = (wall, f"{events / s:,.0f} events/s")
    try:
        import av  # noqa: F401
    except ImportError:
        print("PyAV not installed: video file run skipped (pip install monnto[sensory])")
    else:
        with tempfile.TemporaryDirectory() as folder:
            path = write_video(Path(folder) / "bench.mkv", video, 30)
            wall, _ = bench_video(path, s)
            results["video file (FFV1, decoded) -> ON/OFF events"] = (wall, "")
    results["16 kHz audio -> 64 gammatone channels"] = (bench_audio(s), "")
    print(f"{s:g} s of input, dt = 1 ms (128x128 video at 30 fps; 16 kHz audio, 64 channels)")
    print(f"{'input':48s} {'wall s':>8s} {'x real time':>12s}  {'ms/frame or ms/audio-s':>22s}")
    for name, (wall, note) in results.items():
        per = wall / (s * 30) * 1e3 if name.startswith("video") else wall / s * 1e3
        print(f"{name:48s} {wall:8.3f} {s / wall:12.1f}  {per:22.3f}  {note}")
    return {k: s / v[0] for k, v in results.items()}


if __name__ == "__main__":
    main()
