"""Array backends: which array library (and device) the framework's arrays live in.

``Network(backend='numpy')`` (default) makes numpy arrays.
``Network(backend='torch', device='cpu' | 'cuda')`` makes torch tensors on
that device: every vector, matrix and recorder buffer the framework creates.
Random numbers always come from the network's seeded
``numpy.random.Generator`` and are moved to the device, so one seed gives
the same draws on every backend (numpy and torch runs of a stochastic model
agree to float tolerance). Library code gets the array namespace from
``group.xp`` (array-api-compat's wrapper for torch). Recorders keep their
buffers on the device and copy to the host when read with ``'np'``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .errors import MonntoValueError

BACKENDS = ("numpy", "torch")


class NumpyBackend:
    """Arrays are numpy arrays; every conversion is the identity."""

    name = "numpy"
    device = "cpu"

    def __init__(self, device: str = "cpu"):
        if device != "cpu":
            raise MonntoValueError(f"Network: backend='numpy' runs on the CPU only, got device={device!r}; "
                                   f"use backend='torch' for device={device!r}")
        self.xp = np

    def from_numpy(self, array: np.ndarray) -> np.ndarray:
        return array

    def is_native(self, value: Any) -> bool:
        return isinstance(value, np.ndarray)


class TorchBackend:
    """Arrays are torch tensors on ``device``."""

    name = "torch"

    def __init__(self, device: str = "cpu"):
        try:
            import torch
        except ImportError:
            raise ImportError("Network: backend='torch' needs PyTorch; install it with "
                              "`pip install monnto[torch]`") from None
        if str(device).startswith("cuda") and not torch.cuda.is_available():
            raise MonntoValueError(f"Network: device={device!r} but no CUDA GPU is available to torch "
                                   f"(torch.cuda.is_available() is False); use device='cpu', or install a "
                                   f"CUDA build of torch on a machine with an NVIDIA GPU")
        try:
            self.device = torch.device(device)
        except RuntimeError as err:
            raise MonntoValueError(f"Network: device must be 'cpu', 'cuda' or 'cuda:N', got {device!r} ({err})") from None
        import array_api_compat.torch as xp

        self.torch = torch
        self.xp = xp

    def from_numpy(self, array: np.ndarray):
        tensor = self.torch.from_numpy(np.ascontiguousarray(array))
        return tensor.to(self.device) if self.device.type != "cpu" else tensor

    def synapse_matrix(self, tensor):
        """A float matrix as a :class:`SynapseTensor` (``W.dot(spikes)`` works as on numpy)."""
        if tensor.ndim == 2 and tensor.dtype.is_floating_point:
            return tensor.as_subclass(synapse_tensor_class())
        return tensor

    def is_native(self, value: Any) -> bool:
        return isinstance(value, self.torch.Tensor)


_SYNAPSE_TENSOR = None


def synapse_tensor_class():
    """``SynapseTensor``: a torch matrix whose ``.dot`` takes a vector of any dtype.

    torch's ``Tensor.dot`` is for two 1-D tensors only; on a synapse matrix,
    ``W.dot(spikes)`` (the paper's propagation, with a boolean ``spikes``) is
    the matrix-vector product, as with numpy. Float results shaped like the
    matrix (``W * 0.5``, ``W * enabled``) stay SynapseTensors; everything else
    (``W > 0``, reductions, slices) is a plain tensor. Defined on first use so
    importing monnto never imports torch.
    """
    global _SYNAPSE_TENSOR
    if _SYNAPSE_TENSOR is None:
        import torch

        class SynapseTensor(torch.Tensor):
            def dot(self, other: Any):
                plain = self.as_subclass(torch.Tensor)
                other = torch.as_tensor(other, device=plain.device)
                if other.dtype != plain.dtype:
                    other = other.to(plain.dtype)
                return torch.mv(plain, other) if other.ndim == 1 else plain @ other

            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                with torch._C.DisableTorchFunctionSubclass():
                    result = func(*args, **(kwargs or {}))
                # as EventMatrix on numpy: float results shaped like the matrix stay
                # synapse matrices (W * 0.5, W * enabled); everything else is plain
                if (type(result) is torch.Tensor and result.ndim == 2 and result.dtype.is_floating_point
                        and any(type(a) is cls and a.shape == result.shape for a in args)):
                    return result.as_subclass(cls)
                return result

        SynapseTensor.__module__ = __name__
        SynapseTensor.__qualname__ = "SynapseTensor"
        _SYNAPSE_TENSOR = SynapseTensor
    return _SYNAPSE_TENSOR


def __getattr__(name: str) -> Any:
    if name == "SynapseTensor":  # lets pickle find the class in a fresh process
        return synapse_tensor_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_backend(backend: str, device: str = "cpu"):
    """Return the backend object for ``backend`` on ``device``."""
    if backend == "numpy":
        return NumpyBackend(device)
    if backend == "torch":
        return TorchBackend(device)
    if backend == "cupy":
        raise MonntoValueError("Network: backend='cupy' is not supported; use backend='torch' with "
                               "device='cuda' for GPUs (`pip install monnto[torch]`)")
    raise MonntoValueError(f"Network: backend must be one of {BACKENDS}, got {backend!r}")


def to_numpy(value: Any) -> Any:
    """A numpy view or copy of ``value`` (torch tensors are copied to the host)."""
    if isinstance(value, np.ndarray):
        return value
    detach = getattr(value, "detach", None)
    if detach is not None:
        return detach().cpu().numpy()
    return np.asarray(value)
