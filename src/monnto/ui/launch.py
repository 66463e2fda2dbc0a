"""``monnto ui script.py``: run a script and open the GUI on its network.

:func:`run_ui_command` runs the script as ``__main__`` with the environment
variable ``MONNTO_UI_LAUNCH=1``. If the script opens a ``Network_UI`` itself
(``Network_UI(...).show()``), that window is the result. Otherwise the last
``Network`` the script created (a module-level variable, else the last one
constructed) is initialized if needed and shown with the default modules.
"""
from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path
from typing import Any

ENV_FLAG = "MONNTO_UI_LAUNCH"


def run_ui_command(script_path: str | os.PathLike, block: bool = True, argv: list[str] | None = None) -> Any:
    """Run ``script_path`` and show the GUI on its network.

    Parameters
    ----------
    script_path : path-like
        A Python script that builds a Network.
    block : bool
        Run the Qt event loop until the window closes (``False``: show the
        window and return, for tests).
    argv : list of str, optional
        Extra command-line arguments for the script (``sys.argv[1:]``).

    Returns
    -------
    Network_UI
        The window shown.

    Raises
    ------
    monnto.ui.qt_platform.DisplayError
        Qt cannot open a window here (no display, or the platform plugin's
        system libraries are missing); the message names the Debian packages
        and ``QT_QPA_PLATFORM=offscreen``.
    """
    from . import require_qt

    path = Path(script_path)
    if not path.is_file():
        raise FileNotFoundError(f"monnto ui: no script at {str(path)!r}")
    require_qt("monnto ui")
    # before the script runs: no display means a clear error (or offscreen when not blocking), not SIGABRT
    from .qt_platform import ensure_platform

    ensure_platform("monnto ui", allow_offscreen=not block)
    from ..core import Network
    from .network_ui import _LAUNCH_CONTEXT, Network_UI

    created: list = []
    original_init = Network.__init__

    def tracking_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        created.append(self)

    saved = (dict(_LAUNCH_CONTEXT), sys.argv, os.environ.get(ENV_FLAG))
    shown: list = []
    _LAUNCH_CONTEXT["block"] = block
    _LAUNCH_CONTEXT["capture"] = shown
    sys.argv = [str(path), *(argv or [])]
    os.environ[ENV_FLAG] = "1"
    Network.__init__ = tracking_init
    try:
        namespace = runpy.run_path(str(path), run_name="__main__")
    finally:
        Network.__init__ = original_init
        _LAUNCH_CONTEXT.update(saved[0])
        sys.argv = saved[1]
        if saved[2] is None:
            os.environ.pop(ENV_FLAG, None)
        else:
            os.environ[ENV_FLAG] = saved[2]
    if shown:
        return shown[-1]
    networks = [v for v in namespace.values() if isinstance(v, Network)] or created
    if not networks:
        raise ValueError(f"monnto ui: {str(path)!r} created no Network and opened no Network_UI")
    network = networks[-1]
    if not network.initialized:
        network.initialize()
    return Network_UI(network, label=f"monnto ui {path.name}").show(block=block)
