from typing import Any, Dict, List

from . import Device, Experts, Weight

class TensorInfo:
    name: str
    type: str
    shape: List[int]
    nbytes: int
    offset: int

class GgufFile:
    @staticmethod
    def open(path: str) -> "GgufFile": ...
    name: str
    version: int
    alignment: int
    metadata: Dict[str, Any]
    tensors: List[TensorInfo]
    def tensor(self, name: str) -> TensorInfo: ...
    def data(self, name: str) -> bytes: ...
    def load(self, device: Device, name: str) -> Weight: ...
    def load_experts(self, device: Device, name: str) -> Experts: ...

def open(path: Any) -> GgufFile: ...
