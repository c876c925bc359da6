"""Training defaults that depend on the device: the one place the CLI, the Train widget
and ``configs/`` take them from (:class:`~.config.TrainConfig` declares the others)."""

from __future__ import annotations

from typing import Any

#: Epochs when neither ``steps``, ``epochs`` nor ``max_minutes`` is given (the paper's 80).
DEFAULT_EPOCHS = 80
#: Crop and batch size per device type. CPU values are chosen so that fine-tuning on a
#: laptop gives a measurable gain in minutes (see ``benchmarks/finetune_laptop.py``).
DEVICE_DEFAULTS = {"cpu": {"crop": 128, "batch": 2}, "cuda": {"crop": 128, "batch": 8}}
#: Time budget (minutes) of a CPU run whose length is not given (``defocus-deblur train``
#: without --steps/--epochs/--max-minutes, and the Train widget's default).
CPU_DEFAULT_MINUTES = 5.0


def device_defaults(device_type: str) -> dict[str, int]:
    """Default ``crop`` and ``batch`` for a device type (``"cpu"``, ``"cuda"``, ...)."""
    return dict(DEVICE_DEFAULTS.get(device_type, DEVICE_DEFAULTS["cpu"]))


def apply_device_defaults(values: dict[str, Any], device_type: str) -> list[str]:
    """THE per-device defaults factory: fill in ``values`` (TrainConfig fields) in place.

    Crop and batch not given take the device's (:data:`DEVICE_DEFAULTS`); a CPU run of
    unspecified length (no ``steps``, ``epochs`` or ``max_minutes``) gets
    :data:`CPU_DEFAULT_MINUTES`. Returns the notes to show the user.
    """
    for key, value in device_defaults(device_type).items():
        if values.get(key) is None:
            values[key] = value
    if device_type != "cpu" or any(
        values.get(k) is not None for k in ("steps", "epochs", "max_minutes")
    ):
        return []
    values["max_minutes"] = CPU_DEFAULT_MINUTES
    return [
        f"training on the CPU for {CPU_DEFAULT_MINUTES:g} minutes "
        "(set --steps, --epochs or --max-minutes to change)"
    ]
