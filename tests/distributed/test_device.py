"""`cntk.device`: descriptors, the default device, GPU selection (mocked where there is no GPU)."""
import numpy as np
import pytest
import torch

import cntk as C
import cntk.device as device
from cntk._exec.runner import default_device


@pytest.fixture
def fresh_default(monkeypatch, tmp_path):
    """A default-device state (and GPU locks in a scratch directory) private to the test."""
    monkeypatch.setattr(device, '_DEFAULT', device._DefaultDevice())
    monkeypatch.setattr(device, '_GPU_LOCKS', device._GpuLocks())
    monkeypatch.setattr(device.tempfile, 'tempdir', str(tmp_path))
    yield


@pytest.fixture
def two_cuda_gpus(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 2)


def test_cpu_descriptor_matches_cntk():
    cpu = device.cpu()
    assert cpu.type() == device.DeviceKind.CPU == 0 and cpu.id() == 0
    assert repr(cpu) == str(cpu) == 'CPU' and cpu == device.cpu() and hash(cpu) == hash(device.cpu())
    assert cpu.torch_device() == torch.device('cpu') and not cpu.is_locked()
    assert device.all_devices()[-1] == cpu


@pytest.mark.skipif(torch.cuda.is_available(), reason='checks the error on a machine without a GPU')
def test_gpu_without_one_names_the_device():
    with pytest.raises(ValueError, match=r'gpu\(0\): no GPU is available'):
        device.gpu(0)
    with pytest.raises(ValueError, match='GPU properties cannot be had for the CPU'):
        device.get_gpu_properties(device.cpu())


def test_gpus_map_onto_cuda_devices(two_cuda_gpus):
    g = device.gpu(1)
    assert g.type() == device.DeviceKind.GPU == 1 and g.id() == 1 and repr(g) == 'GPU[1]'
    assert g.torch_device() == torch.device('cuda', 1)
    assert device.all_devices() == [device.gpu(0), device.gpu(1), device.cpu()]
    with pytest.raises(ValueError, match=r'gpu\(2\): no such GPU; torch sees 2'):
        device.gpu(2)


def test_gpu_maps_onto_mps_without_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(torch.backends.mps, 'is_available', lambda: True)
    assert device.gpu(0).torch_device() == torch.device('mps') and device.all_devices()[0] == device.gpu(0)


def test_default_device_selection_as_cntk(fresh_default, two_cuda_gpus):
    assert device.try_set_default_device(device.cpu())
    assert not device.try_set_default_device(device.cpu(), acquire_device_lock=True)   # a CPU cannot be locked
    device.set_excluded_devices([device.gpu(1)])
    assert not device.try_set_default_device(device.gpu(1))
    assert device.try_set_default_device(device.gpu(0))
    assert default_device() == torch.device('cuda', 0) and default_device(device.cpu()) == torch.device('cpu')
    assert device.use_default_device() == device.gpu(0)
    assert device.try_set_default_device(device.gpu(0))
    with pytest.raises(RuntimeError, match='frozen at GPU\\[0\\]'):
        device.try_set_default_device(device.cpu())
    device.set_excluded_devices([])   # no effect once frozen
    assert device._DEFAULT.excluded == [device.gpu(1)]


def test_set_default_device_raises_where_try_returns_false(fresh_default, two_cuda_gpus):
    device.set_default_device(device.gpu(1))
    assert device.use_default_device() == device.gpu(1)
    device._DEFAULT.__init__()
    device.set_excluded_devices([device.gpu(0)])
    with pytest.raises(ValueError, match=r'set_default_device\(GPU\[0\]\): the device is excluded'):
        device.set_default_device(device.gpu(0))


def test_the_default_is_the_cpu_unless_excluded(fresh_default, two_cuda_gpus):
    assert device.use_default_device() == device.cpu()
    device._DEFAULT.__init__()
    device.set_excluded_devices([device.cpu()])
    assert device.use_default_device() == device.gpu(0)


def test_gpu_locks_are_cooperative_between_holders(fresh_default, two_cuda_gpus):
    import fcntl
    import os
    other = os.open(device._GpuLocks._path(1), os.O_RDWR | os.O_CREAT)
    fcntl.flock(other, fcntl.LOCK_EX)   # another holder of GPU 1's lock
    try:
        assert device.gpu(1).is_locked()
        assert not device.try_set_default_device(device.gpu(1), acquire_device_lock=True)
        assert not device.gpu(0).is_locked()
        assert device.try_set_default_device(device.gpu(0), acquire_device_lock=True)
        assert not device.gpu(0).is_locked()   # held by this process
    finally:
        os.close(other)


def test_torch_device_of_refuses_other_things():
    assert device.torch_device_of(torch.device('cpu')) == torch.device('cpu')
    with pytest.raises(TypeError, match='DeviceDescriptor'):
        device.torch_device_of('gpu0')
    with pytest.raises(TypeError, match='DeviceDescriptor'):
        device.try_set_default_device('cpu')


def test_parameters_are_created_on_the_default_device(monkeypatch):
    import cntk._graph.variable as variable
    monkeypatch.setattr(variable, 'torch_device_of', lambda d=None: torch.device('meta'))
    p = C.Parameter((2, 3), init=1.0)
    assert p._tensor.device == torch.device('meta') and p._tensor.requires_grad


def test_eval_takes_a_device():
    x = C.input_variable(2)
    z = C.times(x, C.Parameter((2, 1), init=1.0, device=device.cpu()))
    data = np.ones((1, 2), np.float32)
    np.testing.assert_array_equal(z.eval({x: data}, device=device.cpu()), [[2.0]])


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
def test_training_on_a_gpu_matches_the_cpu():
    def train(dev):
        x = C.input_variable(3)
        z = C.layers.Dense(2)(x)
        for p in z.parameters:
            p.value = np.full(p.shape, 0.1, np.float32)
        trainer = C.Trainer(z, C.squared_error(z, C.input_variable(2)), [C.sgd(z.parameters, 0.1)])
        args = {a: np.ones((4,) + a.shape, np.float32) for a in trainer.loss_function.arguments}
        for _ in range(3):
            trainer.train_minibatch(args, device=dev)
        return z, [p.value for p in z.parameters]
    saved = device._DEFAULT.device
    try:
        device.try_set_default_device(device.gpu(0))
        z, on_gpu = train(device.gpu(0))
        assert all(p._tensor.device.type == 'cuda' for p in z.parameters)
    finally:
        device._DEFAULT.device = saved
    _, on_cpu = train(device.cpu())
    for a, b in zip(on_gpu, on_cpu):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
