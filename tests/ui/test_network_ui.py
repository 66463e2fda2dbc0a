"""Network_UI: paper code blocks 5 and 11, controls, selection, info tab, save/load."""
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_code_block_5_builds_and_updates_200_frames(qtbot):
    from monnto.ui import Network_UI, run_ui_command

    ui = run_ui_command(ROOT / "examples" / "gui_basic.py", block=False)
    qtbot.addWidget(ui.main_window)
    assert isinstance(ui, Network_UI)
    assert ui.label == "My_Network_UI" and len(ui.neuron_groups) == 1
    assert ui.main_window.isVisible() and ui.paused
    net, group = ui.network, ui.network.NeuronGroups[0]
    assert net.iteration == 0
    for _ in range(200):
        ui.step()
    assert net.iteration == 200 and ui.frames == 200
    # the Multi Group tab (shown first) plots the group mean of every step
    tab = ui.modules[1]
    assert ui.tabs.tabText(ui.tabs.currentIndex()) == "Multi Group" and tab.tab.isVisible()
    mean_curve = next(c for g, name, kind, c in tab.plots[0][1] if kind == "mean")
    x, y = mean_curve.getData()
    np.testing.assert_array_equal(x, np.arange(1, 201))
    assert y[-1] == pytest.approx(float(np.mean(group.voltage)), abs=0)
    # the selected neuron's trace is neuron 0's voltage
    selected = next(c for g, name, kind, c in tab.plots[0][1] if kind == "selected")
    assert selected.getData()[1][-1] == group.voltage[0]
    ui.timer.stop()


def test_code_block_11_custom_tab_updates_200_frames(qtbot):
    from monnto.ui import run_ui_command

    ui = run_ui_command(ROOT / "examples" / "gui_custom_tab.py", block=False)
    qtbot.addWidget(ui.main_window)
    my_tab = ui.modules[0]
    assert type(my_tab).__name__ == "MyUITab" and ui.tabs.tabText(0) == "myTab"
    assert my_tab.my_Tab.isVisible()
    group = ui.network.NeuronGroups[0]
    means = []
    for _ in range(200):
        ui.step()
        means.append(np.mean(group.voltage))
    x, y = my_tab.my_curve.getData()  # Add_plot_curve returned one curve, not a list
    np.testing.assert_array_equal(x, np.arange(1, 201))
    np.testing.assert_allclose(y, means, rtol=0, atol=0)
    # requests for np.mean(n.voltage) (1000 by myTab, 500 by Multi Group) merged into one recording
    holders = [b for b in group.behaviour.values() if "np.mean(n.voltage)" in getattr(b, "variable_names", [])]
    assert len(holders) == 1 and holders[0].max_length == 1000
    ui.timer.stop()


def test_step_start_pause_buttons(qtbot, make_ui):
    from PySide6 import QtCore

    ui = make_ui()
    controls = next(m for m in ui.modules if type(m).__name__ == "UI_sidebar_controls")
    net = ui.network
    qtbot.mouseClick(controls.step_button, QtCore.Qt.MouseButton.LeftButton)
    assert net.iteration == 1
    controls.steps_spin.setValue(7)
    assert ui.steps_per_frame == 7
    qtbot.mouseClick(controls.step_button, QtCore.Qt.MouseButton.LeftButton)
    assert net.iteration == 8
    controls.steps_spin.setValue(1)
    assert controls.iteration_label.text() == "iteration 8"
    ui.timer.setInterval(1)
    qtbot.mouseClick(controls.start_button, QtCore.Qt.MouseButton.LeftButton)
    assert not ui.paused and controls.start_button.text() == "Pause"
    qtbot.waitUntil(lambda: net.iteration >= 13, timeout=5000)
    qtbot.mouseClick(controls.start_button, QtCore.Qt.MouseButton.LeftButton)
    assert ui.paused and controls.start_button.text() == "Start"
    stopped = net.iteration
    qtbot.wait(100)
    assert net.iteration == stopped


