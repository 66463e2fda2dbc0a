"""Importing has no side effects; the demo command writes Figure 5."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_import_prints_nothing_creates_nothing_and_stays_light(tmp_path):
    code = ("import sys, monnto; "
            "heavy = [m for m in ('matplotlib', 'PySide6', 'PyQt5', 'torch', 'zarr', 'optuna', 'brian2', "
            "'nest', 'tqdm', 'sympy', 'numba') if m in sys.modules]; "
            "assert not heavy, heavy; assert sys.excepthook is sys.__excepthook__; "
            "path = list(sys.path); from monnto import *; "
            "heavy = [m for m in ('matplotlib', 'PySide6', 'PyQt5', 'torch', 'zarr', 'optuna', 'brian2', "
            "'nest', 'sympy') if m in sys.modules]; "
            "assert not heavy, heavy; assert sys.path == path; assert sys.excepthook is sys.__excepthook__; "
            "assert Clock and Equation and Variable and OnPost and Network_UI and StorageManager; "
            "Equation(eq='dv/dt = -v/(10*ms)'); assert 'sympy' not in sys.modules")  # loaded at initialize
    result = _python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_demo_writes_figure_and_summary(tmp_path):
    from monnto.cli import main

    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    png = out / "figure5.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image

    image = matplotlib.image.imread(png)
    assert image.shape[0] >= 400 and image.shape[1] >= 600
    assert len({tuple(p) for p in image.reshape(-1, image.shape[2])[::50]}) > 20  # not blank
    text = (out / "summary.txt").read_text()
    assert "rate:" in text and "mean voltage:" in text


@pytest.mark.slow
def test_python_dash_m_monnto(tmp_path):
    result = _python("import runpy, sys; sys.argv=['monnto', 'demo', '--out', 'o', '--steps', '50'];"
                     "runpy.run_module('monnto', run_name='__main__')", tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "o" / "figure5.png").exists()
    assert "rate:" in result.stdout


def test_cli_lists_subcommands_and_checks_the_ui_script(tmp_path):
    from monnto.cli import build_parser, main

    help_text = build_parser().format_help()
    assert all(command in help_text for command in ("demo", "ui", "evolve"))
    with pytest.raises(SystemExit, match="no such script"):
        main(["ui", str(tmp_path / "missing.py")])
    assert main([]) == 2  # no command: help, exit status 2


def test_star_import_works_without_the_optional_extras(tmp_path):
    code = ("import sys\n"
            "for m in ('optuna', 'PySide6', 'pyqtgraph', 'torch', 'brian2', 'nest', 'numba', 'zarr'):\n"
            "    sys.modules[m] = None\n"
            "from monnto import *\n"
            "net = Network(seed=1); NeuronGroup(net=net, size=3); net.initialize(); net.simulate_iterations(2)\n"
            "try:\n"
            "    Network_UI(net)\n"
            "except ImportError as err:\n"
            "    assert 'pip install monnto[gui]' in str(err), err\n"
            "else:\n"
            "    raise AssertionError('Network_UI without Qt must raise ImportError')\n")
    result = _python(code, tmp_path)
    assert result.returncode == 0, result.stderr


def test_version_option_prints_the_package_version(capsys):
    from importlib.metadata import version

    import monnto
    from monnto.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"monnto {monnto.__version__}"
    assert monnto.__version__ == version("monnto")


def _all_parsers(parser):
    import argparse

    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _all_parsers(sub)


def test_every_option_with_a_default_shows_it_in_its_help():
    import argparse

    from monnto.cli import build_parser

    checked = 0
    for parser in _all_parsers(build_parser()):
        formatter = parser._get_formatter()
        for action in parser._actions:
            if (not action.option_strings or action.default in (None, False, argparse.SUPPRESS, [])
                    or isinstance(action, argparse._VersionAction)):
                continue
            text = formatter._expand_help(action) if action.help else ""
            assert "default" in text and str(action.default) in text, (parser.prog, action.dest, text)
            checked += 1
    assert checked >= 8


def test_evolve_without_optuna_names_the_extra(monkeypatch, capsys):
    from monnto.cli import main

    monkeypatch.setitem(sys.modules, "optuna", None)  # as if the evolution extra were missing
    assert main(["evolve", "status", "--name", "toy"]) == 1
    err = capsys.readouterr().err
    assert "pip install 'monnto[evolution]'" in err and "Traceback" not in err


def test_ui_without_qt_names_the_extra(monkeypatch, capsys, tmp_path):
    from monnto.cli import main

    script = tmp_path / "net.py"
    script.write_text("from monnto import *\nnet = Network(seed=1)\n")
    for name in ("PySide6", "PySide6.QtWidgets", "pyqtgraph"):
        monkeypatch.setitem(sys.modules, name, None)
    assert main(["ui", str(script)]) == 1
    assert "monnto[gui]" in capsys.readouterr().err



def test_evolve_dashboard_without_optuna_dashboard_names_the_extra(monkeypatch, capsys):
    from types import SimpleNamespace

    import monnto.evolution.cli as evolve_cli
    from monnto.cli import main

    pytest.importorskip("optuna")
    monkeypatch.setattr(evolve_cli, "_load", lambda args, **kw: SimpleNamespace(storage_url="sqlite://"))
    monkeypatch.setitem(sys.modules, "optuna_dashboard", None)  # optuna is there, the dashboard is not
    assert main(["evolve", "dashboard", "--name", "toy", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("monnto evolve: ") and "optuna_dashboard" in err
    assert "pip install 'monnto[evolution]'" in err and "Traceback" not in err


@pytest.mark.parametrize(("args", "message"), [
    (["demo", "--steps", "-5"], "argument --steps: expected an int >= 1, got -5"),
    (["demo", "--size", "abc"], "argument --size: expected an int >= 1, got 'abc'"),
    (["demo", "--seed", "-1"], "argument --seed: expected an int >= 0, got -1"),
])
def test_demo_options_are_typed_and_named(args, message, capsys):
    from monnto.cli import main

    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_a_failing_command_prints_one_clear_line(tmp_path, capsys):
    from monnto.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["demo", "--out", str(blocker / "sub"), "--steps", "5", "--size", "16"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("monnto demo: ") and str(blocker) in err and "Traceback" not in err
