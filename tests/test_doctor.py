"""``monnto doctor``: one line per optional part, and what to install for those that do not work."""

import pytest


@pytest.mark.slow  # imports torch, nest, brian2, ... in subprocesses: 8-16 s
def test_doctor_reports_every_optional_part_and_what_to_install(capsys):
    import json
    import shutil
    from importlib.util import find_spec

    from monnto.cli import main
    from monnto.doctor import ALL_CHECKS, Check, format_report

    assert main(["doctor", "--json"]) == 0
    report = {item["name"]: item for item in json.loads(capsys.readouterr().out)}
    assert list(report) == list(ALL_CHECKS)
    assert {"Qt display", "ffmpeg", "PostgreSQL", "numba", "torch", "CUDA", "MPI", "brian2", "nest",
            "optuna", "PyAV", "soundfile"} <= set(report)
    assert report["ffmpeg"]["ok"] == (shutil.which("ffmpeg") is not None)
    for name, module in (("numba", "numba"), ("torch", "torch"), ("optuna", "optuna"), ("PyAV", "av"),
                         ("soundfile", "soundfile")):
        if find_spec(module) is None:
            assert not report[name]["ok"] and "pip install 'monnto[" in report[name]["install"]
    assert report["PyAV"]["ok"] or report["PyAV"]["install"] == "pip install 'monnto[sensory]'"
    for item in report.values():
        assert item["ok"] or item["install"], item  # every part that does not work says what to do
    text = format_report([Check(**item) for item in report.values()])
    assert text.startswith("monnto doctor:") and all(f"] {name}" in text for name in ALL_CHECKS)
    for item in report.values():
        if not item["ok"]:
            assert f"{item['name']} ({item['used_for']}): {item['install']}" in text


def test_doctor_names_the_install_for_a_missing_package(monkeypatch):
    from monnto import doctor

    monkeypatch.setitem(doctor._PYTHON_PARTS, "MPI", ("no_such_module_for_monnto", "import no_such_module_for_monnto",
                                                      "pip install something", "a test"))
    (check,) = doctor.run_checks(only=["MPI"])
    assert not check.ok and check.detail == "no_such_module_for_monnto is not installed"
    assert check.install == "pip install something"
    with pytest.raises(ValueError, match="monnto doctor: only must be"):
        doctor.run_checks(only=["nonsense"])


def test_doctor_text_names_what_to_install_for_each_missing_part(monkeypatch, capsys):
    """The command's report when no optional Python package imports (fast: no real imports)."""
    from monnto import doctor
    from monnto.cli import main

    def missing(name):
        module, _, install, used_for = doctor._PYTHON_PARTS[name]
        return doctor.Check(name, False, f"{module} is not installed", install, used_for)

    monkeypatch.setattr(doctor, "_import_check", missing)
    assert main(["doctor"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("monnto doctor:")
    for name in doctor.ALL_CHECKS:
        assert f"] {name}" in text, name
    for name, extra in (("PyAV", "sensory"), ("soundfile", "sensory"), ("optuna", "evolution"), ("torch", "torch"),
                        ("numba", "numba")):
        used_for = doctor._PYTHON_PARTS[name][3]
        assert f"  {name} ({used_for}): pip install 'monnto[{extra}]'" in text, name
    assert "[--] MPI" in text and "mpi4py" in text
