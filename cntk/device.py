"""`cntk.device`: where computations run.

A `DeviceDescriptor` names the CPU or a GPU and maps onto a torch device: ``cpu()`` is
``torch.device('cpu')`` and ``gpu(n)`` is ``cuda:n`` (Apple's ``mps`` where torch has no CUDA but
MPS is available). Parameters are created on the default device, inputs are moved there, and
``Function.eval(..., device=...)`` runs on the device it is given.

As in CNTK, `use_default_device` freezes the default, after which `try_set_default_device`
may not change it. Unlike CNTK, nothing is frozen implicitly and the process starts on the CPU
(CNTK picked a GPU when it found one): select a GPU with ``try_set_default_device(gpu(n))``
before building the model.

Not in CNTK: `set_mixed_precision` opts evaluation and training into torch's automatic mixed
precision (bfloat16 or float16 products, float32 parameters).
"""
from __future__ import annotations

import enum
import os
import tempfile
from typing import Any, Dict, List, Optional

import torch

__all__ = ['DeviceKind', 'DeviceDescriptor', 'GPUProperties', 'cpu', 'gpu', 'all_devices', 'use_default_device',
           'try_set_default_device', 'set_default_device', 'set_excluded_devices', 'get_gpu_properties',
           'set_mixed_precision', 'get_mixed_precision']


class DeviceKind(enum.IntEnum):
    """The kind of a device; equal to CNTK's integer codes (CPU 0, GPU 1)."""

    CPU = 0
    GPU = 1


def _accelerator() -> Optional[str]:
    """The torch device type that ``gpu(n)`` maps onto: 'cuda', else 'mps', else None."""
    if torch.cuda.is_available():
        return 'cuda'
    mps = getattr(torch.backends, 'mps', None)
    if mps is not None and mps.is_available():
        return 'mps'
    return None


def _gpu_count() -> int:
    kind = _accelerator()
    if kind == 'cuda':
        return torch.cuda.device_count()
    return 1 if kind == 'mps' else 0


class DeviceDescriptor:
    """A compute device: the CPU or GPU number ``device_id``. Create them with `cpu` and `gpu`."""

    def __init__(self, kind: DeviceKind, device_id: int = 0) -> None:
        self._kind = DeviceKind(kind)
        self._id = int(device_id)

    def type(self) -> DeviceKind:
        """`DeviceKind.CPU` or `DeviceKind.GPU` (they compare equal to CNTK's 0 and 1)."""
        return self._kind

    def id(self) -> int:
        """The device's index (0 for the CPU)."""
        return self._id

    def is_locked(self) -> bool:
        """True when another process holds this GPU's cooperative lock (see `try_set_default_device`);
        the CPU is never locked."""
        return self._kind == DeviceKind.GPU and _GPU_LOCKS.held_elsewhere(self._id)

    def torch_device(self) -> torch.device:
        """The torch device this descriptor names."""
        if self._kind == DeviceKind.CPU:
            return _CPU_TORCH
        kind = _accelerator() or 'cuda'
        return torch.device(kind, self._id) if kind == 'cuda' else torch.device(kind)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DeviceDescriptor) and (self._kind, self._id) == (other._kind, other._id)

    def __hash__(self) -> int:
        return hash((self._kind, self._id))

    def __repr__(self) -> str:
        return 'CPU' if self._kind == DeviceKind.CPU else 'GPU[%d]' % self._id

    __str__ = __repr__


class GPUProperties:
    """What `get_gpu_properties` reports about a GPU (memory in MB)."""

    def __init__(self, device_id: int, name: str, version_major: int, version_minor: int, total_memory: int,
                 cuda_cores: int) -> None:
        self.device_id = device_id
        self.name = name
        self.version_major = version_major
        self.version_minor = version_minor
        self.total_memory = total_memory
        self.cuda_cores = cuda_cores

    def __repr__(self) -> str:
        return 'GPUProperties(device_id=%d, name=%r, compute capability %d.%d, %d MB)' % (
            self.device_id, self.name, self.version_major, self.version_minor, self.total_memory)


