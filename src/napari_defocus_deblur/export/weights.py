"""Weights of a model package in three formats, each checked against our network.

* ``weights.pt``: the float32 state dict (``pytorch_state_dict``; ``torch.save``, which
  the format prescribes), with the standalone architecture source;
* ``weights_torchscript.pt``: the traced network (``torchscript``), no Python code needed;
* ``weights.onnx``: the ONNX graph (``onnx``, opset :data:`~.traced.OPSET`) for ONNX
  Runtime, OpenVINO, deepImageJ and other consumers.

TorchScript and ONNX are traced from :class:`~.traced.PaddedNetwork`, so they take any
image size like the state dict does. Both name ``pytorch_state_dict`` as their parent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from napari_defocus_deblur.export import content
from napari_defocus_deblur.export.standalone import CALLABLE, FILE_NAME, load_standalone
from napari_defocus_deblur.model.phases import mirror_views, pixel_phases
from napari_defocus_deblur.model.traced import (
    OPSET,
    export_onnx,
    export_torchscript,
    load_torchscript,
    run_onnx,
    with_passes,
)
from napari_defocus_deblur.normalization import PercentileNormalization

#: File of each weights format inside the package.
FILES = {
    "pytorch_state_dict": "weights.pt",
    "torchscript": "weights_torchscript.pt",
    "onnx": "weights.onnx",
}


def exported_network(
    model: str | os.PathLike, views: int | str = "auto", phases: int | str = "auto"
) -> nn.Module:
    """The checkpoint or bundled ``model``, averaging the passes its exports carry.

    ``views`` (``"auto"``, 1 or 4) and ``phases`` (``"auto"``, 1, 2 or 4) follow the
    plugin's rule (:func:`~napari_defocus_deblur.inference.phases.choose_passes`): both
    ``"auto"`` give 4 mirror views of one phase; phases given alone give that many phases
    of one view (the exports of earlier versions).

    Raises
    ------
    UserInputError
        An unknown model or a count the rule refuses.
    """
    from napari_defocus_deblur.inference import load_model
    from napari_defocus_deblur.inference.phases import choose_passes

    views, phases, _ = choose_passes(views, phases, (0, 0))  # exports know no plane size
    return with_passes(load_model(model), views, phases)


def architecture_kwargs(model: nn.Module) -> dict[str, Any]:
    """``kwargs`` of the standalone factory: the network's config and the mirror views and
    pixel phases its forward averages."""
    config = model.config.to_dict()  # type: ignore[attr-defined]
    return {**config, "pixel_phases": pixel_phases(model), "mirror_views": mirror_views(model)}


def write_weights(model: nn.Module, folder: Path) -> None:
    """Write the three weights files of ``model`` into ``folder``."""
    state = {k: v.detach().to("cpu", torch.float32).clone() for k, v in model.state_dict().items()}
    torch.save(state, folder / FILES["pytorch_state_dict"])
    export_torchscript(model, folder / FILES["torchscript"])
    export_onnx(model, folder / FILES["onnx"])


def weights_description(v: Any, folder: Path, architecture: Any) -> Any:
    """The ``WeightsDescr`` (bioimage.io 0.5 module ``v``) of :func:`write_weights`' files."""
    version = v.Version(torch.__version__.split("+")[0])
    return v.WeightsDescr(
        pytorch_state_dict=v.PytorchStateDictWeightsDescr(
            source=folder / FILES["pytorch_state_dict"],
            architecture=architecture,
            pytorch_version=version,
        ),
        torchscript=v.TorchscriptWeightsDescr(
            source=folder / FILES["torchscript"],
            pytorch_version=version,
            parent="pytorch_state_dict",
        ),
        onnx=v.OnnxWeightsDescr(
            source=folder / FILES["onnx"], opset_version=OPSET, parent="pytorch_state_dict"
        ),
    )


def check_weights(
    model: nn.Module, folder: Path, tensors: content.TestTensors, norm: PercentileNormalization
) -> dict[str, float]:
    """Largest |format(x) - ours(x)| on the test input, per weights format.

    ``pytorch_state_dict`` runs the standalone architecture with the saved state dict,
    ``torchscript`` the traced file, ``onnx`` the ONNX file (ONNX Runtime, else OpenVINO).
    """
    x = content.normalise_input(tensors.input, norm)
    inputs = [x] if tensors.depth is None else [x, tensors.depth]
    module = load_standalone(folder / FILE_NAME)
    kwargs = architecture_kwargs(model)
    net = getattr(module, CALLABLE)(**kwargs)
    state = torch.load(folder / FILES["pytorch_state_dict"], map_location="cpu", weights_only=True)
    net.load_state_dict(state, strict=True)
    if tensors.depth is None:
        standalone = content.run_network(net, x)
    else:
        standalone = content.run_network(net, x, depth=tensors.depth)
    traced = load_torchscript(folder / FILES["torchscript"])
    with torch.inference_mode():
        script = traced(*[torch.from_numpy(a) for a in inputs]).numpy()
    onnx = run_onnx(folder / FILES["onnx"], inputs)
    preds = {"pytorch_state_dict": standalone, "torchscript": script, "onnx": onnx}
    return {name: float(np.max(np.abs(p - tensors.output))) for name, p in preds.items()}
