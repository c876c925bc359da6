"""The residual coarse-to-fine baseline of Nah et al. 2017 ("DeepDeblur").

Each scale k predicts a residual added to its blurred input (Eq. 2 of the NOTES):
``I_k = B_k + F_k([B_k, up(I_{k+1})])``. Scales have their own weights, as in the
original; widths and depths are reduced to the paper's parameter budget (~1.77M).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from napari_defocus_deblur.model.blocks import ResBlock, init_weights
from napari_defocus_deblur.model.config import DEPTH_UNIT_UM, ModelConfig
from napari_defocus_deblur.model.ops import (
    check_input,
    depth_tensor,
    pad_to_multiple,
    pyramid,
    scaled_size,
    with_condition,
)


class NahNet(nn.Module):
    """Residual multi-scale CNN; ``forward_multiscale`` gives fine-to-coarse outputs."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.config = cfg
        c, cin = cfg.nah_channels, cfg.in_channels
        self.scales = nn.ModuleList()
        for s in range(cfg.scales):
            first = cin if s == cfg.scales - 1 else 2 * cin  # finer scales see up(I_{k+1})
            first += cfg.input_planes - cin  # the depth plane of conditioned networks
            self.scales.append(
                nn.Sequential(
                    nn.Conv2d(first, c, 3, padding=1),
                    *(ResBlock(c, cfg.activation) for _ in range(cfg.nah_resblocks)),
                    nn.Conv2d(c, cfg.out_channels, 3, padding=1),
                )
            )
        init_weights(self)
        for seq in self.scales:  # residual branches start near identity
            nn.init.normal_(seq[-1].weight, std=1e-3)

    def forward_multiscale(
        self, x: torch.Tensor, depth: torch.Tensor | float | None = None
    ) -> list[torch.Tensor]:
        cfg = self.config
        check_input(x, cfg.in_channels)
        cond = depth_tensor(depth, x) if cfg.conditioned else None
        h, w = x.shape[-2:]
        inputs = pyramid(pad_to_multiple(x, cfg.size_multiple), cfg.scales)
        outputs: list[torch.Tensor] = [None] * cfg.scales  # type: ignore[list-item]
        prev = None
        for s in range(cfg.scales - 1, -1, -1):
            b = inputs[s]
            feats = b if prev is None else torch.cat([b, self._up_to(prev, b)], dim=1)
            prev = b + self.scales[s](with_condition(feats, cond, DEPTH_UNIT_UM))
            hk, wk = scaled_size(h, w, 2**s)
            outputs[s] = prev[..., :hk, :wk]
        return outputs

    @staticmethod
    def _up_to(img: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        return F.interpolate(img, size=ref.shape[-2:], mode="bilinear", align_corners=False)

    def forward(self, x: torch.Tensor, depth: torch.Tensor | float | None = None) -> torch.Tensor:
        return self.forward_multiscale(x, depth)[0]
