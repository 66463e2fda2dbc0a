"""Can Qt open a window here? Checked before a ``QApplication`` exists.

Qt aborts the whole interpreter (SIGABRT, exit status 134) when its platform
plugin cannot load: no X display, or an ``xcb`` plugin whose system
libraries are missing (on Debian ``libxcb-icccm4``, ``libxcb-keysyms1``, ...;
Qt's own message then often names the wrong one). This module finds out
beforehand, without Qt:

- which platform Qt would use (``QT_QPA_PLATFORM``, else ``xcb``, or
  ``wayland`` in a Wayland session);
- whether that plugin's file exists, and which shared libraries it needs
  (read from its ELF ``DT_NEEDED`` entries, following Qt's own libraries)
  cannot be loaded, with the Debian packages that provide them;
- whether a display is there (``DISPLAY`` reachable over xcb,
  ``WAYLAND_DISPLAY``).

:func:`qt_application` uses it: with no usable platform it falls back to
``offscreen`` rendering (with a warning) where the caller allows it, and
raises :class:`DisplayError` otherwise. Nothing here imports Qt.
"""
from __future__ import annotations

import ctypes
import importlib.util
import os
import struct
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import MonntoError

OFFSCREEN_HINT = "QT_QPA_PLATFORM=offscreen"

#: Debian packages whose names do not follow from the library name.
_DEBIAN_NAMES = {
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}


class DisplayError(MonntoError, RuntimeError):
    """Qt cannot open its platform here (no display, or system libraries missing)."""


@dataclass
class PlatformCheck:
    """What was found out about one Qt platform plugin.

    Attributes
    ----------
    name : str
        The platform (``'xcb'``, ``'wayland'``, ``'offscreen'``, ...).
    usable : bool
        True when Qt should be able to start with it.
    reason : str
        Why it is not usable ('' when it is).
    missing_libraries : list of str
        Shared libraries the plugin needs that cannot be loaded.
    packages : list of str
        Debian packages that provide ``missing_libraries``.
    """

    name: str
    usable: bool
    reason: str = ""
    missing_libraries: list[str] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)


def debian_package(soname: str) -> str:
    """The Debian package that ships the shared library ``soname``.

    ``libxcb-icccm.so.4`` -> ``libxcb-icccm4``; ``libxkbcommon-x11.so.0`` ->
    ``libxkbcommon-x11-0`` (Debian's rule: a hyphen before the version when
    the name ends in a digit), with a table for the exceptions.
    """
    if soname in _DEBIAN_NAMES:
        return _DEBIAN_NAMES[soname]
    stem, _, version = soname.partition(".so")
    major = version.lstrip(".").split(".")[0]
    stem = stem.lower()
    if not major:
        return stem
    return f"{stem}-{major}" if stem[-1:].isdigit() else f"{stem}{major}"