class _GpuLocks:
    """Cooperative per-GPU locks between processes: an advisory lock on a file per GPU, held until
    the process ends (CNTK's ``acquire_device_lock``)."""

    def __init__(self) -> None:
        self._held: Dict[int, int] = {}

    @staticmethod
    def _path(device_id: int) -> str:
        return os.path.join(tempfile.gettempdir(), 'cntk-torch-gpu%d.lock' % device_id)

    def acquire(self, device_id: int) -> bool:
        import fcntl  # POSIX only: imported here so that cntk imports everywhere
        if device_id in self._held:
            return True
        fd = os.open(self._path(device_id), os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._held[device_id] = fd
        return True

    def held_elsewhere(self, device_id: int) -> bool:
        if device_id in self._held:
            return False
        if not self.acquire(device_id):
            return True
        import fcntl
        fcntl.flock(self._held[device_id], fcntl.LOCK_UN)
        os.close(self._held.pop(device_id))
        return False


_GPU_LOCKS = _GpuLocks()


class _DefaultDevice:
    """The process-wide default device, its frozen flag and the excluded devices."""

    def __init__(self) -> None:
        self.device: Optional[DeviceDescriptor] = None
        self.frozen = False
        self.always_allow = False   # cntk_py.always_allow_setting_default_device()
        self.excluded: List[DeviceDescriptor] = []

    def current(self) -> DeviceDescriptor:
        if self.device is None:
            first = cpu()
            if first not in self.excluded:  # the usual case: no GPU query on every call
                return first
            return next((d for d in _gpus() if d not in self.excluded), first)
        return self.device


_DEFAULT = _DefaultDevice()


def _gpus() -> List[DeviceDescriptor]:
    return [DeviceDescriptor(DeviceKind.GPU, i) for i in range(_gpu_count())]


def cpu() -> DeviceDescriptor:
    """The CPU."""
    return _CPU


_CPU = DeviceDescriptor(DeviceKind.CPU)  # descriptors are values: one object serves every cpu() call
_CPU_TORCH = torch.device('cpu')


def gpu(device_id: int) -> DeviceDescriptor:
    """GPU number ``device_id``; a ValueError names it when torch cannot use such a GPU."""
    count = _gpu_count()
    if not 0 <= int(device_id) < count:
        if count == 0:
            raise ValueError('gpu(%d): no GPU is available to torch here (torch.cuda.is_available() is False, '
                             'torch %s); use cpu()' % (device_id, torch.__version__))
        raise ValueError('gpu(%d): no such GPU; torch sees %d (ids 0 to %d)' % (device_id, count, count - 1))
    return DeviceDescriptor(DeviceKind.GPU, device_id)


def all_devices() -> List[DeviceDescriptor]:
    """Every device torch can use: the GPUs, then the CPU."""
    return _gpus() + [cpu()]


def use_default_device() -> DeviceDescriptor:
    """The default device; from now on `try_set_default_device` may not change it (as in CNTK).

    Without an earlier `try_set_default_device` this is the CPU (or the first device not excluded
    by `set_excluded_devices`).
    """
    _DEFAULT.device = _DEFAULT.current()
    _DEFAULT.frozen = not _DEFAULT.always_allow
    return _DEFAULT.device


def try_set_default_device(new_default_device: DeviceDescriptor, acquire_device_lock: bool = False) -> bool:
    """Make ``new_default_device`` the device that parameters and computations use by default.

    Returns False when the device is excluded (`set_excluded_devices`) or when
    ``acquire_device_lock`` is asked for and cannot be had: the CPU cannot be locked, and a GPU
    whose lock another process holds is refused. Raises a RuntimeError when `use_default_device`
    has frozen a different default.
    """
    if not isinstance(new_default_device, DeviceDescriptor):
        raise TypeError('try_set_default_device: expected a DeviceDescriptor (cpu() or gpu(n)), got %r'
                        % (new_default_device,))
    if _DEFAULT.frozen and new_default_device != _DEFAULT.current():
        raise RuntimeError('try_set_default_device(%s): the default device is frozen at %s by an earlier '
                           'use_default_device() call' % (new_default_device, _DEFAULT.current()))
    if new_default_device in _DEFAULT.excluded:
        return False
    if acquire_device_lock:
        if new_default_device.type() == DeviceKind.CPU or not _GPU_LOCKS.acquire(new_default_device.id()):
            return False
    _DEFAULT.device = new_default_device
    return True


def set_default_device(new_default_device: DeviceDescriptor) -> None:
    """Make ``new_default_device`` the default, raising a ValueError when it may not be. CNTK 2.0's
    name; CNTK 2.7 kept only `try_set_default_device`."""
    if not try_set_default_device(new_default_device):
        raise ValueError('set_default_device(%s): the device is excluded by set_excluded_devices' % new_default_device)


def set_excluded_devices(excluded_devices: List[DeviceDescriptor]) -> None:
    """Devices that may not become the default; no effect once the default is frozen."""
    if not _DEFAULT.frozen:
        _DEFAULT.excluded = list(excluded_devices)


def get_gpu_properties(device: DeviceDescriptor) -> GPUProperties:
    """Name, compute capability, memory and (estimated) CUDA core count of a GPU; a ValueError for the CPU."""
    if device.type() != DeviceKind.GPU:
        raise ValueError('get_gpu_properties(%s): GPU properties cannot be had for the CPU' % device)
    if _accelerator() != 'cuda':
        raise ValueError('get_gpu_properties(%s): only CUDA devices report their properties' % device)
    props = torch.cuda.get_device_properties(device.id())
    cores_per_sm = 128 if (props.major, props.minor) > (8, 0) else 64   # an estimate: torch does not report it
    return GPUProperties(device.id(), props.name, props.major, props.minor, props.total_memory // (1024 * 1024),
                         props.multi_processor_count * cores_per_sm)


def torch_device_of(device: Any = None) -> torch.device:
    """The torch device for ``device`` (a DeviceDescriptor, a torch device or None for the default)."""
    if device is None:
        return _DEFAULT.current().torch_device()
    if isinstance(device, DeviceDescriptor):
        return device.torch_device()
    if isinstance(device, torch.device):
        return device
    raise TypeError('expected a cntk.device.DeviceDescriptor (cpu() or gpu(n)), got %r' % (device,))


_PRECISIONS = {'bf16': torch.bfloat16, 'fp16': torch.float16}
_MIXED_PRECISION: Optional[str] = None


def set_mixed_precision(precision: Optional[str]) -> None:
    """Run forward passes (``eval``, ``forward``, training steps) under ``torch.autocast`` with
    ``'bf16'`` (bfloat16) or ``'fp16'`` (float16) products, or switch it off with None (the default).

    Parameters, gradients and learner state stay in the model's dtype, and the outputs handed back
    are cast to their declared dtype. With ``'fp16'`` the Trainer scales the loss dynamically
    (as ``torch.amp.GradScaler`` does) and skips an update whose gradients overflow. Recurrences
    the engine fuses into one kernel (`Recurrence`/`Fold` over stock LSTM, GRU, RNNStep cells) run
    in the model's dtype. Meant for GPUs; bfloat16 also works on the CPU. Not in CNTK.
    """
    global _MIXED_PRECISION
    if precision is not None and precision not in _PRECISIONS:
        raise ValueError("set_mixed_precision: expected 'bf16', 'fp16' or None, got %r" % (precision,))
    _MIXED_PRECISION = precision


def get_mixed_precision() -> Optional[str]:
    """The precision set by `set_mixed_precision`: ``'bf16'``, ``'fp16'`` or None."""
    return _MIXED_PRECISION


def autocast_dtype() -> Optional[torch.dtype]:
    """The torch dtype that forward passes autocast to, or None when mixed precision is off."""
    return _PRECISIONS.get(_MIXED_PRECISION or '')
