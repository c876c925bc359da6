"""Device and precision resolution."""

from __future__ import annotations

import pytest
import torch

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference import resolve_device, resolve_precision
from napari_defocus_deblur.inference.device import free_memory_bytes


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
