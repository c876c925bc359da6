"""Model configuration: a frozen dataclass that round-trips through JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from napari_defocus_deblur.errors import UserInputError

Architecture = Literal["head_to_tail", "nah"]
Fusion = Literal["sum", "concat"]

_CHOICES: dict[str, tuple[Any, ...]] = {
    "architecture": ("head_to_tail", "nah"),
    "fusion": ("sum", "concat"),
    "pairing": ("upsample", "shifted"),
    "norm": ("none", "batch", "group"),
    "activation": ("relu", "leaky_relu", "gelu"),
    "condition": ("none", "depth"),
    "upsample": ("resize", "transpose"),
}

#: Values of options added after checkpoints were first written: a config.json without
#: the key was written by a network built that way (v1/v2 upsampled by transposed
#: convolutions).
LEGACY_DEFAULTS: dict[str, Any] = {"upsample": "transpose"}


def with_legacy_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the :data:`LEGACY_DEFAULTS` of keys it lacks (old checkpoints)."""
    return {**{k: v for k, v in LEGACY_DEFAULTS.items() if k not in data}, **data}


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild a network; stored as JSON beside the weights.

    Parameters
    ----------
    architecture
        ``"head_to_tail"`` (the paper's network; ``scales=1`` is the plain U-Net) or
        ``"nah"`` (the residual coarse-to-fine baseline of Nah et al. 2017).
    scales
        Number of sub-networks K, coarse (1/2**(K-1)) to fine (full resolution).
    fusion
        Head-to-tail fusion operator: ``"sum"`` (Eq. 7) or ``"concat"`` (Eq. 8).
    in_channels, out_channels
        Image channels in and out (1 for one fluorescence channel).
    base_channels
        Feature channels at the first U-Net level; doubled at every level below.
    levels
        U-Net levels including the bottleneck (4 -> three poolings).
    share_weights
        Share the inner U-Net body across scales (Gao et al. 2019); the first
        encoder block, last decoder block and output layer stay scale-specific.
    pairing
        Which coarse decoder level feeds which fine encoder level: ``"upsample"``
        pairs the same level and upsamples the coarse features by 2; ``"shifted"``
        pairs fine level l+1 with coarse level l (same resolution).
    norm, activation
        Normalisation and nonlinearity inside convolution blocks.
    nah_channels, nah_resblocks
        Width and residual blocks per scale of the Nah et al. baseline.
    condition
        ``"none"``, or ``"depth"``: the network is told the defocus distance (an extra
        constant input plane ``depth_um / 34`` at every scale), so one network serves
        every distance and the caller's depth changes its output.
    upsample
        2x upsampling in the U-Net decoders: ``"resize"`` (bilinear resize then a 3x3
        convolution; no lattice, the default since zoo v3) or ``"transpose"`` (stride-2
        transposed convolution as in the paper; paints a period-2/4 grid; what v1/v2
        checkpoints without this key use).
    """

    architecture: Architecture = "head_to_tail"
    scales: int = 4
    fusion: Fusion = "sum"
    in_channels: int = 1
    out_channels: int = 1
    base_channels: int = 32
    levels: int = 4
    share_weights: bool = True
    pairing: str = "upsample"
    norm: str = "none"
    activation: str = "relu"
    nah_channels: int = 64
    nah_resblocks: int = 8
    condition: str = "none"
    upsample: str = "resize"

    def __post_init__(self) -> None:
        for name, choices in _CHOICES.items():
            value = getattr(self, name)
            if value not in choices:
                raise UserInputError(
                    f"{name}={value!r} is not supported; choose one of {', '.join(choices)}"
                )
        for name in ("scales", "in_channels", "out_channels", "base_channels", "levels"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise UserInputError(f"{name} must be a positive integer, got {value!r}")
        if self.levels < 2:
            raise UserInputError(f"levels must be at least 2, got {self.levels}")
        if self.scales > 6:
            raise UserInputError(f"scales must be at most 6, got {self.scales}")

    @property
    def label(self) -> str:
        """Short human-readable name, e.g. ``"head-to-tail K=4 sum"``."""
        if self.architecture == "nah":
            return f"Nah et al. K={self.scales}" + (
                ", depth-conditioned" if self.condition == "depth" else ""
            )
        suffix = ", depth-conditioned" if self.condition == "depth" else ""
        if self.scales == 1:
            return "U-Net" + suffix
        return f"head-to-tail K={self.scales} {self.fusion}{suffix}"

    @property
    def conditioned(self) -> bool:
        """Whether the network takes the defocus distance as an input."""
        return self.condition == "depth"

    @property
    def input_planes(self) -> int:
        """Planes the first convolution of every scale sees (image + condition)."""
        return self.in_channels + (1 if self.conditioned else 0)

    @property
    def size_multiple(self) -> int:
        """Input sizes the network handles without padding are multiples of this."""
        if self.architecture == "nah":
            return 2 ** (self.scales - 1)
        return 2 ** (self.scales - 1) * 2 ** (self.levels - 1)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Rebuild from :meth:`to_dict` output; unknown keys are an error."""
        if not isinstance(data, dict):
            raise UserInputError("a model config must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UserInputError(f"unknown model config keys: {', '.join(unknown)}")
        return cls(**with_legacy_defaults(data))
