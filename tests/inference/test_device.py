"""Device and precision resolution."""

from __future__ import annotations

import pytest
import torch

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference import resolve_device, resolve_precision
from napari_defocus_deblur.inference.device import free_memory_bytes, uses_channels_last


def test_auto_and_cpu():
    assert resolve_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else None
    auto = resolve_device("auto")
    if expected:
        assert auto.type == expected
    elif not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        assert auto == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


def test_unknown_device():
    with pytest.raises(UserInputError, match="unknown device 'tpu'"):
        resolve_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is present")
def test_unavailable_cuda_is_an_error_not_a_fallback():
    with pytest.raises(UserInputError, match="no CUDA GPU is usable"):
        resolve_device("cuda")


def test_precision():
    cpu = torch.device("cpu")
    assert resolve_precision("auto", cpu) == torch.float32
    assert resolve_precision("bf16", cpu) == torch.bfloat16
    assert resolve_precision("float32", cpu) == torch.float32
    with pytest.raises(UserInputError, match="'fp16' is not supported on the CPU"):
        resolve_precision("fp16", cpu)
    with pytest.raises(UserInputError, match="unknown precision"):
        resolve_precision("int8", cpu)


def test_free_memory_is_plausible(monkeypatch):
    import os

    from napari_defocus_deblur import resources

    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    free = free_memory_bytes(torch.device("cpu"))
    assert 64 * 1024**2 < free <= total  # never more than the machine has
    monkeypatch.setattr(resources, "_cgroup_room", lambda: 123 * 1024**2)
    assert free_memory_bytes(torch.device("cpu")) == 123 * 1024**2  # a container limit wins


@pytest.mark.parametrize("units", [None, "AMX"])
def test_one_bf16_rule_on_the_cpu_for_training_and_inference(units, monkeypatch):
    """Training and inference take bf16 on the CPU on the same condition (today's main:
    a timing probe for training, the CPU flags for inference)."""
    import torch

    from napari_defocus_deblur.inference import hardware
    from napari_defocus_deblur.inference.device import resolve_backend, training_uses_bf16

    monkeypatch.delenv(hardware.CPU_BF16_ENV, raising=False)
    monkeypatch.setattr(hardware, "_detect_bf16_units", lambda: units)
    cpu = torch.device("cpu")
    inference_bf16 = resolve_backend("auto", "auto", cpu).precision == "bf16"
    assert training_uses_bf16(cpu) is inference_bf16 is (units is not None)


@pytest.mark.parametrize(("value", "forced"), [("1", True), (" 0 ", False), ("yes", None)])
def test_the_bf16_variable_has_one_reader(value, forced, monkeypatch):
    import torch

    from napari_defocus_deblur.inference import hardware
    from napari_defocus_deblur.inference.device import training_uses_bf16

    monkeypatch.setenv(hardware.CPU_BF16_ENV, value)
    monkeypatch.setattr(hardware, "_detect_bf16_units", lambda: None)
    assert hardware.forced_cpu_bf16() is forced
    assert training_uses_bf16(torch.device("cpu")) is bool(forced)


def test_one_channels_last_rule_for_training_and_inference():
    from napari_defocus_deblur.inference.runner import prepare
    from napari_defocus_deblur.model import build_model

    assert uses_channels_last(torch.device("cpu")) and uses_channels_last(torch.device("cuda"))
    assert not uses_channels_last(torch.device("mps"))
    copy_ = prepare(build_model(2, "sum"), torch.device("cpu"), torch.bfloat16)
    convs = [p for p in copy_.parameters() if p.ndim == 4 and p.shape[1] > 1]
    assert convs and all(p.is_contiguous(memory_format=torch.channels_last) for p in convs)
