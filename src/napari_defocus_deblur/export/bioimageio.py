"""bioimage.io model packages (rdf.yaml format 0.5) of our checkpoints.

The package holds ``pytorch_state_dict`` weights (``torch.save`` of the state dict, which
the format prescribes; we only write it, never load foreign ones) with the standalone
architecture source of :mod:`napari_defocus_deblur.export.standalone`, the same network
as ``torchscript`` and ``onnx`` weights (:mod:`.weights`), a simulated test input with
the model's output on it, a cover image and a README. Depth-conditioned networks get a
second input ``depth`` (micrometres from focus, axes batch and channel). The description is
built with ``bioimageio.spec`` (the ``bioimageio`` extra) and validated while it is
built; :func:`check_package` runs ``bioimageio.core``'s dynamic test on the zip.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from napari_defocus_deblur.constants import CHANNELS
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.export import content, readme
from napari_defocus_deblur.export.standalone import CALLABLE, FILE_NAME
from napari_defocus_deblur.export.tensors import depth_input, image_input, image_output
from napari_defocus_deblur.export.weights import (
    architecture_kwargs,
    check_weights,
    exported_network,
    weights_description,
)
from napari_defocus_deblur.inference.units import network_pixel_size_um
from napari_defocus_deblur.normalization import PercentileNormalization

_INSTALL_HINT = "install it with: pip install 'napari-defocus-deblur[bioimageio]'"
_NAME_OK = re.compile(r"[^A-Za-z0-9_+\- ()]")
DEFAULT_AUTHOR = "napari-defocus-deblur developers"
TAGS = ("deblurring", "defocus", "image-restoration", "fluorescence-light-microscopy",
        "widefield", "2d", "unet", "pytorch", "bbbc006", "napari-defocus-deblur")  # fmt: skip


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_bioimageio` wrote.

    Attributes
    ----------
    path
        The zip file.
    name
        The model's name in ``rdf.yaml``.
    test_shape
        Shape of the test input tensor (batch, channel, y, x).
    standalone_max_abs_diff
        Largest difference between the standalone architecture and our network on the
        test input (0.0: identical).
    weights_max_abs_diff
        The same for every weights format (``pytorch_state_dict``, ``torchscript``,
        ``onnx``).
    """

    path: Path
    name: str
    test_shape: tuple[int, ...]
    standalone_max_abs_diff: float
    weights_max_abs_diff: dict[str, float] | None = None


