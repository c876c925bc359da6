"""The networks, in one self-contained file that needs nothing but torch.

:class:`HeadToTailNet` is the multi-scale U-Net with head-to-tail cross-scale fusion of
"Defocus Deblur Microscopy via head-to-tail cross-scale fusion" (arXiv:2201.02876; Eqs.
3-5, 7, 8 as reconstructed in ``docs/architecture.md``; ``scales=1``: plain U-Net).
:class:`NahNet` is the residual baseline of Nah et al. 2017. Both share the coarse-to-fine
loop of :class:`MultiScaleNet` and take a ``ModelConfig``-like object. Export copies this
file unchanged into model packages.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

#: Smallest image side the networks accept.
MIN_SIZE = 16
#: A depth-conditioned network sees ``depth_um / DEPTH_UNIT_UM`` as an extra input plane.
DEPTH_UNIT_UM = 34.0


def check_input(x: torch.Tensor, in_channels: int) -> None:
    """Raise a clear ``ValueError`` for tensors the networks cannot process."""
    if x.ndim != 4:
        raise ValueError(f"expected a (N, C, H, W) tensor, got shape {tuple(x.shape)}")
    if x.shape[1] != in_channels:
        raise ValueError(f"the model expects {in_channels} channel(s), got {tuple(x.shape)}")
    if min(x.shape[-2:]) < MIN_SIZE:
        h, w = x.shape[-2:]
        raise ValueError(f"image {h}x{w} is too small: both sides must be at least {MIN_SIZE}")


def pad_to_multiple(x: torch.Tensor, multiple: int) -> torch.Tensor:
    """Reflect-pad the bottom/right of ``x`` to multiples of ``multiple`` (repeatedly)."""
    pad_h, pad_w = (-x.shape[-2]) % multiple, (-x.shape[-1]) % multiple
    while pad_h > 0 or pad_w > 0:
        step_h, step_w = min(pad_h, x.shape[-2] - 1), min(pad_w, x.shape[-1] - 1)
        x = F.pad(x, (0, step_w, 0, step_h), mode="reflect")
        pad_h, pad_w = pad_h - step_h, pad_w - step_w
    return x


def scaled_size(h: int, w: int, factor: int) -> tuple[int, int]:
    """Size of the region of an ``h`` x ``w`` image after downsampling by ``factor``."""
    return -(-h // factor), -(-w // factor)


def pyramid(x: torch.Tensor, scales: int) -> list[torch.Tensor]:
    """``[x, x/2, x/4, ...]`` (fine to coarse, area downsampling), cropped to the image."""
    out = [x]
    for k in range(1, scales):
        hk, wk = scaled_size(*x.shape[-2:], 2**k)
        out.append(F.avg_pool2d(pad_to_multiple(x, 2**k), 2**k)[..., :hk, :wk])
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


def with_condition(x: torch.Tensor, depth: torch.Tensor | None) -> torch.Tensor:
    """``x`` with a constant plane ``depth / DEPTH_UNIT_UM`` appended (``x`` if None)."""
    if depth is None:
        return x
    plane = (depth / DEPTH_UNIT_UM).to(x.dtype).view(-1, 1, 1, 1)
    return torch.cat([x, plane.expand(-1, 1, *x.shape[-2:])], dim=1)


def activation(name: str) -> nn.Module:
    """The nonlinearity called ``name`` in the configuration (relu, leaky_relu, gelu)."""
    if name in ("relu", "leaky_relu"):
        return nn.ReLU(inplace=True) if name == "relu" else nn.LeakyReLU(0.2, inplace=True)
    return nn.GELU()


def normalisation(name: str, channels: int) -> nn.Module:
    """The normalisation layer called ``name`` in the configuration (none, batch, group)."""
    if name == "batch":
        return nn.BatchNorm2d(channels)
    return nn.GroupNorm(min(8, channels), channels) if name == "group" else nn.Identity()


def init_weights(module: nn.Module) -> None:
    """He (Kaiming) normal convolutions and zero biases: usable signal through ReLU stacks."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class DoubleConv(nn.Sequential):
    """Two 3x3 convolutions, each followed by normalisation and activation."""

    def __init__(self, cin: int, cout: int, norm: str = "none", act: str = "relu") -> None:
        bias = norm == "none"
        super().__init__(
            nn.Conv2d(cin, cout, 3, padding=1, bias=bias),
            normalisation(norm, cout),
            activation(act),
            nn.Conv2d(cout, cout, 3, padding=1, bias=bias),
            normalisation(norm, cout),
            activation(act),
        )


