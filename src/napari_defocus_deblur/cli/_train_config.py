"""The :class:`TrainConfig` that ``defocus-deblur train``'s options build.

Imports of the training package stay inside functions: building the parser must not
import torch.
"""

from __future__ import annotations

import argparse
from typing import Any

#: CLI attribute -> TrainConfig field, for options that override the config file.
_OVERRIDES = {
    "fusion": "fusion",
    "scales": "scales",
    "architecture": "architecture",
    "base_channels": "base_channels",
    "levels": "levels",
    "steps": "steps",
    "epochs": "epochs",
    "max_minutes": "max_minutes",
    "epoch_steps": "epoch_steps",
    "crop": "crop",
    "batch": "batch",
    "lr": "lr",
    "warmup": "warmup",
    "val_fraction": "val_fraction",
    "split_seed": "split_seed",
    "init": "init",
    "device": "device",
    "seed": "seed",
    "patience": "early_stopping_patience",
    "keep": "keep",
    "prior": "prior",
    "prior_fields": "prior_fields",
    "depth_sampling": "depth_sampling",
    "depth_jitter": "depth_jitter",
    "nominal_optics_share": "nominal_optics_share",
    "sparse_smooth_share": "sparse_smooth_share",
    "bright_bodies_share": "bright_bodies_share",
    "harm_weight": "harm_weight",
    "harm_above_focus": "harm_above_focus",
    "condition": "condition",
    "content_dir": "content_dir",
    "pixel_size": "pixel_size_um",
}


def build_config(args: argparse.Namespace) -> tuple[Any, list[str]]:
    """The TrainConfig from a config file and/or options; returns it and notes to print.

    Options given on the command line win over the file; crop and batch given in neither
    take the device's defaults; a CPU run of unspecified length gets a time budget.
    """
    from napari_defocus_deblur.training import TrainConfig

    values = _option_values(args)
    notes = _apply_device_defaults(values)
    return TrainConfig.from_dict(values), notes


def _option_values(args: argparse.Namespace) -> dict[str, Any]:
    """TrainConfig fields from the config file, overridden by the options given."""
    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.training.config import read_config_file

    values = read_config_file(args.config) if args.config else {}
    values.update(
        {f: getattr(args, a) for a, f in _OVERRIDES.items() if getattr(args, a) is not None}
    )
    if args.depth is not None:
        values.pop("depth_um", None)
        values.pop("depths_um", None)
        if len(args.depth) == 1:
            values["depth_um"] = args.depth[0]
        else:
            values["depths_um"] = list(args.depth)
    if values.get("depth_um") is None and not values.get("depths_um") and not values.get("prior"):
        raise UserInputError("give the defocus distance to train for with --depth (in um)")
    from napari_defocus_deblur.io.atomic import check_output_name

    output = check_output_name(args.output, "-o/--output")
    values.update(output_dir=output, resume=args.resume, overwrite=args.overwrite)
    if args.no_amp:
        values["amp"] = False
    if args.own_pixels:
        values["regrid"] = False
    return values


def _apply_device_defaults(values: dict[str, Any]) -> list[str]:
    """The device's defaults (the one factory, ``training.defaults.apply_device_defaults``)."""
    from napari_defocus_deblur.inference.device import resolve_device
    from napari_defocus_deblur.training.defaults import apply_device_defaults

    return apply_device_defaults(values, resolve_device(values.get("device", "auto")).type)