def _require(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise UserInputError(f"bioimage.io export needs {module}; {_INSTALL_HINT}") from exc


def check_output_path(output: str | os.PathLike) -> Path:
    """The ``.zip`` path to write, after checking its folder exists and is writable."""
    path = Path(output).expanduser()
    if path.suffix.lower() != ".zip":
        raise UserInputError(f"the bioimage.io package must be a .zip file, got {path}")
    if path.is_dir():
        raise UserInputError(f"{path} is a folder; give the path of the .zip file to write")
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise UserInputError(f"cannot write {path}: {parent} is not a folder")
    if not parent.is_dir():
        raise UserInputError(f"cannot write {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UserInputError(f"cannot write {path}: permission denied")
    return path


def package_name(model: nn.Module, info: dict[str, Any], name: str | None = None) -> str:
    """A bioimage.io model name (letters, digits, ``_+-()`` and spaces only)."""
    if name is not None:
        bad = sorted(set(_NAME_OK.findall(name)))
        if bad or not 5 <= len(name) <= 128:
            raise UserInputError(
                f"model name {name!r} is not allowed: use 5-128 letters, digits, spaces or "
                "_+-() characters"
            )
        return name
    label = model.config.label.replace("=", "")  # type: ignore[attr-defined]
    base = str(info.get("name") or "")
    text = f"defocus deblur {base} ({label})" if base else f"defocus deblur ({label})"
    return " ".join(_NAME_OK.sub("-", text).split())[:128]


def _description(info: dict[str, Any], config: Any, channel: int) -> str:
    from napari_defocus_deblur.zoo.names import depths_text, served_depths

    served = served_depths(info)
    where = f"{depths_text(served)} um from focus" if served else "out of focus"
    return (
        f"Deblurs 2-D widefield fluorescence images ({CHANNELS[channel][0]}) recorded "
        f"{where}; {readme.architecture_phrase(config)}, trained with napari-defocus-deblur on "
        "BBBC006-like data. The output is in the input's percentile-normalised units."
    )


def build_description(
    model: nn.Module, info: dict[str, Any], folder: Path, tensors: content.TestTensors, **meta
):
    """The ``ModelDescr`` of the files in ``folder`` (weights, architecture, tensors, ...)."""
    spec = _require("bioimageio.spec")
    v = spec.model.v0_5
    cfg = model.config  # type: ignore[attr-defined]
    norm = PercentileNormalization.from_dict(info.get("normalization"))
    pixel_um = network_pixel_size_um(info)
    inputs = image_input(spec, folder, cfg, norm, pixel_um)
    outputs = image_output(spec, folder, cfg, pixel_um)
    arch = v.ArchitectureFromFileDescr(
        source=folder / FILE_NAME,
        callable=v.Identifier(CALLABLE),
        kwargs=architecture_kwargs(model),
    )
    weights = weights_description(v, folder, arch)
    authors = meta.get("authors") or [DEFAULT_AUTHOR]
    return v.ModelDescr(
        name=meta["name"],
        description=_description(info, cfg, tensors.channel),
        authors=[v.Author(name=a) for a in authors],
        cite=[
            v.CiteEntry(text=readme.PAPER[0], doi=v.Doi(readme.PAPER[1])),
            v.CiteEntry(text=readme.BBBC006[0], doi=v.Doi(readme.BBBC006[1])),
        ],
        license=v.LicenseId("BSD-3-Clause"),
        tags=list(TAGS),
        documentation=v.FileDescr(source=folder / "README.md"),
        covers=[v.FileDescr(source=folder / "cover.png")],
        inputs=[inputs] + ([depth_input(spec, folder)] if tensors.depth is not None else []),
        outputs=[outputs],
        weights=weights,
        config=_config(v, model, info, norm),
    )


def _config(v, model: nn.Module, info: dict[str, Any], norm: PercentileNormalization):
    """``config``: bioimage.io architecture facts and our checkpoint's settings."""
    cfg = model.config  # type: ignore[attr-defined]
    parameters = sum(p.numel() for p in model.parameters())
    keys = ("name", "depth_um", "fusion", "channel", "provenance")
    extra = {k: info[k] for k in keys if info.get(k) is not None}
    return v.Config(
        bioimageio=v.BioimageioConfig(
            architecture_type="CNN" if cfg.architecture == "nah" else "U-Net",
            architecture_description=readme.architecture_phrase(cfg),
            modality="widefield fluorescence microscopy",
            task="image restoration: defocus deblurring",
            model_parameter_count=parameters,
        ),
        napari_defocus_deblur={**extra, "normalization": norm.to_dict()},
    )


def export_bioimageio(
    model: str | os.PathLike,
    output: str | os.PathLike,
    *,
    name: str | None = None,
    authors: list[str] | None = None,
    test_size: int = 256,
    seed: int = 0,
    views: int | str = "auto",
    phases: int | str = "auto",
) -> ExportResult:
    """Write a bioimage.io model package (zip) of a checkpoint or bundled model.

    Parameters
    ----------
    model
        Checkpoint directory or bundled model name (see ``defocus-deblur models``).
    output
        The ``.zip`` file to write (replaced if it exists).
    name
        Model name in ``rdf.yaml`` (default: derived from the checkpoint).
    authors
        Author names (default: the napari-defocus-deblur developers).
    test_size
        Side of the simulated square test image (rounded up to the network's unit).
    seed
        Seed of the simulated test image.
    views, phases
        Mirror views (``"auto"``, 1 or 4) and pixel phases (``"auto"``, 1, 2 or 4) every
        weights format averages, by the plugin's rule (both ``"auto"``: 4 mirror views, no
        period-2 lattice, 4x the time of one pass; see
        :func:`~napari_defocus_deblur.export.weights.exported_network`).

    Raises
    ------
    UserInputError
        Unwritable output, unknown model, or bioimageio.spec not installed.
    """
    path = check_output_path(output)
    net = exported_network(model, views, phases)
    spec = _require("bioimageio.spec")
    info = dict(getattr(net, "checkpoint_info", {}) or {})
    name = package_name(net, info, name)
    tensors = content.make_test_tensors(net, info, side=test_size, seed=seed)
    norm = PercentileNormalization.from_dict(info.get("normalization"))
    with tempfile.TemporaryDirectory(prefix="defocus-deblur-bioimageio-") as tmp:
        folder = Path(tmp)
        write_package_files(folder, net, info, tensors, norm)
        diffs = check_weights(net, folder, tensors, norm)
        descr = build_description(net, info, folder, tensors, name=name, authors=authors)
        try:
            spec.save_bioimageio_package(descr, output_path=path)
        except OSError as exc:
            raise UserInputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    shape = tuple(tensors.input.shape)
    return ExportResult(path, name, shape, diffs["pytorch_state_dict"], diffs)


def check_package(path: str | os.PathLike, devices: list[str] | None = None):
    """Run ``bioimageio.core.test_model`` on a package; returns its ``ValidationSummary``.

    ``summary.status`` is ``"passed"`` when the description is valid and the model
    reproduces its test output from its test input and runs at several sizes and batch
    sizes; ``"valid-format"`` when only the description is valid; ``"failed"`` otherwise.
    """
    core = _require("bioimageio.core")
    path = Path(path)
    if not path.is_file():
        raise UserInputError(f"bioimage.io package not found: {path}")
    return core.test_model(path, devices=devices or ["cpu"])


def write_package_files(
    folder: Path,
    model: nn.Module,
    info: dict[str, Any],
    tensors: content.TestTensors,
    norm: PercentileNormalization,
) -> None:
    """Weights (three formats), architecture, test tensors, samples, cover and README."""
    import numpy as np
    import tifffile

    from napari_defocus_deblur.export.standalone import write_standalone
    from napari_defocus_deblur.export.weights import write_weights

    write_weights(model, folder)
    write_standalone(folder / FILE_NAME)
    np.save(folder / "test_input.npy", tensors.input)
    if tensors.depth is not None:
        np.save(folder / "test_depth.npy", tensors.depth)
    np.save(folder / "test_output.npy", tensors.output)
    tifffile.imwrite(folder / "sample_input.tif", tensors.input[0].squeeze())
    tifffile.imwrite(folder / "sample_output.tif", tensors.output[0].squeeze())
    content.write_cover(folder / "cover.png", tensors, norm)
    parameters = sum(p.numel() for p in model.parameters())
    text = readme.documentation(model, info, tensors, parameters)
    (folder / "README.md").write_text(text, encoding="utf-8")
