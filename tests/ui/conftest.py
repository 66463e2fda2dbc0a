"""GUI tests run offscreen; the whole folder is skipped without PySide6/pyqtgraph."""
import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pytest  # noqa: E402

try:
    import pyqtgraph  # noqa: F401
    import PySide6  # noqa: F401

    HAVE_QT = True
except ImportError:
    HAVE_QT = False


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.gui)
            if not HAVE_QT and "without_qt" not in item.name:
                item.add_marker(pytest.mark.skip(reason="needs PySide6 and pyqtgraph (pip install monnto[gui])"))


@pytest.fixture
def basic_net():
    """Code block 5's network (10 x 10 basic network, seeded), initialized."""
    from monnto import Network, NeuronDimension, NeuronGroup, SynapseGroup
    from monnto.models.basic_network import Basic_Behaviour, Input_Behaviour

    def make(seed=1, width=10, height=10):
        net = Network(seed=seed)
        group = NeuronGroup(net=net, tag="my_neurons", size=NeuronDimension(width=width, height=height),
                            behaviour={1: Basic_Behaviour(), 2: Input_Behaviour()})
        SynapseGroup(net=net, src=group, dst=group, tag="GLUTAMATE")
        net.initialize()
        return net

    return make


@pytest.fixture
def make_ui(qtbot, basic_net):
    """Build a shown (non-blocking) Network_UI; errors inside modules raise."""
    from monnto.ui import Network_UI, get_default_UI_modules

    made = []

    def make(net=None, modules=None, **kwargs):
        net = net or basic_net()
        modules = get_default_UI_modules(["voltage"], ["W"]) if modules is None else modules
        ui = Network_UI(net, modules=modules, **kwargs)
        ui.raise_errors = True
        qtbot.addWidget(ui.main_window)
        ui.show(block=False)
        made.append(ui)
        return ui

    yield make
    for ui in made:
        ui.timer.stop()
