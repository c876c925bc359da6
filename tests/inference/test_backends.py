"""Backends: the automatic choice, OpenVINO against PyTorch fp32, the ONNX cache, fallbacks."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest
import torch

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference import backends, deblur, device
from napari_defocus_deblur.inference.cache import CACHE_ENV, weights_hash
from napari_defocus_deblur.inference.device import describe_backend, resolve_backend
from tests.inference.helpers import field, tiny_model

pytest.importorskip("openvino")

CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    """ONNX exports go to a temporary cache folder; the one-time warning is reset.

    ``DEFOCUS_DEBLUR_CPU_BF16`` is left as it is: CI runs this file under both rules."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(device, "_WARNED", set())


def _span(a: np.ndarray) -> float:
    return float(a.max() - a.min())


@pytest.mark.parametrize(("precision", "tolerance"), [("fp32", 1e-5), ("bf16", 3e-2)])
def test_openvino_agrees_with_torch_fp32(model, precision, tolerance):
    image = field((72, 90), seed=4)
    reference = deblur(image, model=model, device="cpu", backend="torch", precision="fp32")
    out = deblur(image, model=model, device="cpu", backend="openvino", precision=precision)
    assert np.abs(out - reference).max() <= tolerance * _span(reference)


def test_torch_bf16_agrees_with_fp32(model):
    image = field((64, 64), seed=5)
    reference = deblur(image, model=model, device="cpu", backend="torch", precision="fp32")
    out = deblur(image, model=model, device="cpu", backend="torch", precision="bf16")
    assert np.abs(out - reference).max() <= 3e-2 * _span(reference)
    assert np.abs(out - reference).max() > 0  # really computed in bf16


def test_depth_conditioned_network_takes_the_depth():
    net = tiny_model(condition="depth")
    with torch.no_grad():  # give the depth plane weight, so the depth matters
        net.heads[0].enc[0].weight[:, -1] += 0.5
    x = torch.rand(2, 1, 40, 48)
    depth = torch.tensor([10.0, 34.0])
    with torch.no_grad():
        reference = net(x, depth)
    ov = backends.build_backend(net, resolve_backend("openvino", "fp32", CPU))
    np.testing.assert_allclose(ov(x, depth).numpy(), reference.numpy(), atol=1e-4)
    assert (ov(x, torch.tensor([34.0, 34.0])) - reference).abs().max() > 1e-3
    with pytest.raises(ValueError, match="depth-conditioned"):
        ov(x)


def test_auto_rule(monkeypatch):
    monkeypatch.setenv("DEFOCUS_DEBLUR_CPU_BF16", "1")  # as on a CPU with AMX
    picked = resolve_backend("auto", "auto", CPU)
    assert (picked.name, picked.dtype) == ("openvino", torch.bfloat16)
    assert describe_backend("cpu") == "OpenVINO bf16 on the CPU (forced bf16 units)"
    monkeypatch.setenv("DEFOCUS_DEBLUR_CPU_BF16", "0")  # no bf16 matrix units
    picked = resolve_backend("auto", "auto", CPU)
    assert (picked.name, picked.dtype) == ("openvino", torch.float32)
    assert resolve_backend("auto", "bf16", CPU).dtype == torch.bfloat16
    forced = resolve_backend("torch", "auto", CPU)
    assert (forced.name, forced.dtype, forced.reason) == ("torch", torch.float32, "requested")
    assert resolve_backend("torch", "bf16", CPU).autocast_dtype == torch.bfloat16
    assert resolve_backend("openvino", "bf16", CPU).autocast_dtype == torch.float32


