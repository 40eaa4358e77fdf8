"""hipquant: GGML-style quantized matrix products on AMD and NVIDIA GPUs.

Device arrays go in and out through DLPack: any object with ``__dlpack__``
(PyTorch, CuPy, JAX) is read in place, and results are ``hipquant.Array``
objects that ``torch.from_dlpack`` takes without a copy. Every call takes
``stream=`` (a handle, a ``torch.cuda.Stream``, or None for the device's own
stream) and is ordered after the producer's pending work on that stream.
"""
from . import gguf
from ._hipquant import (Array, Device, Error, Experts, Weight, Workspace, device_count, platform, reference,
                        row_size_bytes, type_names)

__all__ = ["Array", "Device", "Error", "Experts", "Weight", "Workspace", "device_count", "gguf", "platform",
           "reference", "row_size_bytes", "type_names"]