def test_fast_forward_skips_ui_recording_unless_asked(make_ui):
    ui = make_ui()
    group = ui.network.NeuronGroups[0]
    controls = next(m for m in ui.modules if type(m).__name__ == "UI_sidebar_controls")
    ui.step()
    controls.fast_forward(ui, 100)
    assert ui.network.iteration == 101 and controls.progress.value() == 100
    ui.step()
    t, _ = ui.get_recorded(group, "n.iteration")
    np.testing.assert_array_equal(t, [1, 102])  # nothing recorded during the fast forward
    controls.record_box.setChecked(True)
    controls.fast_forward(ui, 100)
    t, _ = ui.get_recorded(group, "n.iteration")
    assert len(t) == 102 and t[-1] == 202


def test_click_on_grid_selects_the_neuron_under_the_cursor(qtbot, make_ui):
    from PySide6 import QtCore

    ui = make_ui(net=None)
    group = ui.network.NeuronGroups[0]
    grid = ui.modules[0]
    ui.app.processEvents()
    viewport = grid.widget.viewport()
    for target in (57, 3, 99):
        qtbot.mouseClick(viewport, QtCore.Qt.MouseButton.LeftButton, pos=grid.pixel_center(group, target))
        assert ui.selected_neuron_ids() == [target]
    qtbot.mouseClick(viewport, QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.ControlModifier,
                     pos=grid.pixel_center(group, 12))
    assert ui.selected_neuron_ids() == [99, 12]
    # the selected neurons are drawn green on the grid
    image = grid.image_of(ui, group)
    assert tuple(image[9, 9]) == (0, 255, 0) and tuple(image[1, 2]) == (0, 255, 0)
    assert tuple(image[0, 0]) != (0, 255, 0)


def test_grid_layout_follows_neuron_dimension_else_square(make_ui):
    from monnto import Network, NeuronDimension, NeuronGroup

    net = Network(seed=0)
    NeuronGroup(net=net, tag="a", size=NeuronDimension(width=8, height=3, depth=2))
    NeuronGroup(net=net, tag="b", size=10)
    net.initialize()
    ui = make_ui(net=net)
    assert ui.grid_shape(net.NeuronGroups[0]) == (8, 6)   # layers stacked vertically
    assert ui.grid_shape(net.NeuronGroups[1]) == (4, 3)   # 10 neurons: 4 x 3, two cells unused
    grid = ui.modules[0]
    assert grid.neuron_at(net.NeuronGroups[1], 1, 2) == 9 and grid.neuron_at(net.NeuronGroups[1], 2, 2) is None


def test_editing_a_parameter_in_the_info_tab_sets_the_behaviour_value(make_ui):
    ui = make_ui()
    group = ui.network.NeuronGroups[0]
    basic = group.behaviour[1]
    info = next(m for m in ui.modules if type(m).__name__ == "InfoTab")
    ui.tabs.setCurrentWidget(info.tab)
    edit = info.editor(basic, "leak_factor")
    assert float(edit.text()) == 0.9
    edit.setText("0.25")
    edit.editingFinished.emit()
    assert basic.leak_factor == 0.25
    # the new value acts: with threshold 2 nobody spikes and the voltage decays by 0.25 per step
    info.editor(basic, "threshold").setText("2")
    info.editor(basic, "threshold").editingFinished.emit()
    assert basic.threshold == 2.0
    info.switch(group.behaviour[2]).setChecked(False)
    ui.step()
    before = group.voltage.copy()
    ui.step()
    # the input's draws of this step (monnto.core.keyed_draws): uniform values, then the density mask
    from monnto.targets.random_streams import call_key, sample, stream_key

    net = ui.network
    owner_key = np.array([stream_key(net.seed, f"draws|{net._creation_order[id(group)]}")], np.uint64)
    step, index = np.array([net.iteration], np.uint64), np.arange(group.size, dtype=np.uint64)
    values = sample(1, 0.0, 1.0, call_key(owner_key, np.array([0], np.uint64)), step, index)
    keep = sample(0, 0.0, 0.0, call_key(owner_key, np.array([1], np.uint64)), step, index) < 0.01
    expected_noise = values * keep
    np.testing.assert_allclose(group.voltage, before * 0.25 + expected_noise, rtol=1e-12)
    # a bad value is refused and the field shows the current value again
    edit.setText("fast")
    edit.editingFinished.emit()
    assert basic.leak_factor == 0.25 and edit.text() == "0.25"


