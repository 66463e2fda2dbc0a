"""The live GUI: ``Network_UI``, ``TabBase`` and the default modules.

Importing this package does not import Qt, so ``monnto`` can export these
names (even in ``from monnto import *``) without the GUI extra:

- ``TabBase`` is Qt-free (subclass it anywhere);
- ``Network_UI`` here is a thin front class: constructing it checks for
  PySide6 and pyqtgraph (raising ``ImportError`` with the hint
  ``pip install monnto[gui]`` when either is missing), then builds the Qt
  implementation :class:`monnto.ui.network_ui.Network_UI`, a subclass, so
  ``isinstance(ui, monnto.ui.Network_UI)`` holds;
- ``get_default_UI_modules`` does the same check before loading the tabs;
- ``run_ui_command`` runs a script and shows its network (``monnto ui``).
"""
from __future__ import annotations

import importlib
from typing import Any

from .tab_base import TabBase

GUI_HINT = "pip install monnto[gui]"


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


class Network_UI:  # noqa: N801 (the paper's name)
    """The live GUI of a network (see :class:`monnto.ui.network_ui.Network_UI`).

    ``Network_UI(network, modules=None, label='Network UI',
    group_display_count=None, storage_manager=None, ...)``; call
    ``.show()`` to open the window. Raises ImportError (``pip install
    monnto[gui]``) when PySide6 or pyqtgraph is missing.
    """

    def __new__(cls, *args: Any, **kwargs: Any):
        require_qt("Network_UI")
        from .network_ui import Network_UI as QtNetworkUI

        return object.__new__(QtNetworkUI if cls is Network_UI else cls)


def get_default_UI_modules(neuron_params: list[str] | str | None = None,  # noqa: N802 (paper name)
                           synapse_params: list[str] | str | None = None, **kwargs: Any) -> list:
    """The default tabs and sidebar modules (see :func:`monnto.ui.defaults.get_default_UI_modules`)."""
    require_qt("get_default_UI_modules")
    from .defaults import get_default_UI_modules as make

    return make(neuron_params, synapse_params, **kwargs)


def run_ui_command(script_path: Any, block: bool = True, argv: list[str] | None = None):
    """Run a script and open the GUI on its network (see :mod:`monnto.ui.launch`)."""
    from .launch import run_ui_command as run

    return run(script_path, block=block, argv=argv)


__all__ = ["GUI_HINT", "Network_UI", "TabBase", "get_default_UI_modules", "require_qt", "run_ui_command"]
