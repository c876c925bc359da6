"""Runnable copies of a network for the backend :func:`~.device.resolve_backend` picked.

Every object :func:`build_backend` returns is called like the network, ``module(x)`` or
``module(x, depth)`` for depth-conditioned networks, on a float32 ``(N, C, H, W)``
tensor, and returns a tensor of the same shape; the caller's network is never touched.

* PyTorch: :func:`~.runner.prepare` (fused oneDNN copy on the CPU in fp32, channels-last
  copies elsewhere; precision through autocast).
* OpenVINO: the network exported to ONNX once per weights (:func:`onnx_file`, cached in
  the user cache folder under the weights' hash), read and compiled for the CPU with
  precision hint ``f32`` or ``bf16`` and as many threads as PyTorch uses. Compiled
  models are kept for the process (the last few weights/precision/thread combinations).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from napari_defocus_deblur.inference.cache import (
    cache_dir,
    prune,
    touch,
    weights_hash,
    write_bytes,
)
from napari_defocus_deblur.inference.device import Backend

#: ONNX exports kept in the cache folder (least recently used ones are removed).
ONNX_KEEP = 16
#: Compiled OpenVINO models kept in memory per process.
COMPILED_KEEP = 4

_COMPILED: OrderedDict[tuple, Any] = OrderedDict()
_LOCK = threading.Lock()
_CORE: list[Any] = []


def build_backend(model: nn.Module, backend: Backend) -> Any:
    """A callable copy of ``model`` for ``backend`` (see the module docstring)."""
    if backend.name == "openvino":
        return OpenVINONetwork(model, backend.dtype)
    from napari_defocus_deblur.inference.runner import prepare

    return prepare(model, backend.device, backend.dtype)


def onnx_file(model: nn.Module) -> Path:
    """The cached ONNX export of ``model`` (written on first use; atomic, pruned)."""
    from napari_defocus_deblur.model.traced import onnx_bytes

    folder = cache_dir("onnx")
    path = folder / f"{weights_hash(model)}.onnx"
    if path.is_file():
        touch(path)
        return path
    write_bytes(path, onnx_bytes(model))
    prune(folder, "*.onnx", ONNX_KEEP)
    return path


def _core() -> Any:
    if not _CORE:
        from napari_defocus_deblur.openvino_runtime import import_openvino

        ov = import_openvino()

        _CORE.append(ov.Core())
    return _CORE[0]


def compiled_model(model: nn.Module, dtype: torch.dtype) -> Any:
    """The OpenVINO model compiled for the CPU (cached per weights, precision, threads)."""
    hint = "bf16" if dtype == torch.bfloat16 else "f32"
    threads = max(1, torch.get_num_threads())
    key = (weights_hash(model), hint, threads)
    with _LOCK:
        hit = _COMPILED.get(key)
        if hit is not None:
            _COMPILED.move_to_end(key)
            return hit
    config = {
        "INFERENCE_PRECISION_HINT": hint,
        "INFERENCE_NUM_THREADS": threads,
        "PERFORMANCE_HINT": "LATENCY",
    }
    core = _core()
    compiled = core.compile_model(core.read_model(str(onnx_file(model))), "CPU", config)
    with _LOCK:
        _COMPILED[key] = compiled
        while len(_COMPILED) > COMPILED_KEEP:
            _COMPILED.popitem(last=False)
    return compiled


class OpenVINONetwork:
    """``model`` run by OpenVINO on the CPU; called like the network, returns a tensor.

    Parameters
    ----------
    model
        A network from :func:`~napari_defocus_deblur.model.build_model`.
    dtype
        ``torch.float32`` or ``torch.bfloat16`` (OpenVINO's inference precision hint;
        CPUs without bf16 instructions compute in fp32 regardless).
    """

    def __init__(self, model: nn.Module, dtype: torch.dtype = torch.float32) -> None:
        self.conditioned = bool(getattr(model.config, "conditioned", False))
        self.compiled = compiled_model(model, dtype)
        self.request = self.compiled.create_infer_request()

    def __call__(self, x: torch.Tensor, depth: Any = None) -> torch.Tensor:
        image = np.ascontiguousarray(x.detach().to("cpu", torch.float32).numpy())
        inputs = [image]
        if self.conditioned:
            if depth is None:
                raise ValueError("this network is depth-conditioned: pass depth (micrometres)")
            d = np.asarray(torch.as_tensor(depth, dtype=torch.float32).cpu(), np.float32)
            d = np.broadcast_to(d.reshape(-1, 1), (len(image), 1))  # the export's (N, 1)
            inputs.append(np.ascontiguousarray(d))
        self.request.infer(inputs)
        # the request reuses its output buffer: copy before the next call
        return torch.from_numpy(np.array(self.request.get_output_tensor(0).data, copy=True))
