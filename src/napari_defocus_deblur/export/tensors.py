"""Tensor descriptions (bioimage.io format 0.5) of our model packages.

``spec`` is the imported ``bioimageio.spec`` module (the ``bioimageio`` extra); files
named here are written by :func:`napari_defocus_deblur.export.bioimageio.write_package_files`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from napari_defocus_deblur.constants import PIXEL_SIZE_UM
from napari_defocus_deblur.export import content
from napari_defocus_deblur.normalization import PercentileNormalization


def _axes(spec, io: str, size_multiple: int, channels: int, pixel_um: float) -> list:
    """batch, channel, y, x axes of the input (parameterized size) or output (same size);
    y and x in micrometres of ``pixel_um`` per pixel."""
    v = spec.model.v0_5
    names = ["channel"] if channels == 1 else [f"channel{c}" for c in range(channels)]
    axes = [v.BatchAxis(), v.ChannelAxis(channel_names=[v.Identifier(n) for n in names])]
    smallest = content.smallest_side(size_multiple)
    for axis in ("y", "x"):
        common = {"id": v.AxisId(axis), "unit": "micrometer", "scale": pixel_um}
        if io == "input":
            size = v.ParameterizedSize(min=smallest, step=1)
            axes.append(v.SpaceInputAxis(size=size, **common))
        else:
            ref = v.SizeReference(tensor_id=v.TensorId("input"), axis_id=v.AxisId(axis))
            halo = content.halo(size_multiple)
            axes.append(v.SpaceOutputAxisWithHalo(size=ref, halo=halo, **common))
    return axes


def image_input(
    spec, folder: Path, cfg: Any, norm: PercentileNormalization, pixel_um: float = PIXEL_SIZE_UM
):
    """The ``input`` tensor: raw intensities, scaled by the checkpoint's percentiles, with
    ``pixel_um`` micrometres per pixel (the network's grid)."""
    v = spec.model.v0_5
    scale_range = v.ScaleRangeDescr(
        kwargs=v.ScaleRangeKwargs(
            axes=[v.AxisId("y"), v.AxisId("x")],
            min_percentile=norm.low,
            max_percentile=norm.high,
        )
    )
    return v.InputTensorDescr(
        id=v.TensorId("input"),
        description="out-of-focus image, raw intensities",
        axes=_axes(spec, "input", cfg.size_multiple, cfg.in_channels, pixel_um),
        test_tensor=v.FileDescr(source=folder / "test_input.npy"),
        sample_tensor=v.FileDescr(source=folder / "sample_input.tif"),
        data=v.IntervalOrRatioDataDescr(type="float32"),
        pad=v.ReflectPadding(mode="reflect"),  # explicit, so it is written out
        preprocessing=[scale_range],
    )


def image_output(spec, folder: Path, cfg: Any, pixel_um: float = PIXEL_SIZE_UM):
    """The ``output`` tensor: the deblurred image, same size and pixels as the input."""
    v = spec.model.v0_5
    return v.OutputTensorDescr(
        id=v.TensorId("output"),
        description="deblurred image in the input's percentile-normalised units",
        axes=_axes(spec, "output", cfg.size_multiple, cfg.out_channels, pixel_um),
        test_tensor=v.FileDescr(source=folder / "test_output.npy"),
        sample_tensor=v.FileDescr(source=folder / "sample_output.tif"),
        data=v.IntervalOrRatioDataDescr(type="float32"),
    )


def depth_input(spec, folder: Path):
    """The ``depth`` input of depth-conditioned networks: micrometres from focus."""
    v = spec.model.v0_5
    return v.InputTensorDescr(
        id=v.TensorId("depth"),
        description="distance of the image from focus in micrometres (stage offset)",
        axes=[v.BatchAxis(), v.ChannelAxis(channel_names=[v.Identifier("depth_um")])],
        test_tensor=v.FileDescr(source=folder / "test_depth.npy"),
        data=v.IntervalOrRatioDataDescr(type="float32", unit="µm"),
    )
