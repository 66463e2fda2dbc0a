"""Network_UI refuses bad arguments with errors naming them, before opening a window."""
from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from monnto import MonntoError, Network, NeuronGroup  # noqa: E402
from monnto.models.basic_network import Basic_Behaviour  # noqa: E402


def _net():
    net = Network(seed=1)
    NeuronGroup(net=net, tag="g", size=9, behaviour={1: Basic_Behaviour()})
    net.initialize()
    return net


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"modules": [5]}, r"Network_UI: modules\[0\] must be a tab or sidebar module .*got 5"),
    ({"label": 5}, r"Network_UI: label must be a string, got 5"),
    ({"group_display_count": 0}, r"Network_UI: group_display_count must be a positive int or None, got 0"),
])
def test_bad_arguments_are_named(kwargs, message):
    from monnto.ui.network_ui import Network_UI

    with pytest.raises(MonntoError, match=message):
        Network_UI(_net(), **kwargs)


def test_a_network_that_is_not_one_is_named():
    from monnto.ui.network_ui import Network_UI

    with pytest.raises(MonntoError, match=r"Network_UI: network must be a monnto Network, got 5"):
        Network_UI(5)
