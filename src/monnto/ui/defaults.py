"""``get_default_UI_modules``: the paper's default tab set."""
from __future__ import annotations

from . import require_qt

require_qt("get_default_UI_modules")

from .sidebar import UI_sidebar_controls, UI_sidebar_neuron_grid, UI_sidebar_save_load  # noqa: E402
from .tabs import (  # noqa: E402
    ConsoleTab,
    FourierTab,
    InfoTab,
    ISITab,
    MultiGroupPlotTab,
    OpenGLTab,
    PartitionTab,
    PCATab,
    SensoryInputTab,
    SingleGroupPlotTab,
    SpiketrainTab,
    StabilityTab,
    WeightHistTab,
    WeightTab,
    opengl_available,
)


def get_default_UI_modules(neuron_params: list[str] | str | None = None,  # noqa: N802 (paper name)
                           synapse_params: list[str] | str | None = None,
                           opengl: bool | None = None) -> list:
    """The default modules, in order: sidebar grid, tabs, sidebar controls.

    Parameters
    ----------
    neuron_params : list of str, optional
        Neuron attributes the plots show (default ``['voltage']``); the
        first is also the grid brightness, the spectrum, PCA and stability
        variable. Spikes come from ``'spike'`` where a group has it.
    synapse_params : list of str, optional
        Synapse attributes shown as weights (default ``['W']``).
    opengl : bool, optional
        Add the 3-D tab (default: when PyOpenGL imports).

    Returns
    -------
    list of TabBase
        Neuron grid, Multi Group, Single Group, Spiketrain, Weights, Weight
        Dist., Activity/ISI, Fourier, PCA, Stability, Partition, Sensory
        input (a tab only when a displayed group has a VideoInput,
        EventStreamInput or AudioInput), Info, Console, [3D], run controls,
        save/load.
    """
    neuron_params = [neuron_params] if isinstance(neuron_params, str) else list(neuron_params or ["voltage"])
    synapse_params = [synapse_params] if isinstance(synapse_params, str) else list(synapse_params or ["W"])
    if not neuron_params or not all(isinstance(p, str) for p in neuron_params):
        raise ValueError(f"get_default_UI_modules: neuron_params must be attribute names, got {neuron_params!r}")
    first = neuron_params[0]
    modules = [
        UI_sidebar_neuron_grid(neuron_params),
        MultiGroupPlotTab(neuron_params),
        SingleGroupPlotTab(neuron_params),
        SpiketrainTab(["spike", *neuron_params]),
        WeightTab(synapse_params),
        WeightHistTab(synapse_params[0]),
        ISITab("spike"),
        FourierTab(first),
        PCATab(first),
        StabilityTab(first),
        PartitionTab(),
        SensoryInputTab(),
        InfoTab(),
        ConsoleTab(),
    ]
    if opengl if opengl is not None else opengl_available():
        modules.append(OpenGLTab())
    modules += [UI_sidebar_controls(), UI_sidebar_save_load()]
    return modules
