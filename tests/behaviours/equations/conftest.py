"""Every equations test runs once per array backend and once per target.

``array_backend`` and ``compile_target`` are in tests/conftest.py: numpy and
torch arrays on the numpy target, and numpy arrays on the numba target
(``target='numba'``), where a network step that stays Python is an error
(``PythonStepWarning``); a test of a feature that has no numba kernel
(summed variables, per-synapse delays) is marked ``python_steps`` and allows
them. The equation cache and the compiled kernels go to a private folder of
the test session, never the user's own cache.
"""
import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "python_steps: on the numba target, some steps of the test's networks "
                                       "stay Python (a feature without a kernel)")
    config.addinivalue_line("markers", "numpy_target: the test checks the numpy target only (it builds torch "
                                       "networks itself, or reads the generated numpy code)")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.getbasetemp() / "xdg-cache"
    folder.mkdir(mode=0o700, exist_ok=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _each_backend(array_backend):
    return array_backend


@pytest.fixture(autouse=True)
def _each_target(request, monkeypatch, _each_backend, _private_cache, compile_target):
    """On numba: fail when an equation behaviour's step stays Python.

    Steps of other behaviours (a Recorder, whose kernel is another part's)
    may stay Python here; their kernels are tested in tests/targets.
    """
    import warnings

    target = compile_target
    if target == "numpy":
        return target
    if request.node.get_closest_marker("numpy_target"):
        pytest.skip("numpy-target test")
    from monnto.behaviours.equations import Clock, Equation, OnPost, OnPre, Reset, Threshold
    from monnto.targets.numba_target import NumbaRunner, PythonStepWarning

    allowed = request.node.get_closest_marker("python_steps") is not None
    original = NumbaRunner._warn_python

    def strict(runner, net):
        python = [b for _, _, b in runner._python if isinstance(b, (Clock, Equation, OnPost, OnPre, Reset, Threshold))]
        if python and not allowed:
            raise AssertionError(f"on target='numba' these equation steps ran as Python: {python}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PythonStepWarning)
            original(runner, net)

    monkeypatch.setattr(NumbaRunner, "_warn_python", strict)
    return target
