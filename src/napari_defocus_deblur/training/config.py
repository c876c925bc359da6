"""Training configuration: one frozen dataclass, stored in every checkpoint's record."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from napari_defocus_deblur.errors import UserInputError

#: Epochs when neither ``steps``, ``epochs`` nor ``max_minutes`` is given (the paper's 80).
DEFAULT_EPOCHS = 80
#: Crop and batch size per device type. CPU values are chosen so that fine-tuning on a
#: laptop gives a measurable gain in minutes (see ``benchmarks/finetune_laptop.py``).
DEVICE_DEFAULTS = {"cpu": {"crop": 128, "batch": 2}, "cuda": {"crop": 128, "batch": 8}}
#: Time budget (minutes) of a CPU run whose length is not given (``defocus-deblur train``
#: without --steps/--epochs/--max-minutes, and the Train widget's default).
CPU_DEFAULT_MINUTES = 5.0


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run.

    Parameters
    ----------
    output_dir
        Checkpoint directory (weights, ``config.json`` with the training record,
        ``optimizer.safetensors``, ``training_state.json``).
    depth_um
        Defocus distance the model is trained for; ``None`` takes it from the data.
    depths_um
        Several distances to train one distance-agnostic model on (fields of every
        distance are pooled; give this or ``depth_um``, not both).
    architecture, scales, fusion, base_channels, levels
        Network built when ``init="scratch"``. ``scales``/``fusion`` ``None`` mean
        4 / ``"sum"`` from scratch, or the initial checkpoint's values otherwise.
    steps, epochs, max_minutes
        Length of the run: a number of optimisation steps, of epochs, and/or a wall
        time budget (whichever ends first). All ``None``: :data:`DEFAULT_EPOCHS`.
    epoch_steps
        Steps per epoch; ``None``: one pass over the training pixels
        (``ceil(train pixels / (crop**2 * batch))``). Validation runs after each epoch.
    crop, batch
        Random square crop side in pixels and crops per step.
    lr, warmup, schedule, min_lr_ratio
        Adam learning rate, linear warm-up steps, ``"cosine"`` or ``"constant"``
        schedule, and the cosine schedule's final fraction of ``lr``.
    val_fraction, split_seed
        Share of fields held out for validation, and the seed of the field split.
    init
        ``"scratch"``, a bundled model name (e.g. ``"bbbc006-34um-sum"``) or a
        checkpoint directory to fine-tune from.
    device
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...
    seed
        Seed of the weight initialisation and of the crop sampling.
    grad_clip
        Maximum global gradient norm (``None``: no clipping).
    amp
        Allow bfloat16 autocast: on CUDA, and on CPUs with bf16 matrix units (the one
        rule of training and inference, ``inference.device.training_uses_bf16``).
    condition
        ``"depth"`` trains a depth-conditioned network (an unconditioned ``init`` gains a
        zero-initialised depth input); ``None`` keeps the initial network's choice.
    upsample
        ``"resize"`` (lattice-free, zoo v3) or ``"transpose"`` decoder upsampling; an
        ``init`` network with the other kind is converted (``"resize"`` from a
        transposed-convolution network: warm start, see
        :func:`~napari_defocus_deblur.model.resize_upsampling`); ``None`` keeps the
        initial network's choice (``"resize"`` from scratch).
    prior, prior_fields, prior_depths_um, content_dir
        Train on fields simulated from a simulator preset (``"wide"``, ``"nominal"``)
        instead of a data folder: number of fields, range of distances (µm) and an
        optional folder of real in-focus images used as content for a quarter of them.
    early_stopping_patience
        Stop after this many epochs without a better validation PSNR (``None``: never).
    checkpoint_every
        Also write the checkpoint every this many steps (it is always written after
        every epoch and at the end).
    resume
        Continue the run found in ``output_dir`` (weights, optimizer, step, RNG).
    overwrite
        Allow replacing a finished or stopped run in ``output_dir`` (else an error).
    """

    output_dir: Path | str
    depth_um: float | None = None
    depths_um: tuple[float, ...] | None = None
    architecture: str = "head_to_tail"
    scales: int | None = None
    fusion: str | None = None
    base_channels: int = 32
    levels: int = 4
    steps: int | None = None
    epochs: int | None = None
    max_minutes: float | None = None
    epoch_steps: int | None = None
    crop: int = 128
    batch: int = 8
    lr: float = 1e-3
    warmup: int = 50
    schedule: str = "cosine"
    min_lr_ratio: float = 0.01
    val_fraction: float = 0.1
    split_seed: int = 0
    init: str = "scratch"
    device: str = "auto"
    seed: int = 0
    grad_clip: float | None = 1.0
    amp: bool = True
    condition: str | None = None
    upsample: str | None = None
    prior: str | None = None
    prior_fields: int = 256
    prior_depths_um: tuple[float, float] = (2.0, 44.0)
    content_dir: str | None = None
    early_stopping_patience: int | None = 10
    checkpoint_every: int | None = None
    resume: bool = False
    overwrite: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "output_dir", Path(self.output_dir).expanduser())
        positive = {
            "steps": self.steps,
            "epochs": self.epochs,
            "epoch_steps": self.epoch_steps,
            "batch": self.batch,
            "early_stopping_patience": self.early_stopping_patience,
            "checkpoint_every": self.checkpoint_every,
            "scales": self.scales,
            "base_channels": self.base_channels,
        }
        for name, value in positive.items():
            if value is not None and (not isinstance(value, int) or value < 1):
                raise UserInputError(f"{name} must be a positive integer, got {value!r}")
        if self.crop < 16:
            raise UserInputError(f"crop must be at least 16 pixels, got {self.crop}")
        if self.warmup < 0:
            raise UserInputError(f"warmup must be >= 0 steps, got {self.warmup}")
        for name in ("lr", "max_minutes", "grad_clip", "depth_um"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise UserInputError(f"{name} must be positive, got {value!r}")
        if self.depths_um is not None:
            if self.depth_um is not None:
                raise UserInputError("give either depth_um or depths_um, not both")
            depths = tuple(float(d) for d in self.depths_um)
            if not depths or any(not d > 0 for d in depths) or len(set(depths)) != len(depths):
                raise UserInputError(
                    f"depths_um must be distinct positive distances, got {self.depths_um!r}"
                )
            object.__setattr__(self, "depths_um", depths)
        if not 0.0 <= self.min_lr_ratio <= 1.0:
            raise UserInputError(f"min_lr_ratio must be in [0, 1], got {self.min_lr_ratio}")
        if not 0.0 < self.val_fraction < 1.0:
            raise UserInputError(f"val_fraction must be in (0, 1), got {self.val_fraction}")
        if self.schedule not in ("cosine", "constant"):
            raise UserInputError(f"schedule must be 'cosine' or 'constant', got {self.schedule!r}")
        if self.architecture not in ("head_to_tail", "nah"):
            raise UserInputError(
                f"architecture must be 'head_to_tail' or 'nah', got {self.architecture!r}"
            )
        if self.fusion is not None and self.fusion not in ("sum", "concat"):
            raise UserInputError(f"fusion must be 'sum' or 'concat', got {self.fusion!r}")
        if self.condition not in (None, "none", "depth"):
            raise UserInputError(f"condition must be 'none' or 'depth', got {self.condition!r}")
        if self.upsample not in (None, "resize", "transpose"):
            raise UserInputError(
                f"upsample must be 'resize' or 'transpose', got {self.upsample!r}"
            )
        if self.prior is not None:
            from napari_defocus_deblur.simulate.prior import get_prior

            get_prior(self.prior)
        if not isinstance(self.prior_fields, int) or self.prior_fields < 2:
            raise UserInputError(f"prior_fields must be an integer >= 2, got {self.prior_fields}")
        depths = tuple(float(d) for d in self.prior_depths_um)
        if len(depths) != 2 or not 0 <= depths[0] <= depths[1] <= 200:
            raise UserInputError(f"prior_depths_um must be [lo, hi] µm, got {depths}")
        object.__setattr__(self, "prior_depths_um", depths)
        if self.steps is not None and self.epochs is not None:
            raise UserInputError("give either steps or epochs, not both")

    @property
    def from_scratch(self) -> bool:
        """True when the network is freshly initialised."""
        return self.init == "scratch"

    def model_options(self) -> dict[str, Any]:
        """Keyword arguments of ``build_model`` for a network trained from scratch."""
        return {
            "architecture": self.architecture,
            "scales": self.scales or 4,
            "fusion": self.fusion or "sum",
            "base_channels": self.base_channels,
            "levels": self.levels,
            "condition": self.condition or "none",
            "upsample": self.upsample or "resize",
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (paths as strings)."""
        data = asdict(self)
        data["output_dir"] = str(self.output_dir)
        if self.depths_um is not None:
            data["depths_um"] = list(self.depths_um)
        data["prior_depths_um"] = list(self.prior_depths_um)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UserInputError(f"unknown training config keys: {', '.join(unknown)}")
        for key in ("depths_um", "prior_depths_um"):
            if isinstance(data.get(key), list):
                data = {**data, key: tuple(data[key])}
        return cls(**data)

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> TrainConfig:
        """Read a JSON config file (as in ``configs/``); ``overrides`` win."""
        data = read_config_file(path)
        data.update(overrides)
        return cls.from_dict(data)


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Fields of a JSON training config; keys starting with ``_`` are comments."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserInputError(f"cannot read training config {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise UserInputError(f"training config {path} must hold a JSON object")
    return {k: v for k, v in data.items() if not k.startswith("_")}


def device_defaults(device_type: str) -> dict[str, int]:
    """Default ``crop`` and ``batch`` for a device type (``"cpu"``, ``"cuda"``, ...)."""
    return dict(DEVICE_DEFAULTS.get(device_type, DEVICE_DEFAULTS["cpu"]))
