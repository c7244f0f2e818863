"""`cntk.device`: device descriptors (CPU only until the 'Scale' issue lands)."""
from __future__ import annotations

import enum

import torch


class DeviceKind(enum.Enum):
    """CPU or GPU."""

    CPU = 0
    GPU = 1


class DeviceDescriptor:
    """A compute device."""

    def __init__(self, kind: DeviceKind, device_id: int = 0) -> None:
        self._kind, self._id = kind, device_id

    def type(self) -> DeviceKind:
        """The device kind (DeviceKind.CPU or DeviceKind.GPU)."""
        return self._kind

    def id(self) -> int:
        """The device index."""
        return self._id

    def torch_device(self) -> torch.device:
        """The torch device this descriptor names."""
        return torch.device("cpu") if self._kind == DeviceKind.CPU else torch.device("cuda", self._id)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DeviceDescriptor) and (self._kind, self._id) == (other._kind, other._id)

    def __hash__(self) -> int:
        return hash((self._kind, self._id))

    def __repr__(self) -> str:
        return "CPU" if self._kind == DeviceKind.CPU else "GPU[%d]" % self._id


_default = [DeviceDescriptor(DeviceKind.CPU)]


def cpu() -> DeviceDescriptor:
    """The CPU."""
    return DeviceDescriptor(DeviceKind.CPU)


def gpu(device_id: int) -> DeviceDescriptor:
    """GPU number ``device_id`` (an error names it when no such GPU exists)."""
    if not torch.cuda.is_available() or device_id >= torch.cuda.device_count():
        raise ValueError("gpu(%d): no such CUDA device (torch sees %d)" %
                         (device_id, torch.cuda.device_count() if torch.cuda.is_available() else 0))
    return DeviceDescriptor(DeviceKind.GPU, device_id)


def all_devices() -> list:
    """Every device torch can use, CPU last (CNTK's order)."""
    gpus = [DeviceDescriptor(DeviceKind.GPU, i) for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []
    return gpus + [cpu()]


def try_set_default_device(new_default_device: DeviceDescriptor, acquire_device_lock: bool = False) -> bool:
    """Make ``new_default_device`` the default; True on success. Only the CPU is supported so far."""
    if new_default_device.type() != DeviceKind.CPU:
        raise NotImplementedError("cntk.device.try_set_default_device(gpu(...)): GPU execution arrives with the 'Scale' issue")
    _default[0] = new_default_device
    return True


def use_default_device() -> DeviceDescriptor:
    """The current default device."""
    return _default[0]