def test_switching_a_behaviour_off_stops_its_effect(make_ui, basic_net):
    ui = make_ui(net=basic_net(seed=5))
    group = ui.network.NeuronGroups[0]
    info = next(m for m in ui.modules if type(m).__name__ == "InfoTab")
    info.switch(group.behaviour[2]).setChecked(False)          # Input_Behaviour off
    assert not group.behaviour[2].behaviour_enabled
    reference = basic_net(seed=5)
    reference.deactivate_behaviours("Input_Behaviour")
    with_input = basic_net(seed=5)
    for _ in range(60):
        ui.step()
    reference.simulate_iterations(60)
    with_input.simulate_iterations(60)
    np.testing.assert_array_equal(group.voltage, reference.NeuronGroups[0].voltage)
    assert not np.array_equal(group.voltage, with_input.NeuronGroups[0].voltage)
    # both off: the voltage stops changing
    info.switch(group.behaviour[1]).setChecked(False)
    frozen = group.voltage.copy()
    ui.step(5)
    np.testing.assert_array_equal(group.voltage, frozen)
    info.switch(group.behaviour[1]).setChecked(True)
    ui.step()
    assert not np.array_equal(group.voltage, frozen)


def test_save_then_load_restores_iteration_and_state(make_ui, tmp_path):
    ui = make_ui()
    net, group = ui.network, ui.network.NeuronGroups[0]
    ui.step(30)
    saved_voltage = group.voltage.copy()
    saved_w = net.SynapseGroups[0].W.copy()
    path = ui.save_state(tmp_path / "state30")
    ui.step(20)
    voltage_50 = group.voltage.copy()
    net.SynapseGroups[0].W[:] = 0.0
    ui.load_state(path)
    assert net.iteration == 30
    np.testing.assert_array_equal(group.voltage, saved_voltage)
    np.testing.assert_array_equal(net.SynapseGroups[0].W, saved_w)
    ui.step(20)  # the generator was restored too: the same 20 steps again
    np.testing.assert_array_equal(group.voltage, voltage_50)


def test_save_load_buttons(make_ui, tmp_path):
    from monnto.ui import get_default_UI_modules
    from monnto.ui.sidebar import UI_sidebar_save_load

    modules = [m for m in get_default_UI_modules(["voltage"]) if type(m).__name__ != "UI_sidebar_save_load"]
    panel = UI_sidebar_save_load(folder=tmp_path)
    ui = make_ui(modules=modules + [panel])
    ui.step(12)
    panel.name_edit.setText("twelve")
    panel.save_button.click()
    assert panel.states.findText(panel.states.currentText()) >= 0 and "twelve" in panel.states.currentText()
    ui.step(8)
    panel.load_button.click()
    assert ui.network.iteration == 12 and "loaded" in panel.message.text()


def test_recording_requests_are_merged_and_do_not_touch_user_recorders(make_ui, basic_net):
    from monnto import Recorder
    from monnto.ui import TabBase

    class Asks(TabBase):
        def __init__(self, expr, n):
            super().__init__("asks")
            self.expr, self.n = expr, n

        def add_recorder_variables(self, group, ui):
            ui.add_recording_variable(group, self.expr, self.n)

    net = basic_net(seed=3)
    user = Recorder(["n.voltage"], tag="mine")
    net.NeuronGroups[0].add_behaviour(9, user)
    plain = basic_net(seed=3)
    plain.NeuronGroups[0].add_behaviour(9, Recorder(["n.voltage"], tag="mine"))
    ui = make_ui(net=net, modules=[Asks("n.voltage", 30), Asks("n.voltage", 80), Asks("n.spike", 30),
                                   Asks("n.no_such_variable", 10)])
    group = net.NeuronGroups[0]
    ui_recorders = [b for b in group.behaviour.values() if "UI_rec" in b.tags]
    by_expr = {e: r for r in ui_recorders for e in r.variable_names}
    assert set(by_expr) == {"n.voltage", "n.spike", "n.iteration"}
    assert by_expr["n.voltage"].max_length == 80 and by_expr["n.spike"].max_length == 30
    assert by_expr["n.iteration"].max_length == 80
    assert sum("n.voltage" in r.variable_names for r in ui_recorders) == 1
    ui.step(100)
    plain.simulate_iterations(100)
    t, v = ui.get_recorded(group, "n.voltage")
    np.testing.assert_array_equal(t, np.arange(21, 101))
    np.testing.assert_array_equal(v, net["n.voltage", 0][-80:])
    np.testing.assert_array_equal(net["mine", 0]["n.voltage"], plain["mine", 0]["n.voltage"])
    assert len(net["mine", 0]["n.voltage"]) == 100


