"""The Train widget's settings: small persisted magicgui forms and one DEFAULTS table.

Essentials stay visible (data, depth, start model, duration); everything else is under
*Advanced*. Defaults come from the core: :class:`~napari_defocus_deblur.training.TrainConfig`
(learning rate, crop, validation share, network shape), its per-device batch size and the
CPU time budget of a run of unspecified length (``training.defaults.CPU_DEFAULT_MINUTES``).
"""

import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from napari_defocus_deblur.constants import CHANNELS, DEFAULT_DEPTH_UM, N_PLANES
from napari_defocus_deblur.limits import PIXEL_SIZE_UM, TRAIN_DEPTH_UM
from napari_defocus_deblur.training.config import TrainConfig
from napari_defocus_deblur.training.defaults import CPU_DEFAULT_MINUTES, device_defaults
from napari_defocus_deblur.widgets._layout import special_text
from napari_defocus_deblur.widgets._models import choice_label, nearest_model
from napari_defocus_deblur.widgets._registry import user_models_dir
from napari_defocus_deblur.widgets._settings import SettingsForm, settings_form
from napari_defocus_deblur.zoo.names import DEFAULT_METHOD

if TYPE_CHECKING:
    from napari_defocus_deblur.inference.catalogue import ModelEntry

START_AUTO, SCRATCH = "auto", "scratch"
_CONFIG = {f.name: f.default for f in fields(TrainConfig)}
_NETWORK = TrainConfig(output_dir=".").model_options()  # the from-scratch network

#: The settings a first start (or *Restore defaults*) shows. 0 means "automatic".
DEFAULTS: dict[str, Any] = {
    "data": "layers",
    "folder": None,
    "channel": 1,
    "depth_um": DEFAULT_DEPTH_UM,
    "reference_plane": -1,  # auto: the data's own focus plane (CLI: no --reference-plane)
    "side": "below",
    "start_from": START_AUTO,
    "minutes": CPU_DEFAULT_MINUTES,
    "epochs": 0,
    "epoch_steps": 0,
    "lr": _CONFIG["lr"],
    "crop": _CONFIG["crop"],
    "batch": 0,
    "val_fraction": _CONFIG["val_fraction"],
    "pixel_size_um": 0.0,  # auto: as the layer or files record it, else BBBC006's
    "keep": _CONFIG["keep"],
    "preview_every": 20,
    "device": "auto",
    "output": None,
    "scales": _NETWORK["scales"],
    "fusion": _NETWORK["fusion"],
    "base_channels": _NETWORK["base_channels"],
    "levels": _NETWORK["levels"],
}
#: Settings that only matter from scratch (hidden when fine-tuning).
NETWORK_KEYS = ("scales", "fusion", "base_channels", "levels")


def train_essentials(
    data: str,
    folder: Path | None,
    channel: int,
    depth_um: float,
    reference_plane: int,
    side: str,
    start_from: str,
    minutes: float,
) -> None:
    """What to train on, from which model, for how long (always visible)."""


def train_advanced(
    epochs: int,
    epoch_steps: int,
    lr: float,
    crop: int,
    batch: int,
    val_fraction: float,
    pixel_size_um: float,
    keep: str,
    preview_every: int,
    device: str,
    output: Path | None,
    scales: int,
    fusion: str,
    base_channels: int,
    levels: int,
) -> None:
    """Everything else in ``TrainConfig`` a user may want to change."""


def _spin(label: str, low: float, high: float, step: float = 1, tip: str = "") -> dict:
    kind = "SpinBox" if all(float(v).is_integer() for v in (low, high, step)) else "FloatSpinBox"
    return {"widget_type": kind, "label": label, "min": low, "max": high, "step": step,
            "tooltip": tip or None}  # fmt: skip


