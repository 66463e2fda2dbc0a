"""``monnto doctor``: one line per optional part, and what to install for those that do not work."""

import pytest


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
            "optuna"} <= set(report)
    assert report["ffmpeg"]["ok"] == (shutil.which("ffmpeg") is not None)
    for name, module in (("numba", "numba"), ("torch", "torch"), ("optuna", "optuna")):
        if find_spec(module) is None:
            assert not report[name]["ok"] and "pip install 'monnto[" in report[name]["install"]
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
