"""Partition tab: how SynapseGroups split the selected group into blocks."""
from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets

from ..tab_base import TabBase
from ._common import grid_image


def _base(group):
    return getattr(group, "BaseNeuronGroup", group)


def _mask(group) -> np.ndarray:
    base = _base(group)
    mask = getattr(group, "mask", True)
    if isinstance(mask, np.ndarray) and mask.shape == (base.size,):
        return mask.astype(bool)
    return np.ones(base.size, dtype=bool)


class PartitionTab(TabBase):
    """Two images on the selected group's grid.

    Left: each neuron coloured by the destination block (the afferent
    SynapseGroup whose ``dst`` subgroup holds it; one block when the group
    is not partitioned). Right: the receptive field of the selected neuron,
    i.e. the source neurons of every SynapseGroup whose destination holds it.
    """

    def __init__(self, title: str = "Partition"):
        super().__init__(title)

    def initialize(self, ui) -> None:
        self.tab = ui.add_tab(self.title)
        self.info = QtWidgets.QLabel("")
        ui.add_widget(self.info, 1)
        ui.add_row(10)
        self.blocks_image = ui.add_image_plot(title="destination blocks", lock_aspect=True)
        self.field_image = ui.add_image_plot(title="receptive field of the selected neuron", lock_aspect=True)

    def blocks(self, ui) -> tuple[np.ndarray, np.ndarray, int]:
        """``(block id per neuron, source count per neuron, number of partitioned SGs)``."""
        group, i = ui.selected_neuron_group(), ui.selected_neuron_id()
        block = np.zeros(group.size)
        field = np.zeros(group.size)
        synapses = [s for s in ui.network.SynapseGroups if _base(s.dst) is group]
        partitioned = [s for s in synapses if _base(s.dst) is not s.dst or _base(s.src) is not s.src]
        for k, s in enumerate(partitioned or synapses):
            dst = _mask(s.dst)
            block[dst] = k + 1
            if dst[i] and _base(s.src) is group:
                field += _mask(s.src)
        return block, field, len(partitioned)

    def update(self, ui) -> None:
        if not self.tab.isVisible():
            return
        group = ui.selected_neuron_group()
        block, field, count = self.blocks(ui)
        from ..network_ui import PALETTE

        colors = np.array([(40, 40, 40)] + [PALETTE[k % len(PALETTE)] for k in range(int(block.max()))],
                          dtype=np.float64)
        rgb = colors[block.astype(int)]
        rgb[ui.selected_neuron_id()] = (0, 255, 0)
        image = np.stack([grid_image(ui, group, rgb[:, c]) for c in range(3)], axis=2)
        self.blocks_image.setImage(np.nan_to_num(image).astype(np.uint8), autoLevels=False, levels=(0, 255))
        f = grid_image(ui, group, field)
        self.field_image.setImage(np.nan_to_num(f), autoLevels=False, levels=(0, max(field.max(), 1)))
        self.info.setText(f"{group.tag}: {count} partitioned SynapseGroups end here"
                          if count else f"{group.tag}: no partitioned SynapseGroups (one block)")

    def on_selected_neuron_changed(self, ui) -> None:
        self.update(ui)
