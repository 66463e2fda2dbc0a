"""Streaming a large recording to disk in bounded memory.

Records ``n.voltage`` of a NeuronGroup of 100,000 neurons for 10,000 steps
(float32: 4 GB of samples) with ``Recorder(..., storage_manager=sm,
chunk=...)``, which keeps one chunk in memory and appends each full chunk to
the run's zarr store. Prints the peak resident memory of the process
(``ru_maxrss``), which must stay under 500 MB, the write rate and the size on
disk, and checks the data read back. Everything is written under a temporary
folder (``--dir``, default the system's temp folder) and deleted at the end.

    python benchmarks/storage.py                      # the full 4 GB run
    python benchmarks/storage.py --neurons 1000 --steps 500   # a quick check
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time

import numpy as np


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux: ru_maxrss is in KiB)."""
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6


def folder_size(path: str) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(root, name))
    return total


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=100, help="samples kept in memory per chunk")
    parser.add_argument("--dir", default=None, help="parent folder of the temporary Data folder")
    parser.add_argument("--limit-mb", type=float, default=500.0)
    args = parser.parse_args(argv)

    from monnto import Behaviour, Network, NeuronGroup, Recorder
    from monnto.storage import StorageManager

    class NoisyLeak(Behaviour):
        """v <- 0.99 v + U(0, 1) noise on 10% of the neurons (float32)."""

        def set_variables(self, n):
            n.voltage = n.get_neuron_vec()

        def new_iteration(self, n):
            n.voltage *= np.float32(0.99)
            n.voltage += n.get_neuron_vec("uniform", density=0.1)

    workdir = tempfile.mkdtemp(prefix="monnto_storage_bench_", dir=args.dir)
    try:
        import zarr  # noqa: F401 - imported before the baseline so it is not counted as data

        sm = StorageManager("bench", data_folder=os.path.join(workdir, "Data"))
        net = Network(seed=1, dtype="float32")
        group = NeuronGroup(net=net, tag="big", size=args.neurons, behaviour={
            1: NoisyLeak(),
            9: Recorder(["n.voltage"], tag="rec", storage_manager=sm, chunk=args.chunk),
        })
        net.initialize()
        baseline = peak_rss_mb()
        start = time.perf_counter()
        net.simulate_iterations(args.steps, progress=False)
        rec = net["rec", 0]
        rec.flush()
        seconds = time.perf_counter() - start
        peak = peak_rss_mb()
        stream = sm.load_stream("rec.n.voltage")
        assert stream.shape == (args.steps, args.neurons), stream.shape
        np.testing.assert_array_equal(stream[-1], group.voltage)
        raw_gb = args.steps * args.neurons * 4 / 1e9
        disk_gb = folder_size(sm.path) / 1e9
        result = {
            "neurons": args.neurons, "steps": args.steps, "chunk": args.chunk,
            "data_gb": raw_gb, "disk_gb": disk_gb, "seconds": seconds,
            "write_mb_per_s": raw_gb * 1e3 / seconds, "baseline_rss_mb": baseline,
            "peak_rss_mb": peak,
        }
        print(f"streamed {args.neurons:,} neurons x {args.steps:,} steps float32 "
              f"({raw_gb:.2f} GB of samples, {disk_gb:.2f} GB on disk) in {seconds:.1f} s "
              f"({result['write_mb_per_s']:.0f} MB/s), chunk {args.chunk} steps")
        print(f"peak memory (ru_maxrss): {peak:.0f} MB (after setup: {baseline:.0f} MB); "
              f"goal < {args.limit_mb:.0f} MB: {'OK' if peak < args.limit_mb else 'EXCEEDED'}")
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
