"""Paper code block 5: the live GUI on the basic network.

Run ``python examples/gui_basic.py`` (or ``monnto ui examples/gui_basic.py``):
a neuron grid on the left (brightness: voltage; click selects a neuron),
start/pause/step/fast-forward and save/load below it, and the default tabs
on the right. Needs the GUI extra: ``pip install monnto[gui]``.
"""
from monnto import *
from monnto.models.basic_network import Basic_Behaviour, Input_Behaviour  # code blocks 2 and 3
from monnto.ui import Network_UI, get_default_UI_modules

My_Network = Network(seed=1)
size = NeuronDimension(width=10, height=10, depth=1)
My_Neurons = NeuronGroup(net=My_Network, tag='my_neurons', size=size, behaviour={
    1: Basic_Behaviour(),
    2: Input_Behaviour(),
})
SynapseGroup(net=My_Network, src=My_Neurons, dst=My_Neurons, tag='GLUTAMATE')
My_Network.initialize()

my_UI_modules = get_default_UI_modules(['voltage'], ['W'])
Network_UI(My_Network, modules=my_UI_modules, label='My_Network_UI',
           group_display_count=1).show()
