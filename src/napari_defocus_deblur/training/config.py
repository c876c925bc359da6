"""Training configuration: one frozen pydantic dataclass, stored in every checkpoint.

Field types and bounds are declared once on :class:`TrainConfig` (distances and crop
read :mod:`napari_defocus_deblur.limits`); pydantic checks them, and a failure is one
readable line (:class:`~napari_defocus_deblur.errors.UserInputError` naming field and
bound). The per-device defaults (crop, batch, CPU time budget) come from one factory,
:func:`~napari_defocus_deblur.training.defaults.apply_device_defaults`, used by the CLI,
the Train widget and ``configs/``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator
from pydantic.dataclasses import dataclass

from napari_defocus_deblur.errors import UserInputError, describe_validation_error
from napari_defocus_deblur.limits import DEPTH_UM, MIN_SIDE_PX, PIXEL_SIZE_UM, TRAIN_DEPTH_UM

Count = Annotated[int, Field(strict=True, ge=1)]
Positive = Annotated[float, Field(gt=0)]
Distance = Annotated[float, Field(gt=DEPTH_UM[0], le=DEPTH_UM[1])]
PriorDistance = Annotated[float, Field(ge=TRAIN_DEPTH_UM[0], le=TRAIN_DEPTH_UM[1])]
_CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False, arbitrary_types_allowed=True)


@dataclass(frozen=True, config=_CONFIG)
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
        time budget (whichever ends first). All ``None``: :data:`~.defaults.DEFAULT_EPOCHS`.
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
    pixel_size_um
        Pixel size of the training images (µm, in the sample); ``None``: the size the
        z-stack files record when finer than BBBC006's, else BBBC006's 0.645 µm.
    regrid
        Bin images whose pixels are off BBBC006's onto its grid before training (the
        network keeps the nuclei and blur it learnt, and images of that microscope are
        binned alike at inference; :mod:`.pixels`); False trains on them as they are.
    condition
        ``"depth"`` trains a depth-conditioned network (an unconditioned ``init`` gains a
        zero-initialised depth input); ``None`` keeps the initial network's choice.
    upsample
        ``"resize"`` (lattice-free, zoo v3) or ``"transpose"`` decoder upsampling; an
        ``init`` network with the other kind is converted (to ``"resize"``: warm start,
        :func:`~napari_defocus_deblur.model.resize_upsampling`); ``None`` keeps the
        initial network's choice (``"resize"`` from scratch).
    prior, prior_fields, prior_depths_um, content_dir
        Train on fields simulated from a simulator preset (``"wide"``, ``"nominal"``)
        instead of a data folder: number of fields, range of distances (µm) and an
        optional folder of real in-focus images used as content for a quarter of them.
    depth_sampling
        How simulated fields get their distances in ``prior_depths_um``: ``"uniform"``
        (drawn independently: holes of several µm) or ``"stratified"`` (one stratum of
        the range per defocused field, one distance drawn in each: no holes).
    depth_jitter
        Relative spread of the distance a depth-conditioned network is *told* while it
        trains: each crop's true distance times ``exp(depth_jitter * N(0, 1))`` (0: the
        true one), as the estimate on the one-click path (``auto``) is off by about that
        fraction; validation always tells the true distance.
    nominal_optics_share
        Share of simulated training fields imaged with the nominal optics (calibrated
        BBBC006: NA 0.5, defocus scale 0.9, below focus), camera and content still from
        ``prior`` (preset ``<prior>+nominal-optics``); 0 (default): all from ``prior``.
    sparse_smooth_share
        Share of simulated training fields given few, smooth nuclei (preset
        ``<prior>+sparse-smooth``: content under 1 field in 250 of ``wide`` has, where a
        network told more blur than the image holds paints dark rims); 0 (default): none.
    bright_bodies_share
        Share of simulated training fields given 8-20 very bright compact bodies per
        field (preset ``<prior>+bright-bodies``: they hold most of a blurred field's
        squared error); chosen apart from the other draws, so the rest of the set is
        unchanged; 0 (default): none.
    harm_weight
        Weight of :func:`~napari_defocus_deblur.model.harm_loss` added to the multi-scale
        loss: a crop restored worse than its input counts about ``1 + harm_weight`` times
        (0, default: the paper's loss alone).
    harm_above_focus
        How many times the do-no-harm penalty counts a crop of a field imaged above focus
        (1-20; 1, default: as any other). Told the distance without the side, it holds
        less blur than told (above focus 10 µm blurs as 6.6 µm below, calibrated optics),
        where continued training paints dark rims first.
    early_stopping_patience
        Stop after this many epochs without a better validation PSNR (``None``: never).
    keep
        Weights a run that ends (length, time budget, early stopping) saves: ``"best"``
        (default), the best-validating epoch's, the starting network (epoch 0) included,
        so a fine-tune never saves a model below its start; ``"last"``, the last step's
        (a schedule's copies). A run stopped on request saves its last, to resume.
    checkpoint_every
        Also write the checkpoint every this many steps (it is always written after
        every epoch and at the end).
    resume
        Continue the run found in ``output_dir`` (weights, optimizer, step, RNG).
    overwrite
        Allow replacing a finished or stopped run in ``output_dir`` (else an error).
    """

    output_dir: Path
    depth_um: Distance | None = None
    depths_um: tuple[Distance, ...] | None = None
    architecture: Literal["head_to_tail", "nah"] = "head_to_tail"
    scales: Count | None = None
    fusion: Literal["sum", "concat"] | None = None
    base_channels: Count = 32
    levels: int = 4
    steps: Count | None = None
    epochs: Count | None = None
    max_minutes: Positive | None = None
    epoch_steps: Count | None = None
    crop: Annotated[int, Field(strict=True, ge=MIN_SIDE_PX)] = 128
    batch: Count = 8
    lr: Positive = 1e-3
    warmup: Annotated[int, Field(ge=0)] = 50
    schedule: Literal["cosine", "constant"] = "cosine"
    min_lr_ratio: Annotated[float, Field(ge=0.0, le=1.0)] = 0.01
    val_fraction: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.1
    split_seed: int = 0
    init: str = "scratch"
    device: str = "auto"
    seed: int = 0
    grad_clip: Positive | None = 1.0
    amp: bool = True
    pixel_size_um: Annotated[float, Field(ge=PIXEL_SIZE_UM[0], le=PIXEL_SIZE_UM[1])] | None = None
    regrid: bool = True
    condition: Literal["none", "depth"] | None = None
    upsample: Literal["resize", "transpose"] | None = None
    prior: str | None = None
    prior_fields: Annotated[int, Field(strict=True, ge=2)] = 256
    prior_depths_um: tuple[PriorDistance, PriorDistance] = (2.0, 44.0)
    content_dir: str | None = None
    depth_sampling: Literal["uniform", "stratified"] = "uniform"
    depth_jitter: Annotated[float, Field(ge=0.0, le=0.5)] = 0.0
    nominal_optics_share: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    sparse_smooth_share: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    bright_bodies_share: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    harm_weight: Annotated[float, Field(ge=0.0, le=100.0)] = 0.0
    harm_above_focus: Annotated[float, Field(ge=1.0, le=20.0)] = 1.0
    early_stopping_patience: Count | None = 10
    keep: Literal["best", "last"] = "best"
    checkpoint_every: Count | None = None
    resume: bool = False
    overwrite: bool = False

    @field_validator("output_dir", mode="before")
    @classmethod
    def _path(cls, value: Any) -> Path:
        return Path(value).expanduser()

    def __post_init__(self) -> None:
        """The checks that involve several fields (the bounds are declared above)."""
        if self.depths_um is not None:
            if self.depth_um is not None:
                raise UserInputError("give either depth_um or depths_um, not both")
            if not self.depths_um or len(set(self.depths_um)) != len(self.depths_um):
                raise UserInputError(
                    f"depths_um must be distinct positive distances, got {list(self.depths_um)}"
                )
        lo, hi = self.prior_depths_um
        if lo > hi:
            raise UserInputError(f"prior_depths_um must be [lo, hi] µm, got {[lo, hi]}")
        if self.prior is not None:
            from napari_defocus_deblur.simulate.prior import get_prior

            get_prior(self.prior)
        if self.prior is not None and self.pixel_size_um is not None:
            raise UserInputError("a pixel size applies to data folders, not to a simulator prior")
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
        """JSON-serialisable dict (paths as strings, tuples as lists)."""
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


def _readable_init(cls: type) -> type:
    """Make ``cls(...)`` raise :class:`UserInputError` (one line) instead of pydantic's."""
    init = cls.__init__

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            init(self, *args, **kwargs)
        except ValidationError as exc:
            raise UserInputError(describe_validation_error(exc)) from None

    cls.__init__ = __init__  # type: ignore[method-assign]
    return cls


_readable_init(TrainConfig)