def test_console_tab_binds_net(make_ui):
    ui = make_ui()
    console = next(m for m in ui.modules if type(m).__name__ == "ConsoleTab")
    ui.step(3)
    out = console.execute(ui, "print(net.iteration, n.tag, ui.selected_neuron_id())")
    assert out.strip() == "3 my_neurons 0"
    assert "ZeroDivisionError" in console.execute(ui, "1/0")


def test_all_default_tabs_update_without_errors(make_ui):
    ui = make_ui()
    titles = [ui.tabs.tabText(i) for i in range(ui.tabs.count())]
    for expected in ("Multi Group", "Single Group", "Spiketrain", "Weights", "Weight Dist.", "Activity/ISI",
                     "Fourier", "PCA", "Stability", "Partition", "Info", "Console"):
        assert expected in titles
    assert "Sensory input" not in titles      # in the default set, but no group here has a sensory input
    assert any(type(m).__name__ == "SensoryInputTab" for m in ui.modules)
    for i in range(ui.tabs.count()):
        ui.tabs.setCurrentIndex(i)
        ui.step(3)
    ui.select_neuron(ui.network.NeuronGroups[0], 42)
    ui.step()
    assert ui.network.iteration == 3 * ui.tabs.count() + 1


def test_layout_aliases(make_ui):
    from PySide6 import QtWidgets

    from monnto.ui import TabBase

    class Both(TabBase):
        def initialize(self, ui):
            self.tab = ui.add_tab("new names")
            self.label = ui.add_widget(QtWidgets.QLabel("hello"))
            ui.add_row()
            self.plot = ui.add_plot(title="p")
            self.curves = self.plot.add_curves(2)
            self.old = ui.Next_Tab("old names")
            ui.Add_element(QtWidgets.QLabel("x"))
            ui.Next_H_Block()
            self.curve = ui.Add_plot_curve(title="c")

    mod = Both("both")
    ui = make_ui(modules=[mod])
    assert ui.tabs.count() == 2 and len(mod.curves) == 2
    mod.curve.setData([1, 2], [3, 4])
    assert list(mod.curve.getData()[1]) == [3, 4]


def test_bad_arguments_are_rejected(basic_net, qtbot):
    from monnto import Network
    from monnto.ui import Network_UI

    with pytest.raises(ValueError, match="not initialized"):
        Network_UI(Network())
    with pytest.raises(TypeError, match="monnto Network"):
        Network_UI("net")
    with pytest.raises(ValueError, match="group_display_count"):
        Network_UI(basic_net(), modules=[], group_display_count=0)


def test_grid_brightness_follows_the_chosen_variable(make_ui):
    ui = make_ui()
    group = ui.network.NeuronGroups[0]
    grid = ui.modules[0]
    assert [grid.choice.itemText(i) for i in range(grid.choice.count())] == ["voltage", "spike"]
    ui.step(5)
    assert grid.variable_of(group) == "voltage"
    image = grid.image_of(ui, group).reshape(-1, 3)[: group.size].astype(float)
    brightness = image.sum(axis=1)
    unselected = np.arange(group.size) != 0
    order = np.argsort(group.voltage[unselected])
    assert np.all(np.diff(brightness[unselected][order]) >= 0)  # brighter = higher voltage
    grid.choice.setCurrentText("spike")
    assert grid.variable_of(group) == "spike"
    while not group.spike[1:].any():
        ui.step()
    image = grid.image_of(ui, group).reshape(-1, 3)[1: group.size].astype(int).sum(axis=1)
    spiking = group.spike[1:]
    assert len(set(image[~spiking])) == 1 and image[spiking].min() > image[~spiking].max()


