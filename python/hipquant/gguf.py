"""GGUF files: metadata, the tensor directory, and uploading tensors as weights."""
from ._hipquant import _gguf

GgufFile = _gguf.GgufFile
TensorInfo = _gguf.TensorInfo


def open(path):  # noqa: A001 (mirrors the C++ GgufFile::open)
    """Memory-maps the GGUF file at ``path`` and checks every number in it."""
    return GgufFile.open(str(path))


__all__ = ["GgufFile", "TensorInfo", "open"]
