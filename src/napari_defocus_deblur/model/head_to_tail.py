"""Multi-scale U-Net with head-to-tail cross-scale fusion.

Implements the network of "Defocus Deblur Microscopy via head-to-tail cross-scale
fusion" (arXiv:2201.02876; Eqs. 3-5, 7, 8 as reconstructed in ``docs/architecture.md``):
K U-Net sub-networks from coarse to fine, where the decoder features of the coarser
sub-network are fused into the encoder of the finer one at every level. Each
sub-network predicts its image directly (no image-level residual). ``scales=1`` is the
plain U-Net baseline.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from napari_defocus_deblur.model.blocks import DoubleConv, init_weights
from napari_defocus_deblur.model.config import DEPTH_UNIT_UM, ModelConfig
from napari_defocus_deblur.model.ops import (
    check_input,
    depth_tensor,
    pad_to_multiple,
    pyramid,
    scaled_size,
    with_condition,
)


def _up2(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


class _Body(nn.Module):
    """U-Net levels 2..L (encoder blocks, transposed convs and decoder blocks)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        ch = [cfg.base_channels * 2**i for i in range(cfg.levels)]
        self.enc = nn.ModuleList(
            DoubleConv(ch[i - 1], ch[i], cfg.norm, cfg.activation) for i in range(1, cfg.levels)
        )
        # up[i] maps level i+2 -> level i+1 (0-based level index i+1), dec likewise
        self.up = nn.ModuleList(
            nn.ConvTranspose2d(ch[i + 1], ch[i], 2, stride=2) for i in range(1, cfg.levels - 1)
        )
        self.dec = nn.ModuleList(
            DoubleConv(2 * ch[i], ch[i], cfg.norm, cfg.activation)
            for i in range(1, cfg.levels - 1)
        )


class _Head(nn.Module):
    """Scale-specific level-1 layers: first encoder block, last decoder block, output."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        c = cfg.base_channels
        self.enc = DoubleConv(cfg.input_planes, c, cfg.norm, cfg.activation)
        self.up = nn.ConvTranspose2d(2 * c, c, 2, stride=2)
        self.dec = DoubleConv(2 * c, c, cfg.norm, cfg.activation)
        self.out = nn.Conv2d(c, cfg.out_channels, 1)


class _Fusion(nn.Module):
    """Phi(E, D) at one level: fuse a coarse decoder map into a fine encoder map."""

    def __init__(self, enc_ch: int, dec_ch: int, mode: str, upsample: bool) -> None:
        super().__init__()
        self.mode = mode
        self.upsample = upsample
        if mode == "sum":  # Eq. 7: E + up(D), channels matched by a 1x1 projection
            self.proj = nn.Conv2d(dec_ch, enc_ch, 1)
        else:  # Eq. 8: conv([E, up(D)])
            self.proj = nn.Conv2d(enc_ch + dec_ch, enc_ch, 1)

    def forward(self, e: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
        if self.mode == "sum":
            d = self.proj(d)
            return e + (_up2(d) if self.upsample else d)
        d = _up2(d) if self.upsample else d
        return self.proj(torch.cat([e, d], dim=1))


class HeadToTailNet(nn.Module):
    """The head-to-tail multi-scale U-Net; build it with :func:`build_model`.

    ``forward(x)`` returns the full-resolution prediction with ``x``'s shape;
    ``forward_multiscale(x)`` returns the per-scale predictions (fine to coarse) used by
    the multi-scale loss (Eq. 6).
    """

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.config = cfg
        k, levels = cfg.scales, cfg.levels
        ch = [cfg.base_channels * 2**i for i in range(levels)]
        n_bodies = 1 if cfg.share_weights else k
        self.bodies = nn.ModuleList(_Body(cfg) for _ in range(n_bodies))
        self.heads = nn.ModuleList(_Head(cfg) for _ in range(k))
        # fusions[s] feeds sub-network s (0 = finest) from sub-network s+1
        shifted = cfg.pairing == "shifted"
        self.fusions = nn.ModuleList()
        for _ in range(k - 1):
            if shifted:  # fine level l+1 <- coarse level l, same resolution
                layers = [_Fusion(ch[i + 1], ch[i], cfg.fusion, False) for i in range(levels - 1)]
            else:  # fine level l <- coarse level l, upsampled by 2
                layers = [_Fusion(ch[i], ch[i], cfg.fusion, True) for i in range(levels)]
            self.fusions.append(nn.ModuleList(layers))
        init_weights(self)

    def _fuse(self, s: int, level: int, e: torch.Tensor, coarse: list | None) -> torch.Tensor:
        if coarse is None:
            return e
        if self.config.pairing == "shifted":
            if level == 0:
                return e
            return self.fusions[s][level - 1](e, coarse[level - 1])
        return self.fusions[s][level](e, coarse[level])

    def _subnet(
        self, s: int, x: torch.Tensor, coarse: list | None
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Run sub-network ``s`` on ``x``; return its image and decoder features by level."""
        head = self.heads[s]
        body = self.bodies[0 if self.config.share_weights else s]
        skips = [self._fuse(s, 0, head.enc(x), coarse)]
        for i, block in enumerate(body.enc, start=1):
            skips.append(self._fuse(s, i, block(F.max_pool2d(skips[-1], 2)), coarse))
        d = skips[-1]  # bottleneck: encoder and decoder map of the deepest level
        decoded = [d]
        for i in range(len(body.dec) - 1, -1, -1):
            d = body.dec[i](torch.cat([body.up[i](d), skips[i + 1]], dim=1))
            decoded.append(d)
        d = head.dec(torch.cat([head.up(d), skips[0]], dim=1))
        decoded.append(d)
        return head.out(d), decoded[::-1]  # decoder features ordered level 1..L

    def forward_multiscale(
        self, x: torch.Tensor, depth: torch.Tensor | float | None = None
    ) -> list[torch.Tensor]:
        """Per-scale predictions, finest first, each cropped to the input's footprint.

        ``depth`` (micrometres, a number or one value per image) is required by
        depth-conditioned networks and ignored by the others.
        """
        cfg = self.config
        check_input(x, cfg.in_channels)
        cond = depth_tensor(depth, x) if cfg.conditioned else None
        h, w = x.shape[-2:]
        inputs = pyramid(pad_to_multiple(x, cfg.size_multiple), cfg.scales)
        outputs: list[torch.Tensor] = [None] * cfg.scales  # type: ignore[list-item]
        coarse = None
        for s in range(cfg.scales - 1, -1, -1):
            out, coarse = self._subnet(s, with_condition(inputs[s], cond, DEPTH_UNIT_UM), coarse)
            hk, wk = scaled_size(h, w, 2**s)
            outputs[s] = out[..., :hk, :wk]
        return outputs

    def forward(self, x: torch.Tensor, depth: torch.Tensor | float | None = None) -> torch.Tensor:
        return self.forward_multiscale(x, depth)[0]
