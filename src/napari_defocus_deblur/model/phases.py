"""Pixel-phase averaging inside a network's forward pass, in torch alone (for exports).

The torch twin of :mod:`napari_defocus_deblur.inference.phases` (same shifts, same
moved images; a test checks both): the plugin's tiled runner averages phases itself,
while exported files and packages carry the average in their graph, so consumers get
the lattice-free result from one call. :func:`set_pixel_phases` makes a network's
``forward`` average phases without touching its parameters or state dict. Export
appends this file, after its imports, to the copy of ``model/network.py`` in model
packages, so it may import nothing but torch.
"""

from __future__ import annotations

import torch
from torch import nn

#: Pixel shifts (dy, dx) averaged for each phase count.
PHASE_SHIFTS = {1: ((0, 0),), 2: ((0, 0), (1, 1)), 4: ((0, 0), (0, 1), (1, 0), (1, 1))}


def phase_shifted(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """``x`` moved ``dy``/``dx`` pixels down/right and two pixels larger: a mirrored
    row/column in front for a shift, the rest repeated at the far end (edge included)."""
    rows = [x[..., 1:2, :]] if dy else []
    x = torch.cat([*rows, x, x[..., dy - 2 :, :].flip(-2)], dim=-2)
    cols = [x[..., 1:2]] if dx else []
    return torch.cat([*cols, x, x[..., dx - 2 :].flip(-1)], dim=-1)


def average_phases(run, x: torch.Tensor, depth, phases: int) -> torch.Tensor:
    """Mean of ``run(x moved by each shift of PHASE_SHIFTS[phases], depth)``, moved back.

    The network's max-pool grid leaves a faint period-2 lattice locked to the pixel grid;
    a one-pixel shift flips its sign and not the content's, so the mean removes it. The
    shifted copies run as one batch (``depth``, one per image or one number, repeats).
    """
    shifts = PHASE_SHIFTS[phases]
    n, h, w = x.shape[0], x.shape[-2], x.shape[-1]
    batch = torch.cat([phase_shifted(x, dy, dx) for dy, dx in shifts])
    if isinstance(depth, torch.Tensor) and depth.numel() > 1:
        depth = depth.reshape(-1).repeat(len(shifts))
    out = run(batch, depth)
    parts = [
        out[i * n : (i + 1) * n, :, dy : dy + h, dx : dx + w] for i, (dy, dx) in enumerate(shifts)
    ]
    return torch.stack(parts).mean(dim=0)


def _phase_averaged_forward(self, x: torch.Tensor, depth=None) -> torch.Tensor:
    def single_pass(batch: torch.Tensor, d) -> torch.Tensor:
        return self.forward_multiscale(batch, d)[0]

    return average_phases(single_pass, x, depth, self.pixel_phases)


def pixel_phases(net: nn.Module) -> int:
    """How many pixel phases ``net.forward`` averages (1 unless :func:`set_pixel_phases`)."""
    return int(getattr(net, "pixel_phases", 1))


def set_pixel_phases(net: nn.Module, phases: int) -> nn.Module:
    """Make ``net.forward`` average ``phases`` pixel phases (1: back to one pass).

    ``net`` (a network of ``model/network.py``) gets a subclass of its own class whose
    ``forward`` is :func:`average_phases` over ``forward_multiscale``; parameters, state
    dict and ``net.pixel_phases`` say the rest. Returns ``net``.

    Raises
    ------
    ValueError
        ``phases`` is not 1, 2 or 4.
    """
    if isinstance(phases, bool) or phases not in PHASE_SHIFTS:
        raise ValueError(f"pixel phases must be 1, 2 or 4, not {phases!r}")
    base = getattr(net, "single_pass_class", type(net))
    if phases == 1:
        net.__class__ = base
        return net
    members = {
        "forward": _phase_averaged_forward,
        "pixel_phases": int(phases),
        "single_pass_class": base,
        "__module__": base.__module__,
    }
    net.__class__ = type(base.__name__, (base,), members)
    return net
