"""Multi-scale loss (Eq. 6 of the paper)."""

from __future__ import annotations

import torch

from napari_defocus_deblur.model.network import pyramid


def multiscale_loss(
    outputs: list[torch.Tensor] | torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """Sum over scales of the mean squared error to the downsampled ground truth.

    ``L = sum_k ||I^_k - I_k||^2 / N_k`` where ``I_k`` is ``target`` area-downsampled
    by ``2**k`` and ``N_k`` the number of elements at scale k.

    Parameters
    ----------
    outputs
        Per-scale predictions, finest first (``model.forward_multiscale(x)``), or a
        single full-resolution tensor.
    target
        The in-focus ground truth at full resolution, shape of ``outputs[0]``.
    """
    if isinstance(outputs, torch.Tensor):
        outputs = [outputs]
    targets = pyramid(target, len(outputs))
    total = outputs[0].new_zeros(())
    for out, tgt in zip(outputs, targets, strict=True):
        if out.shape != tgt.shape:
            raise ValueError(f"prediction {tuple(out.shape)} vs target {tuple(tgt.shape)}")
        total = total + torch.mean((out.float() - tgt.float()) ** 2)
    return total