def test_opengl_tab_degrades_gracefully(make_ui):
    from monnto.ui.tabs import OpenGLTab, opengl_available

    tab = OpenGLTab()
    ui = make_ui(modules=[tab])
    ui.step(2)
    if not opengl_available():
        assert tab.view is None
        label = tab.tab.findChild(__import__("PySide6.QtWidgets", fromlist=["QLabel"]).QLabel)
        assert "3-D view unavailable" in label.text()


def test_two_groups_subgroups_and_sparse_weights_in_every_tab(make_ui):
    import scipy.sparse as sp

    from monnto import Behaviour, Network, NeuronGroup, SynapseGroup

    class Noise(Behaviour):
        def set_variables(self, n):
            n.v = n.get_neuron_vec()
            n.spike = n.get_neuron_vec() > 0

        def new_iteration(self, n):
            n.v = 0.9 * n.v + n.get_neuron_vec("uniform")
            n.spike = n.v > 4.0
            n.v[n.spike] = 0.0

    net = Network(seed=9)
    exc = NeuronGroup(net=net, tag="exc", size=48, behaviour={1: Noise()}, color=(0, 0, 255, 255))
    inh = NeuronGroup(net=net, tag="inh", size=12, behaviour={1: Noise()})
    left = exc.subGroup(np.arange(48) < 24)
    a = SynapseGroup(net=net, src=exc, dst=inh, tag="GLU")
    b = SynapseGroup(net=net, src=left, dst=left, tag="GLU_local")
    c = SynapseGroup(net=net, src=inh, dst=exc, tag="GABA")
    net.initialize()
    a.W = net.rng.random(a.matrix_dim())
    b.W = net.rng.random(b.matrix_dim())
    c.W = sp.random(48, 12, density=0.3, format="csr", random_state=1)
    ui = make_ui(net=net, modules=None)
    ui.modules[0].choice.setCurrentText("v")
    for target_group, neuron in ((exc, 5), (inh, 3), (exc, 30)):
        ui.select_neuron(target_group, neuron)
        for i in range(ui.tabs.count()):
            ui.tabs.setCurrentIndex(i)
            ui.step(2)
    weights = next(m for m in ui.modules if type(m).__name__ == "WeightTab")
    ui.select_neuron(exc, 5)
    images = {s.tag: weights.weights_of_selected(ui, s) for s, _ in weights.images}
    np.testing.assert_array_equal(images["GLU_local"].ravel()[:24], b.W[5])   # exc 5 is in the subgroup
    assert images["GLU"] is None                                              # exc is not GLU's target
    np.testing.assert_allclose(images["GABA"].ravel()[:12], c.W.toarray()[5])
    partition = next(m for m in ui.modules if type(m).__name__ == "PartitionTab")
    block, field, count = partition.blocks(ui)
    assert count == 1 and field[:24].all() and not field[24:].any()
    hist = next(m for m in ui.modules if type(m).__name__ == "WeightHistTab")
    (_, sel_counts), (_, all_counts) = hist.histograms(ui, "GABA")
    assert all_counts.sum() == c.W.nnz and sel_counts.sum() == np.count_nonzero(c.W.toarray()[5])


def test_group_display_count_and_space_key(qtbot, make_ui):
    from PySide6 import QtCore

    from monnto import Network, NeuronGroup

    net = Network(seed=0)
    NeuronGroup(net=net, tag="a", size=4)
    NeuronGroup(net=net, tag="b", size=4)
    net.initialize()
    ui = make_ui(net=net, group_display_count=1)
    assert [g.tag for g in ui.neuron_groups] == ["a"]
    with pytest.raises(ValueError, match="not shown"):
        ui.select_neuron(net.NeuronGroups[1], 0)
    qtbot.keyClick(ui.main_window, QtCore.Qt.Key.Key_Space)
    assert not ui.paused
    qtbot.keyClick(ui.main_window, QtCore.Qt.Key.Key_Space)
    assert ui.paused
