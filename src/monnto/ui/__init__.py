"""The live GUI: ``Network_UI``, ``TabBase`` and the default modules.

Importing this package does not import Qt. ``TabBase`` is Qt-free; every
other name (``Network_UI``, ``get_default_UI_modules``, the tabs) is loaded
on first access through a module-level ``__getattr__`` that first checks for
PySide6 and pyqtgraph and raises ``ImportError`` with the install hint
``pip install monnto[gui]`` when either is missing. ``Network_UI.__init__``
repeats the check, so the hint also appears when Qt disappears after the
module was loaded (as the tests simulate).
"""
from __future__ import annotations

import importlib
from typing import Any

from .tab_base import TabBase

GUI_HINT = "pip install monnto[gui]"

_LAZY = {
    "Network_UI": "network_ui",
    "get_default_UI_modules": "defaults",
    "run_ui_command": "launch",
}


def require_qt(what: str = "Network_UI") -> None:
    """Raise ImportError naming ``pip install monnto[gui]`` when Qt is missing.

    Parameters
    ----------
    what : str
        The feature that needs Qt (used in the message).
    """
    try:
        # PySide6 first, so that pyqtgraph binds to it
        for name in ("PySide6", "PySide6.QtWidgets", "pyqtgraph"):
            importlib.import_module(name)
    except ImportError as err:
        raise ImportError(f"{what} needs PySide6 and pyqtgraph (the 'gui' extra): "
                          f"{GUI_HINT}  ({err})") from err


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'monnto.ui' has no attribute {name!r}")
    if name != "run_ui_command":
        require_qt(name)
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = ["GUI_HINT", "Network_UI", "TabBase", "get_default_UI_modules", "require_qt", "run_ui_command"]
