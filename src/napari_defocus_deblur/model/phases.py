"""Averaged passes inside a network's forward pass, in torch alone (for exports).

The torch twin of :mod:`napari_defocus_deblur.inference.phases`: the plugin's tiled
runner averages mirror views or pixel phases itself, while exported files and packages
carry the average in their graph, so consumers get the lattice-free result from one
call. :func:`set_passes` makes a network's ``forward`` average ``views`` mirror views of
``phases`` pixel phases each, without touching its parameters or state dict. Every pass
moves, flips and crops the image exactly as the plugin's ``pass_images`` and
``moved_back`` do (a test checks both), with the one-pixel move of an odd side written
as shape arithmetic, so a traced graph keeps it for every height and width. Export
appends this file, after its imports, to the copy of ``model/network.py`` in model
packages, so it may import nothing but torch.
"""

from __future__ import annotations

import torch
from torch import nn

#: Pixel shifts (dy, dx) averaged for each phase count.
PHASE_SHIFTS = {1: ((0, 0),), 2: ((0, 0), (1, 1)), 4: ((0, 0), (0, 1), (1, 0), (1, 1))}
#: Mirror views (flip rows, flip columns) averaged for each view count.
MIRROR_FLIPS = {
    1: ((False, False),),
    4: ((False, False), (True, False), (False, True), (True, True)),
}


def _moved_rows(x: torch.Tensor, shift) -> torch.Tensor:
    """``x`` moved ``shift`` (0 or 1) rows down on a canvas two rows taller: a mirrored
    row in front for a shift, the rest repeated at the far end (edge included)."""
    n = x.shape[-2]
    ends = torch.cat([x[..., 1:2, :], x, x[..., -2:, :].flip(-2)], dim=-2)  # n + 3 rows
    return ends[..., 1 - shift : 3 - shift + n, :]


def phase_shifted(x: torch.Tensor, dy, dx) -> torch.Tensor:
    """``x`` moved ``dy``/``dx`` pixels (0 or 1 each) down/right and two pixels larger,
    as the plugin's pass images (``dy``, ``dx`` may be shape arithmetic of a trace)."""
    rows = _moved_rows(x, dy)
    return _moved_rows(rows.transpose(-2, -1), dx).transpose(-2, -1)


def _flipped(x: torch.Tensor, flip: tuple[bool, bool]) -> torch.Tensor:
    dims = [d for d, on in zip((-2, -1), flip) if on]
    return x.flip(dims) if dims else x


def passes(views: int, phases: int, height, width) -> list[tuple[tuple, tuple[bool, bool]]]:
    """``(shift, flip)`` of each pass, in the plugin's order (``passes_of``): a mirrored
    view of one phase is moved one pixel along each flipped side of odd length."""
    if views == 1:
        return [(shift, (False, False)) for shift in PHASE_SHIFTS[phases]]
    if phases == 1:  # a flag times a traced size would not export: choose, not multiply
        odd = (height % 2, width % 2)
        flips = MIRROR_FLIPS[views]
        return [((odd[0] if fy else 0, odd[1] if fx else 0), (fy, fx)) for fy, fx in flips]
    return [(shift, flip) for flip in MIRROR_FLIPS[views] for shift in PHASE_SHIFTS[phases]]


def average_passes(run, x: torch.Tensor, depth, views: int, phases: int) -> torch.Tensor:
    """Mean of ``run`` over ``views`` mirror views of ``phases`` pixel phases of ``x``.

    Each pass shows ``run`` the image moved onto a canvas two pixels larger and flipped
    (:func:`passes`); its result is flipped back and cropped to ``x``. The network's
    max-pool grid leaves a faint period-2 lattice locked to the pixel grid; a move or a
    flip changes the parity of the pixels under it and not the content, so four passes
    cancel it. The passes run as one batch (``depth``, one per image or one number,
    repeats). One pass is ``run(x, depth)`` itself.
    """
    if views * phases == 1:
        return run(x, depth)
    n, h, w = x.shape[0], x.shape[-2], x.shape[-1]
    plan = passes(views, phases, h, w)
    batch = torch.cat([_flipped(phase_shifted(x, dy, dx), flip) for (dy, dx), flip in plan])
    if isinstance(depth, torch.Tensor) and depth.numel() > 1:
        depth = depth.reshape(-1).repeat(len(plan))
    out = run(batch, depth)
    parts = []
    for i, ((dy, dx), flip) in enumerate(plan):
        back = _flipped(out[i * n : (i + 1) * n], flip)
        parts.append(back[..., dy : dy + h, dx : dx + w])
    return torch.stack(parts).mean(dim=0)


def _averaged_forward(self, x: torch.Tensor, depth=None) -> torch.Tensor:
    def single_pass(batch: torch.Tensor, d) -> torch.Tensor:
        return self.forward_multiscale(batch, d)[0]

    return average_passes(single_pass, x, depth, self.mirror_views, self.pixel_phases)


def pixel_phases(net: nn.Module) -> int:
    """How many pixel phases ``net.forward`` averages per view (1 unless :func:`set_passes`)."""
    return int(getattr(net, "pixel_phases", 1))


def mirror_views(net: nn.Module) -> int:
    """How many mirror views ``net.forward`` averages (1 unless :func:`set_passes`)."""
    return int(getattr(net, "mirror_views", 1))


def set_passes(net: nn.Module, views: int = 1, phases: int = 1) -> nn.Module:
    """Make ``net.forward`` average ``views`` mirror views of ``phases`` pixel phases each
    (both 1: back to one pass).

    ``net`` (a network of ``model/network.py``) gets a subclass of its own class whose
    ``forward`` is :func:`average_passes` over ``forward_multiscale``; parameters, state
    dict, ``net.mirror_views`` and ``net.pixel_phases`` say the rest. Returns ``net``.

    Raises
    ------
    ValueError
        ``views`` is not 1 or 4, or ``phases`` not 1, 2 or 4.
    """
    for value, allowed, name in (
        (views, MIRROR_FLIPS, "mirror views"),
        (phases, PHASE_SHIFTS, "pixel phases"),
    ):
        if isinstance(value, bool) or value not in allowed:
            *first, last = (str(c) for c in allowed)
            counts = f"{', '.join(first)} or {last}"
            raise ValueError(f"{name} must be {counts}, not {value!r}")
    base = getattr(net, "single_pass_class", type(net))
    if views * phases == 1:
        net.__class__ = base
        return net
    members = {
        "forward": _averaged_forward,
        "mirror_views": int(views),
        "pixel_phases": int(phases),
        "single_pass_class": base,
        "__module__": base.__module__,
    }
    net.__class__ = type(base.__name__, (base,), members)
    return net
