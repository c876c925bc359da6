"""Shape helpers shared by the networks and the multi-scale loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F

#: Smallest image side the networks accept.
MIN_SIZE = 16


def check_input(x: torch.Tensor, in_channels: int) -> None:
    """Raise a clear ``ValueError`` for tensors the networks cannot process."""
    if x.ndim != 4:
        raise ValueError(f"expected a (N, C, H, W) tensor, got shape {tuple(x.shape)}")
    if x.shape[1] != in_channels:
        raise ValueError(
            f"the model expects {in_channels} channel(s), got {x.shape[1]} "
            f"(tensor shape {tuple(x.shape)})"
        )
    h, w = x.shape[-2:]
    if h < MIN_SIZE or w < MIN_SIZE:
        raise ValueError(
            f"image of {h}x{w} pixels is too small: both sides must be at least {MIN_SIZE}"
        )


def pad_to_multiple(x: torch.Tensor, multiple: int) -> torch.Tensor:
    """Reflect-pad the bottom/right of ``x`` so H and W are multiples of ``multiple``.

    Reflection is repeated when the padding is larger than the image side, so any
    image of at least 2 pixels per side can be padded.
    """
    h, w = x.shape[-2:]
    pad_h = (-h) % multiple
    pad_w = (-w) % multiple
    while pad_h > 0 or pad_w > 0:
        step_h = min(pad_h, x.shape[-2] - 1)
        step_w = min(pad_w, x.shape[-1] - 1)
        x = F.pad(x, (0, step_w, 0, step_h), mode="reflect")
        pad_h -= step_h
        pad_w -= step_w
    return x


def downsample(x: torch.Tensor, factor: int) -> torch.Tensor:
    """Area downsampling by an integer ``factor`` (input padded to a multiple first)."""
    if factor == 1:
        return x
    return F.avg_pool2d(pad_to_multiple(x, factor), factor)


def scaled_size(h: int, w: int, factor: int) -> tuple[int, int]:
    """Size of the region of an ``h`` x ``w`` image after downsampling by ``factor``."""
    return -(-h // factor), -(-w // factor)


def pyramid(x: torch.Tensor, scales: int) -> list[torch.Tensor]:
    """``[x, x/2, x/4, ...]`` (fine to coarse), each cropped to the image's footprint."""
    h, w = x.shape[-2:]
    out = []
    for k in range(scales):
        f = 2**k
        hk, wk = scaled_size(h, w, f)
        out.append(downsample(x, f)[..., :hk, :wk])
    return out


def depth_tensor(depth: torch.Tensor | float | None, x: torch.Tensor) -> torch.Tensor:
    """The defocus distance of each image of ``x`` as a float tensor of shape (N,)."""
    if depth is None:
        raise ValueError("this network is depth-conditioned: pass depth (micrometres)")
    d = torch.as_tensor(depth, dtype=torch.float32, device=x.device).reshape(-1)
    if d.numel() == 1:
        d = d.expand(x.shape[0])
    if d.numel() != x.shape[0]:
        raise ValueError(f"depth has {d.numel()} values for a batch of {x.shape[0]} images")
    return d


def with_condition(x: torch.Tensor, depth: torch.Tensor | None, unit: float) -> torch.Tensor:
    """``x`` with a constant plane ``depth / unit`` appended (``x`` itself when None)."""
    if depth is None:
        return x
    plane = (depth / unit).to(x.dtype).view(-1, 1, 1, 1)
    return torch.cat([x, plane.expand(-1, 1, *x.shape[-2:])], dim=1)