def test_fp32_forces_the_old_path(model, monkeypatch):
    picked = resolve_backend("auto", "fp32", CPU)
    assert (picked.name, picked.dtype) == ("torch", torch.float32)
    assert "fused oneDNN" in picked.describe()
    image = field((48, 56), seed=6)
    expected = deblur(image, model=model, device="cpu", backend="torch", precision="fp32")

    def refuse(*args, **kwargs):
        raise AssertionError("OpenVINO must not run with precision='fp32'")

    monkeypatch.setattr(backends, "OpenVINONetwork", refuse)
    out = deblur(image, model=model, device="cpu", precision="fp32")
    np.testing.assert_array_equal(out, expected)
    with pytest.raises(AssertionError, match="must not run"):
        deblur(image, model=model, device="cpu")  # the automatic choice is OpenVINO


def test_onnx_cache_is_reused_and_rebuilt_when_weights_change(model, monkeypatch):
    calls = []
    from napari_defocus_deblur.model import traced

    real = traced.onnx_bytes
    monkeypatch.setattr(traced, "onnx_bytes", lambda m: calls.append(1) or real(m))
    first = backends.onnx_file(model)
    assert first.is_file() and first.stem == weights_hash(model) and len(calls) == 1
    assert backends.onnx_file(tiny_model()) == first and len(calls) == 1  # same weights
    with torch.no_grad():
        model.heads[0].out.bias.add_(1.0)
    second = backends.onnx_file(model)
    assert second != first and second.is_file() and len(calls) == 2
    image = field((40, 40))
    out = deblur(image, model=model, device="cpu", backend="openvino", precision="fp32")
    ref = deblur(image, model=model, device="cpu", backend="torch", precision="fp32")
    assert np.abs(out - ref).max() <= 1e-5 * _span(ref)  # the rebuilt export is used
    assert len(calls) == 2


def test_cache_keeps_the_most_recent_exports(monkeypatch):
    monkeypatch.setattr(backends, "ONNX_KEEP", 2)
    paths = [backends.onnx_file(tiny_model(seed)) for seed in range(3)]
    assert [p.is_file() for p in paths] == [False, True, True]


def test_missing_openvino_falls_back_with_one_warning(model, monkeypatch):
    monkeypatch.setitem(sys.modules, "openvino", None)  # as if not installed
    image = field((40, 48), seed=7)
    with warnings.catch_warnings(record=True):
        fallback = resolve_backend("auto", "auto", CPU)  # PyTorch, at this CPU's precision
    assert fallback.name == "torch"
    monkeypatch.setattr(device, "_WARNED", set())
    expected = deblur(
        image, model=model, device="cpu", backend="torch", precision=fallback.precision
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = deblur(image, model=model, device="cpu")
        second = deblur(image, model=model, device="cpu")
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(messages) == 1 and "OpenVINO is not installed" in messages[0], messages
    np.testing.assert_array_equal(first, expected)
    np.testing.assert_array_equal(second, expected)
    assert resolve_backend("auto", "auto", CPU).describe().endswith("(OpenVINO not installed)")
    with pytest.raises(UserInputError, match="needs OpenVINO"):
        resolve_backend("openvino", "auto", CPU)


def test_bad_backend_options():
    with pytest.raises(UserInputError, match="unknown backend 'tensorrt'"):
        resolve_backend("tensorrt")
    with pytest.raises(UserInputError, match="runs on the CPU only"):
        resolve_backend("openvino", "auto", torch.device("cuda"))
    with pytest.raises(UserInputError, match="'fp16' is not supported on the CPU"):
        resolve_backend("openvino", "fp16", CPU)
    with pytest.raises(UserInputError, match="'fp16' is not supported on the CPU"):
        resolve_backend("auto", "fp16", CPU)
    with pytest.raises(UserInputError, match="unknown precision"):
        resolve_backend("auto", "fp8", CPU)


def test_weights_hash_follows_the_weights():
    a, b = tiny_model(0), tiny_model(0)
    assert weights_hash(a) == weights_hash(b) != weights_hash(tiny_model(1))
    with torch.no_grad():
        next(a.parameters()).mul_(2.0)
    assert weights_hash(a) != weights_hash(b)
