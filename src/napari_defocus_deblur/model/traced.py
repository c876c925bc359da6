"""ONNX and TorchScript files of our networks, for other runtimes and tools.

Both are traced from :class:`PaddedNetwork`, which reflect-pads the bottom/right of the
input to the network's size multiple with shape arithmetic that the tracer records
(instead of the network's own Python loop), runs the network and crops the result. The
files therefore accept any batch size and any height and width of at least
``size_multiple // 2 + 1`` pixels, like the PyTorch network. Depth-conditioned networks
(``config.condition == "depth"``) get a second input ``depth``: one distance from focus
in micrometres per image, float32 of shape (N, 1) (batch and channel axes, as a
bioimage.io tensor). A network that averages mirror views or pixel phases
(:func:`with_passes`) is traced with its averaging (:func:`~.phases.average_passes`,
outside the padding), so the files give what the network gives.

Writing is atomic (temporary file, then rename). Tracing runs on the CPU in float32.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

#: ONNX opset of the exported graphs (OpenVINO, ONNX Runtime and deepImageJ read it).
OPSET = 17
#: Input and output names in the exported files.
INPUT, DEPTH, OUTPUT = "input", "depth", "output"


class PaddedNetwork(nn.Module):
    """``network`` behind traceable reflect padding to its size multiple, cropped back.

    Parameters
    ----------
    network
        A model from :func:`~napari_defocus_deblur.model.build_model` (with ``config``).
    """

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network
        self.multiple = int(network.config.size_multiple)
        self.conditioned = bool(getattr(network.config, "conditioned", False))

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        m = self.multiple
        h, w = x.shape[-2], x.shape[-1]
        return F.pad(x, (0, (m - w % m) % m, 0, (m - h % m) % m), mode="reflect")

    def forward(self, x: torch.Tensor, depth: torch.Tensor | None = None) -> torch.Tensor:
        from napari_defocus_deblur.model.phases import average_passes, mirror_views, pixel_phases

        views, phases = mirror_views(self.network), pixel_phases(self.network)
        return average_passes(self._once, x, depth, views, phases)  # one pass: _once itself

    def _once(self, x: torch.Tensor, depth: torch.Tensor | None) -> torch.Tensor:
        h, w = x.shape[-2], x.shape[-1]
        padded = self._pad(x)
        args = (padded, depth.reshape(-1)) if self.conditioned else (padded,)
        y = self.network.forward_multiscale(*args)[0]  # one pass, whatever its forward
        return y[..., :h, :w]


def with_passes(model: nn.Module, views: int, phases: int) -> nn.Module:
    """A copy of ``model`` whose ``forward`` averages ``views`` mirror views (1 or 4) of
    ``phases`` pixel phases (1, 2 or 4) each.

    Exported files and packages carry the average in their graph, so consumers get the
    plugin's lattice-free result from one call; the model itself (perhaps cached and
    shared) is left as it is. Which counts to export is the plugin's rule
    (:func:`napari_defocus_deblur.export.weights.exported_network`).

    Raises
    ------
    UserInputError
        A count other than those above.
    """
    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.model.phases import set_passes

    try:
        return set_passes(copy.deepcopy(model), views, phases)
    except ValueError as exc:  # the one rule on the counts lives in set_passes
        raise UserInputError(str(exc)) from None


def example_inputs(model: nn.Module, side: int | None = None) -> tuple[torch.Tensor, ...]:
    """Inputs to trace ``model`` with: a batch of two, a side not a multiple of the unit.

    Tracing at a non-multiple records the padding; a batch of two keeps the batch axis
    (and a per-image depth) symbolic.
    """
    cfg = model.config
    m = cfg.size_multiple
    side = side or max(2 * m, 64) + max(m // 2, 1)
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(2, cfg.in_channels, side, side + 3, generator=gen)
    if getattr(cfg, "conditioned", False):
        return x, torch.tensor([[10.0], [34.0]])
    return (x,)


@contextlib.contextmanager
def _tracing(model: nn.Module) -> Iterator[PaddedNetwork]:
    """A float32 CPU copy of ``model`` wrapped for tracing, with tracer warnings muted."""
    net = copy.deepcopy(model).cpu().float().eval()
    for p in net.parameters():
        p.requires_grad_(False)
    with warnings.catch_warnings():
        # shape checks and the (no-op) inner padding loop are traced as constants: they
        # hold for every input the wrapper hands the network
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
        warnings.filterwarnings("ignore", message=".*will be removed.*", category=Warning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        yield PaddedNetwork(net).eval()


def onnx_bytes(model: nn.Module, opset: int = OPSET) -> bytes:
    """The ONNX graph of ``model`` (dynamic batch, height and width) as bytes."""
    inputs = example_inputs(model)
    names = [INPUT, DEPTH][: len(inputs)]
    axes = {INPUT: {0: "batch", 2: "height", 3: "width"}}
    axes[OUTPUT] = axes[INPUT]
    if len(inputs) == 2:
        axes[DEPTH] = {0: "batch"}
    buffer = io.BytesIO()
    with _tracing(model) as wrapped, torch.no_grad():
        torch.onnx.export(
            wrapped,
            inputs,
            buffer,
            dynamo=False,
            input_names=names,
            output_names=[OUTPUT],
            dynamic_axes=axes,
            opset_version=opset,
            do_constant_folding=True,
        )
    return buffer.getvalue()


def _atomic(path: str | os.PathLike, data: bytes) -> Path:
    from napari_defocus_deblur.io.atomic import atomic_write

    return atomic_write(Path(path), lambda tmp: tmp.write_bytes(data))


def export_onnx(model: nn.Module, path: str | os.PathLike, opset: int = OPSET) -> Path:
    """Write ``model`` as an ONNX file (see the module docstring for its inputs)."""
    return _atomic(path, onnx_bytes(model, opset))


def torchscript_module(model: nn.Module) -> torch.jit.ScriptModule:
    """``model`` traced to TorchScript (any batch, height and width), float32 on the CPU."""
    inputs = example_inputs(model)
    with _tracing(model) as wrapped, torch.no_grad():
        traced = torch.jit.trace(wrapped, inputs, check_trace=False)
    return traced


def export_torchscript(model: nn.Module, path: str | os.PathLike) -> Path:
    """Write ``model`` as a TorchScript file (``torch.jit.load`` reads it, no Python code).

    PyTorch deprecates TorchScript in favour of ``torch.export``, but bioimage.io
    consumers (deepImageJ, bioimageio.core) read TorchScript, so it is written anyway.
    """
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        torch.jit.save(torchscript_module(model), buffer)
    return _atomic(path, buffer.getvalue())


def load_torchscript(path: str | os.PathLike) -> torch.jit.ScriptModule:
    """A TorchScript file on the CPU (for checks; PyTorch's deprecation notice muted)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        return torch.jit.load(str(path), map_location="cpu")


def run_onnx(path: str | os.PathLike, inputs: list) -> np.ndarray:
    """An ONNX file on numpy ``inputs``: ONNX Runtime, or OpenVINO when it is missing.

    The result owns its memory: ONNX Runtime's own arrays keep the whole session (its
    arena, ~0.9 GB for a 4-pass graph on a 520 x 696 field) alive while they live.
    """
    try:
        import onnxruntime as ort
    except ImportError:
        from napari_defocus_deblur.openvino_runtime import import_openvino

        ov = import_openvino()

        config = {"INFERENCE_PRECISION_HINT": "f32"}
        compiled = ov.Core().compile_model(str(path), "CPU", config)
        return np.array(compiled(inputs)[0], copy=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return np.array(session.run(None, dict(zip(names, inputs)))[0], copy=True)


def check_traced(model: nn.Module, path: str | os.PathLike) -> float:
    """Largest |file(x) - model(x)| for a written ONNX or TorchScript file.

    ``x``: a batch of three at a size other than the traced one (not a multiple of the
    network's unit), so the check covers the symbolic batch, height and width.
    """
    m = model.config.size_multiple
    inputs = example_inputs(model, side=max(3 * m, 48) + 3)
    inputs = tuple(torch.cat([t, t[:1]]) for t in inputs)
    net = copy.deepcopy(model).cpu().float().eval()
    with torch.inference_mode():
        args = (inputs[0], inputs[1].reshape(-1)) if len(inputs) == 2 else inputs
        expected = net(*args).numpy()
        if str(path).lower().endswith(".onnx"):
            got = run_onnx(path, [t.numpy() for t in inputs])
        else:
            got = load_torchscript(path)(*inputs).numpy()
    return float(np.max(np.abs(got - expected)))
