"""Without a usable display the GUI entry points fail cleanly (a message, exit status 1), never SIGABRT.

Qt aborts the interpreter (exit status 134) when its platform plugin cannot
load. Each entry point is run in a fresh process with ``DISPLAY`` and
``WAYLAND_DISPLAY`` unset and ``QT_QPA_PLATFORM`` naming a platform that
does not exist, so neither a window nor offscreen rendering is possible.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = str(ROOT / "src")

BUILD_NET = ("from monnto.models.basic_network import basic_network\n"
             "net = basic_network(16, seed=1)\n")


def _run(args, platform="no_such_platform", cwd=None):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    if platform is not None:
        env["QT_QPA_PLATFORM"] = platform
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=240)


def _assert_clean_failure(result, platform="no_such_platform"):
    assert result.returncode not in (134, -6), result.stderr  # not SIGABRT
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "QT_QPA_PLATFORM=offscreen" in result.stderr
    assert platform in result.stderr
    assert "Fatal Python error" not in result.stderr and "Aborted" not in result.stderr


def test_monnto_ui_without_a_display_exits_with_the_message(tmp_path):
    result = _run(["-m", "monnto", "ui", str(ROOT / "examples" / "gui_basic.py")], cwd=tmp_path)
    _assert_clean_failure(result)
    assert result.stderr.startswith("monnto ui: ")
    assert "Traceback" not in result.stderr
    assert "there is no Qt platform plugin 'no_such_platform'" in result.stderr
    assert "offscreen" in result.stderr.split("available:")[1]  # lists what this machine has


def test_network_ui_without_a_display_raises_display_error(tmp_path):
    code = BUILD_NET + ("from monnto.ui import Network_UI\n"
                        "from monnto.ui.qt_platform import DisplayError\n"
                        "try:\n"
                        "    Network_UI(net)\n"
                        "except DisplayError as err:\n"
                        "    import sys; print(err, file=sys.stderr); sys.exit(1)\n")
    _assert_clean_failure(_run(["-c", code], cwd=tmp_path))


def test_visualize_module_show_without_a_display_raises_display_error(tmp_path):
    code = BUILD_NET + ("from monnto.analysis.visualize_module import visualize_module\n"
                        "visualize_module(net.NeuronGroups[0], show=True, block=False)\n")
    result = _run(["-c", code], cwd=tmp_path)
    _assert_clean_failure(result)
    assert "DisplayError: visualize_module(show=True): Qt cannot start here" in result.stderr


def test_network_ui_falls_back_to_offscreen_when_no_platform_was_asked_for(tmp_path):
    code = BUILD_NET + ("import warnings\n"
                        "from monnto.ui import Network_UI, get_default_UI_modules\n"
                        "with warnings.catch_warnings(record=True) as caught:\n"
                        "    warnings.simplefilter('always')\n"
                        "    ui = Network_UI(net, modules=get_default_UI_modules(['voltage'], ['W']))\n"
                        "print(ui.app.platformName())\n"
                        "print(' | '.join(str(w.message) for w in caught if 'offscreen' in str(w.message)))\n"
                        "ui.show()  # offscreen: returns instead of waiting for a window nobody sees\n")
    result = _run(["-c", code], platform=None, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    platform, message = result.stdout.splitlines()[:2]
    assert platform == "offscreen"
    assert "Rendering offscreen instead" in message and "DISPLAY is not set" in message


def test_monnto_ui_without_display_names_the_missing_debian_packages(tmp_path):
    from monnto.ui.qt_platform import check_platform

    xcb = check_platform("xcb")
    result = _run(["-m", "monnto", "ui", str(ROOT / "examples" / "gui_basic.py")], platform=None, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "monnto ui: Qt cannot start here" in result.stderr
    assert "QT_QPA_PLATFORM=offscreen" in result.stderr
    for package in xcb.packages:  # what this machine lacks, detected from the plugin's ELF entries
        assert package in result.stderr


def test_missing_xcb_libraries_are_detected_and_named_without_qt(tmp_path):
    from monnto.ui.qt_platform import elf_needed, find_plugin, missing_libraries

    plugin = find_plugin("xcb")
    if plugin is None:
        pytest.skip("this Qt has no xcb plugin")
    assert "libQt6XcbQpa.so.6" in elf_needed(plugin)
    absent = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}
    found = missing_libraries(plugin, loadable=lambda name: name if name in absent else None)
    assert set(found) == absent  # reached through libQt6XcbQpa.so.6, not named by the plugin itself
    assert missing_libraries(plugin, loadable=lambda name: None) == []


def test_debian_package_names_without_qt():
    from monnto.ui.qt_platform import debian_package

    assert debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert debian_package("libxcb-keysyms.so.1") == "libxcb-keysyms1"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert debian_package("libxcb-render-util.so.0") == "libxcb-render-util0"
    assert debian_package("libGL.so.1") == "libgl1"


def test_elf_reader_ignores_files_that_are_not_elf_without_qt(tmp_path):
    from monnto.ui.qt_platform import elf_needed

    text = tmp_path / "not_a_library.so"
    text.write_text("hello")
    assert elf_needed(text) == [] and elf_needed(tmp_path / "absent.so") == []
    if sys.platform.startswith("linux"):
        assert any(name.startswith("libc.so") for name in elf_needed(Path(sys.executable).resolve()))