def elf_needed(path: str | os.PathLike) -> list[str]:
    """The ``DT_NEEDED`` entries (libraries to load) of an ELF shared object; [] if it is not ELF."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return []
    if data[:4] != b"\x7fELF" or len(data) < 64:
        return []
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    if is64:
        phoff, = struct.unpack_from(end + "Q", data, 32)
        phentsize, phnum = struct.unpack_from(end + "HH", data, 54)
        ph_fmt, dyn_fmt = end + "IIQQQQQQ", end + "qQ"
    else:
        phoff, = struct.unpack_from(end + "I", data, 28)
        phentsize, phnum = struct.unpack_from(end + "HH", data, 42)
        ph_fmt, dyn_fmt = end + "IIIIIIII", end + "iI"
    loads, dynamic = [], None
    for k in range(phnum):
        fields = struct.unpack_from(ph_fmt, data, phoff + k * phentsize)
        if is64:
            p_type, _, p_offset, p_vaddr, _, p_filesz = fields[:6]
        else:
            p_type, p_offset, p_vaddr, _, p_filesz = fields[:5]
        if p_type == 1:
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == 2:
            dynamic = (p_offset, p_filesz)
    if dynamic is None:
        return []
    size = struct.calcsize(dyn_fmt)
    needed, strtab = [], None
    for offset in range(dynamic[0], dynamic[0] + dynamic[1], size):
        tag, value = struct.unpack_from(dyn_fmt, data, offset)
        if tag == 0:
            break
        if tag == 1:
            needed.append(value)
        elif tag == 5:
            strtab = value
    if strtab is None:
        return []
    for vaddr, offset, filesz in loads:  # the string table's address -> its place in the file
        if vaddr <= strtab < vaddr + filesz:
            strtab = strtab - vaddr + offset
            break
    names = []
    for index in needed:
        stop = data.find(b"\0", strtab + index)
        names.append(data[strtab + index:stop].decode("utf-8", "replace"))
    return names


def _system_loadable(soname: str) -> str | None:
    """None when ``soname`` loads; else the library the loader could not find."""
    try:
        ctypes.CDLL(soname)
    except OSError as err:
        text = str(err)
        first = text.split(":", 1)[0].strip()
        return first if first.startswith("lib") and ".so" in first else soname
    return None


def missing_libraries(library: str | os.PathLike, search: list[Path] | None = None,
                      loadable: Callable[[str], str | None] = _system_loadable) -> list[str]:
    """Shared libraries that ``library`` needs (directly or through Qt's own) but cannot be loaded.

    Parameters
    ----------
    library : path-like
        A shared object (a Qt platform plugin).
    search : list of Path, optional
        Folders holding the bundled libraries to follow (Qt's ``lib``
        folder); default: the ``lib`` folder two levels above ``library``'s
        folder, as in PySide6 wheels.
    loadable : callable
        ``soname -> None`` when a system library loads, else the name of the
        library that is missing (injected by tests).
    """
    library = Path(library)
    if search is None:
        search = [library.parent.parent.parent / "lib"]
    missing: list[str] = []
    seen: set[str] = set()
    todo = [library]
    while todo:
        current = todo.pop()
        for name in elf_needed(current):
            if name in seen:
                continue
            seen.add(name)
            bundled = next((folder / name for folder in search if (folder / name).is_file()), None)
            if bundled is not None:
                todo.append(bundled)
                continue
            absent = loadable(name)
            if absent is not None and absent not in missing:
                missing.append(absent)
    return missing


def plugin_folders() -> list[Path]:
    """Folders where Qt looks for platform plugins (environment first, then PySide6's)."""
    folders = [Path(p) for p in os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH", "").split(os.pathsep) if p]
    folders += [Path(p) / "platforms" for p in os.environ.get("QT_PLUGIN_PATH", "").split(os.pathsep) if p]
    spec = importlib.util.find_spec("PySide6")
    if spec is not None and spec.origin:
        folders.append(Path(spec.origin).parent / "Qt" / "plugins" / "platforms")
    return folders


def find_plugin(name: str) -> Path | None:
    """The file of platform plugin ``name`` (``libq<name>.so``), or None."""
    for folder in plugin_folders():
        for candidate in (folder / f"libq{name}.so", folder / f"libq{name}.dylib", folder / f"q{name}.dll"):
            if candidate.is_file():
                return candidate
    return None


def _x_display_reachable(display: str) -> bool | None:
    """True/False when libxcb can tell whether the X server answers; None when it cannot tell."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return None
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        return xcb.xcb_connection_has_error(connection) == 0
    finally:
        xcb.xcb_disconnect(connection)


def check_platform(name: str) -> PlatformCheck:
    """Whether Qt platform ``name`` can start here (plugin, its libraries, a display)."""
    if not sys.platform.startswith("linux"):
        return PlatformCheck(name, True)  # only Linux's plugins are checked
    plugin = find_plugin(name)
    if plugin is None:
        known = sorted({p.name[4:-3] for folder in plugin_folders() if folder.is_dir()
                        for p in folder.glob("libq*.so")})
        return PlatformCheck(name, False, f"there is no Qt platform plugin {name!r} "
                                          f"(available: {', '.join(known) or 'none'})")
    missing = missing_libraries(plugin)
    if missing:
        packages = list(dict.fromkeys(debian_package(m) for m in missing))
        reason = f"the Qt platform plugin {name!r} needs {', '.join(missing)}, which cannot be loaded"
        if name == "xcb" and not os.environ.get("DISPLAY"):
            reason += ", and there is no X display (DISPLAY is not set)"
        return PlatformCheck(name, False, reason, missing, packages)
    if name == "xcb":
        display = os.environ.get("DISPLAY", "")
        if not display:
            return PlatformCheck(name, False, "there is no X display (DISPLAY is not set)")
        if _x_display_reachable(display) is False:
            return PlatformCheck(name, False, f"the X display DISPLAY={display!r} does not answer")
    if name == "wayland" and not os.environ.get("WAYLAND_DISPLAY"):
        return PlatformCheck(name, False, "there is no Wayland display (WAYLAND_DISPLAY is not set)")
    return PlatformCheck(name, True)


def requested_platforms() -> tuple[list[str], bool]:
    """The platforms Qt would try, in order, and whether the user chose them (``QT_QPA_PLATFORM``)."""
    value = os.environ.get("QT_QPA_PLATFORM", "").strip()
    if value:
        return [part.split(":", 1)[0].strip() for part in value.split(";") if part.strip()], True
    if os.environ.get("XDG_SESSION_TYPE") == "wayland" and os.environ.get("WAYLAND_DISPLAY"):
        return ["wayland", "xcb"], False
    return ["xcb"], False


_OFFSCREEN_TAIL = (f" Without a display, run with {OFFSCREEN_HINT} to render offscreen "
                   "(screenshots work, no window is shown).")


def _message(what: str, checks: list[PlatformCheck], chosen: bool, tail: str = _OFFSCREEN_TAIL) -> str:
    reasons = "; ".join(check.reason for check in checks)
    packages = list(dict.fromkeys(p for check in checks for p in check.packages))
    text = f"{what}: Qt cannot start here: {reasons}."
    if packages:
        text += f" Install the missing libraries (Debian/Ubuntu): sudo apt-get install {' '.join(packages)}."
    if chosen:
        text += f" (QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')!r} was asked for.)"
    return text + tail


def ensure_platform(what: str = "Network_UI", allow_offscreen: bool = True) -> str:
    """Make sure Qt can start; returns the platform it will use.

    Parameters
    ----------
    what : str
        The feature asking (named in messages).
    allow_offscreen : bool
        When the platform Qt would pick by default cannot start (no display,
        libraries missing), set ``QT_QPA_PLATFORM=offscreen`` and warn
        instead of raising. A platform chosen by the user through
        ``QT_QPA_PLATFORM`` is never replaced.

    Raises
    ------
    DisplayError
        No usable platform; the message names the missing Debian packages
        and ``QT_QPA_PLATFORM=offscreen``.
    """
    names, chosen = requested_platforms()
    checks = []
    for name in names:
        check = check_platform(name)
        if check.usable:
            return name
        checks.append(check)
    if allow_offscreen and not chosen and check_platform("offscreen").usable:
        warnings.warn(_message(what, checks, chosen, f" Rendering offscreen instead ({OFFSCREEN_HINT}): "
                                                     "no window is shown."), RuntimeWarning, stacklevel=3)
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return "offscreen"
    raise DisplayError(_message(what, checks, chosen))


def qt_application(what: str = "Network_UI", allow_offscreen: bool = True) -> Any:
    """The running ``QApplication``, or a new one once :func:`ensure_platform` has passed."""
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        ensure_platform(what, allow_offscreen=allow_offscreen)
        app = QtWidgets.QApplication(["monnto"])
    return app


__all__ = ["DisplayError", "PlatformCheck", "check_platform", "debian_package", "elf_needed",
           "ensure_platform", "find_plugin", "missing_libraries", "qt_application", "requested_platforms"]