class ResizeConv(nn.Module):
    """2x upsampling without a lattice: bilinear resize, then a 3x3 convolution (a stride-2
    transposed convolution paints a period-2 grid: Odena et al. 2016)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(_up2(x))


def upsampler(cfg, cin: int, cout: int) -> nn.Module:
    """The 2x upsampling layer of ``cfg.upsample``: ``"resize"`` or (v1/v2) ``"transpose"``."""
    if getattr(cfg, "upsample", "transpose") == "transpose":
        return nn.ConvTranspose2d(cin, cout, 2, stride=2)
    return ResizeConv(cin, cout)


class ResBlock(nn.Module):
    """conv-act-conv with an identity shortcut (no normalisation, as in Nah et al.)."""

    def __init__(self, channels: int, act: str = "relu") -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1),
            activation(act),
            nn.Conv2d(channels, channels, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class MultiScaleNet(nn.Module):
    """Coarse-to-fine loop shared by both networks; subclasses define ``scale_step``.

    ``forward(x, depth)`` returns the full-resolution prediction with ``x``'s shape;
    ``forward_multiscale`` the per-scale predictions, finest first (for Eq. 6). ``depth``
    (µm, a number or one per image) is required by depth-conditioned networks only.
    ``scale_step(s, input_s, depth, carry) -> (image_s, carry for scale s - 1)``.
    """

    def forward_multiscale(self, x: torch.Tensor, depth=None) -> list[torch.Tensor]:
        cfg = self.config
        check_input(x, cfg.in_channels)
        cond = depth_tensor(depth, x) if cfg.conditioned else None
        h, w = x.shape[-2:]
        inputs = pyramid(pad_to_multiple(x, cfg.size_multiple), cfg.scales)
        outputs: list[torch.Tensor] = [x] * cfg.scales
        carry = None
        for s in range(cfg.scales - 1, -1, -1):
            image, carry = self.scale_step(s, inputs[s], cond, carry)
            hk, wk = scaled_size(h, w, 2**s)
            outputs[s] = image[..., :hk, :wk]
        return outputs

    def forward(self, x: torch.Tensor, depth=None) -> torch.Tensor:
        return self.forward_multiscale(x, depth)[0]


def _up2(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


class _Body(nn.Module):
    """U-Net levels 2..L: encoder blocks, 2x upsampling layers and decoder blocks."""

    def __init__(self, cfg) -> None:
        super().__init__()
        ch = [cfg.base_channels * 2**i for i in range(cfg.levels)]
        nc = (cfg.norm, cfg.activation)
        self.enc = nn.ModuleList(DoubleConv(ch[i - 1], ch[i], *nc) for i in range(1, cfg.levels))
        # up[i] maps level i+2 -> level i+1 (0-based level index i+1), dec likewise
        inner = range(1, cfg.levels - 1)
        self.up = nn.ModuleList(upsampler(cfg, ch[i + 1], ch[i]) for i in inner)
        self.dec = nn.ModuleList(DoubleConv(2 * ch[i], ch[i], *nc) for i in inner)


class _Head(nn.Module):
    """Scale-specific level-1 layers: first encoder block, last decoder block, output."""

    def __init__(self, cfg) -> None:
        super().__init__()
        c = cfg.base_channels
        self.enc = DoubleConv(cfg.input_planes, c, cfg.norm, cfg.activation)
        self.up = upsampler(cfg, 2 * c, c)
        self.dec = DoubleConv(2 * c, c, cfg.norm, cfg.activation)
        self.out = nn.Conv2d(c, cfg.out_channels, 1)


class _Fusion(nn.Module):
    """Phi(E, D) at one level: fuse a coarse decoder map into a fine encoder map."""

    def __init__(self, enc_ch: int, dec_ch: int, mode: str, upsample: bool) -> None:
        super().__init__()
        self.mode, self.upsample = mode, upsample
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


class HeadToTailNet(MultiScaleNet):
    """The head-to-tail multi-scale U-Net (``scale_step`` = one U-Net sub-network)."""

    def __init__(self, cfg) -> None:
        super().__init__()
        self.config = cfg
        k, levels = cfg.scales, cfg.levels
        ch = [cfg.base_channels * 2**i for i in range(levels)]
        self.bodies = nn.ModuleList(_Body(cfg) for _ in range(1 if cfg.share_weights else k))
        self.heads = nn.ModuleList(_Head(cfg) for _ in range(k))
        # fusions[s] feeds sub-network s (0 = finest) from sub-network s+1
        self.fusions = nn.ModuleList()
        for _ in range(k - 1):
            if cfg.pairing == "shifted":  # fine level l+1 <- coarse level l, same resolution
                layers = [_Fusion(ch[i + 1], ch[i], cfg.fusion, False) for i in range(levels - 1)]
            else:  # fine level l <- coarse level l, upsampled by 2
                layers = [_Fusion(ch[i], ch[i], cfg.fusion, True) for i in range(levels)]
            self.fusions.append(nn.ModuleList(layers))
        init_weights(self)

    def _fuse(self, s: int, level: int, e: torch.Tensor, coarse: list | None) -> torch.Tensor:
        if coarse is None:
            return e
        if self.config.pairing == "shifted":
            return e if level == 0 else self.fusions[s][level - 1](e, coarse[level - 1])
        return self.fusions[s][level](e, coarse[level])

    def scale_step(self, s: int, x: torch.Tensor, depth, coarse):
        """Sub-network ``s`` on ``x``: its image and its decoder features, level 1..L."""
        x = with_condition(x, depth)
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
        return head.out(d), decoded[::-1]


class NahNet(MultiScaleNet):
    """Residual coarse-to-fine CNN, widths reduced to the paper's budget (~1.77M)."""

    def __init__(self, cfg) -> None:
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

    def scale_step(self, s: int, b: torch.Tensor, depth, coarser):
        """``I_s = B_s + F_s([B_s, up(I_{s+1})])``; the carry is ``I_s`` itself."""
        if coarser is not None:
            coarser = F.interpolate(coarser, b.shape[-2:], mode="bilinear", align_corners=False)
        feats = b if coarser is None else torch.cat([b, coarser], dim=1)
        image = b + self.scales[s](with_condition(feats, depth))
        return image, image
