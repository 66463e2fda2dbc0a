"""Paper code block 11: a custom GUI tab next to the default ones.

``MyUITab`` asks the UI to record the mean voltage for 1000 steps (requests
for the same expression are merged into one recorder) and plots it against
the always-recorded ``n.iteration``. Needs ``pip install monnto[gui]``.
"""
from monnto import *
from monnto.models.basic_network import Basic_Behaviour, Input_Behaviour  # code blocks 2 and 3
from monnto.ui import Network_UI, TabBase, get_default_UI_modules


class MyUITab(TabBase):
    def __init__(self, title='myTab'):
        super().__init__(title)

    def add_recorder_variables(self, net_obj, Network_UI):
        Network_UI.add_recording_variable(net_obj, 'np.mean(n.voltage)', timesteps=1000)

    def initialize(self, Network_UI):
        self.my_Tab = Network_UI.Next_Tab(self.title)
        self.my_curve = Network_UI.Add_plot_curve(x_label='t', y_label='mean voltage')

    def update(self, Network_UI):
        if self.my_Tab.isVisible():
            data = Network_UI.network['np.mean(n.voltage)', 0, 'np'][-1000:]
            iterations = Network_UI.network['n.iteration', 0, 'np'][-1000:]
            self.my_curve.setData(iterations, data)


My_Network = Network(seed=1)
My_Neurons = NeuronGroup(net=My_Network, tag='my_neurons', size=get_squared_dim(100), behaviour={
    1: Basic_Behaviour(),
    2: Input_Behaviour(),
})
SynapseGroup(net=My_Network, src=My_Neurons, dst=My_Neurons, tag='GLUTAMATE')
My_Network.initialize()

ui_modules = [MyUITab()] + get_default_UI_modules()
Network_UI(My_Network, modules=ui_modules).show()