def build_forms(
    start_choices: Callable[[Any], list], devices: Sequence[tuple[str, str]]
) -> tuple[SettingsForm, SettingsForm]:
    """``(essentials, advanced)`` forms of the Train widget."""
    channels = [(f"w{c} {stain}", c) for c, (stain, _) in CHANNELS.items()]
    essentials = settings_form(
        train_essentials,
        DEFAULTS,
        data={"widget_type": "RadioButtons", "label": "Data", "orientation": "horizontal",
              "choices": [("image layers", "layers"), ("folder", "folder")]},
        folder={"widget_type": "FileEdit", "mode": "d", "label": "Folder", "nullable": True,
                "tooltip": "BBBC006 root (plane folders or zips) or a folder of z-stack TIFFs"},
        channel={"widget_type": "ComboBox", "label": "Channel", "choices": channels},
        depth_um=_spin("Defocus (µm)", 0.5, TRAIN_DEPTH_UM[1], 0.5, "distance from focus of the data"),  # noqa: E501
        reference_plane=_spin("Reference plane", -1, N_PLANES - 1, tip="BBBC006: the plane the "
                              "blurred plane pairs with; auto: the data's focus plane"),
        side={"widget_type": "RadioButtons", "label": "Side", "orientation": "horizontal",
              "choices": [("below", "below"), ("above", "above")],
              "tooltip": "BBBC006: the blurred plane lies below (the paper's) or above the "
                         "reference plane"},
        start_from={"widget_type": "ComboBox", "label": "Start from", "choices": start_choices,
                    "tooltip": "fine-tune a model (default: the bundled one for this channel)"
                    " or train from random weights"},
        minutes=_spin("Duration (min)", 0.5, 10000.0, 0.5, "wall-time budget of the run"),
    )  # fmt: skip
    advanced = settings_form(
        train_advanced,
        DEFAULTS,
        epochs=_spin("Epochs", 0, 1000, tip="0: as many as the duration allows"),
        epoch_steps=_spin("Steps/epoch", 0, 100000, tip="0: one pass over the training pixels"),
        lr=_spin("Learning rate", 1e-6, 1.0, 1e-4, "Adam, with warm-up and cosine decay"),
        crop=_spin("Crop size", 16, 1024, 16, "side of the random training crops (pixels)"),
        batch=_spin("Batch", 0, 256, tip="crops per step; 0: the device's default"),
        val_fraction=_spin("Validation", 0.01, 0.9, 0.05, "share of fields held out"),
        pixel_size_um=_spin("Pixel size (µm)", 0.0, PIXEL_SIZE_UM[1], 0.005,
                            "the training images' pixel size, in the sample; auto: as the "
                            "layer or files record it (BBBC006's 0.645 when none). Other "
                            "sizes are binned onto BBBC006's grid, and images of that "
                            "microscope alike when the model runs"),
        keep={"widget_type": "RadioButtons", "label": "Keep", "orientation": "horizontal",
              "choices": [("best epoch", "best"), ("last step", "last")],
              "tooltip": "the weights saved: the best-validating epoch's, the starting model "
                         "included, or the last step's"},
        preview_every=_spin("Preview every", 0, 100000, tip="steps; 0: after every epoch"),
        device={"widget_type": "ComboBox", "label": "Device", "choices": list(devices)},
        output={"widget_type": "FileEdit", "mode": "d", "label": "Save to", "nullable": True,
                "tooltip": f"checkpoint folder; empty: new in {_home(user_models_dir())}"},
        scales=_spin("Scales K", 1, 5, tip="sub-networks (1 = plain U-Net)"),
        fusion={"widget_type": "RadioButtons", "label": "Fusion", "orientation": "horizontal",
                "choices": [("sum", "sum"), ("concat", "concat")]},
        base_channels=_spin("Base channels", 4, 64, 4, "features of the first level"),
        levels=_spin("U-Net levels", 2, 5),
    )  # fmt: skip
    advanced.lr.native.setDecimals(6)
    advanced.pixel_size_um.native.setDecimals(4)
    for key, text in (("epochs", "auto"), ("epoch_steps", "auto"), ("batch", "auto"),
                      ("preview_every", "each epoch"), ("pixel_size_um", "auto")):  # fmt: skip
        special_text(advanced[key], text)  # 0 reads as what it means
    essentials.folder.line_edit.native.setPlaceholderText("BBBC006 root or z-stack folder")
    advanced.output.line_edit.native.setPlaceholderText(f"new in {_home(user_models_dir())}")
    return essentials, advanced


def start_choice_list(models: Sequence["ModelEntry"], auto: "ModelEntry | None") -> list:
    """``(label, value)`` entries of "Start from": auto → bundled model, models, scratch."""
    auto_label = f"auto → {auto.name}" if auto else "auto → scratch (no model installed)"
    entries = [(choice_label(m), str(m.path)) for m in models]
    return [(auto_label, START_AUTO), *entries, ("scratch (random weights)", SCRATCH)]


def resolve_start(
    models: Sequence["ModelEntry"], value: str, depth_um: float, channel: int | None
) -> str:
    """``TrainConfig.init`` for a "Start from" value ("auto": nearest bundled model)."""
    if value != START_AUTO:
        return value
    best = nearest_model([m for m in models if m.bundled], depth_um, DEFAULT_METHOD, channel)
    return SCRATCH if best is None else str(best.path)


def config_kwargs(values: dict[str, Any], init: str, device_type: str) -> dict[str, Any]:
    """``TrainConfig`` keyword arguments (besides output, data) for the form's values."""
    kwargs: dict[str, Any] = {
        "depth_um": float(values["depth_um"]),
        "init": init,
        "epochs": values["epochs"] or None,
        "max_minutes": float(values["minutes"]) or None,
        "epoch_steps": values["epoch_steps"] or None,
        "lr": float(values["lr"]),
        "crop": int(values["crop"]),
        "batch": values["batch"] or device_defaults(device_type)["batch"],
        "val_fraction": float(values["val_fraction"]),
        "pixel_size_um": float(values["pixel_size_um"]) or None,
        "keep": str(values["keep"]),
        "device": str(values["device"]),
    }
    if init == SCRATCH:
        kwargs.update({key: values[key] for key in NETWORK_KEYS})
    return kwargs


def make_config(values: dict[str, Any], init: str, depth_um: float | None = None) -> Any:
    """The ``TrainConfig`` of the forms' ``values`` (``depth_um``: overrides the form's
    distance, e.g. a z-stack's paired plane); per-device defaults for the resolved device."""
    from napari_defocus_deblur.inference.device import resolve_device

    if depth_um is not None:
        values = {**values, "depth_um": depth_um}
    device = resolve_device(str(values["device"])).type
    kwargs = config_kwargs(values, init, device)
    return TrainConfig(output_dir=output_dir(values["output"]), **kwargs)


def output_dir(value: Any) -> Path:
    """The chosen checkpoint folder, or a fresh one in the user's model folder."""
    text = str(value or "").strip()
    if text in ("", "."):
        return user_models_dir() / _dt.datetime.now().strftime("model-%Y%m%d-%H%M%S")
    return Path(text).expanduser()


def _home(path: Path) -> str:
    """``~/…`` for paths in the home folder (short enough to read in a narrow dock)."""
    try:
        return "~/" + str(Path(path).relative_to(Path.home()))
    except ValueError:
        return str(path)
