"""The default tabs of Network_UI (one module each)."""
from .console import ConsoleTab
from .fourier import FourierTab
from .info import InfoTab
from .isi import ISITab
from .multi_group import MultiGroupPlotTab
from .opengl import OpenGLTab, opengl_available
from .partition import PartitionTab
from .pca import PCATab
from .sensory import SensoryInputTab
from .single_group import SingleGroupPlotTab
from .spiketrain import SpiketrainTab
from .stability import StabilityTab
from .weight_hist import WeightHistTab
from .weights import WeightTab

#: PymoNNto's names.
multi_group_plot_tab = MultiGroupPlotTab
single_group_plot_tab = SingleGroupPlotTab
spiketrain_tab = SpiketrainTab
weight_tab = WeightTab
hist_tab = WeightHistTab
isi_tab = ISITab
fourier_tab = FourierTab
PCA_tab = PCATab
stability_tab = StabilityTab
partition_tab = PartitionTab
info_tab = InfoTab
code_execution_tab = ConsoleTab

__all__ = ["ConsoleTab", "FourierTab", "ISITab", "InfoTab", "MultiGroupPlotTab", "OpenGLTab", "PCATab",
           "PCA_tab", "PartitionTab", "SensoryInputTab", "SingleGroupPlotTab", "SpiketrainTab", "StabilityTab",
           "WeightHistTab", "WeightTab", "code_execution_tab", "fourier_tab", "hist_tab", "info_tab", "isi_tab",
           "multi_group_plot_tab", "opengl_available", "partition_tab", "single_group_plot_tab",
           "spiketrain_tab", "stability_tab", "weight_tab"]
