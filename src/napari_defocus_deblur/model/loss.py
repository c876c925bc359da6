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


def harm_loss(
    output: torch.Tensor,
    blurred: torch.Tensor,
    target: torch.Tensor,
    weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean over the batch of how much worse than its input each restored crop is.

    ``H = mean_b max(0, ||I^_b - I_b||^2 / N - ||B_b - I_b||^2 / N)``: zero for every crop
    the network improves, and for a crop it harms the excess of its squared error over the
    input's (the same units as :func:`multiscale_loss`). Added with a weight
    (``TrainConfig.harm_weight``), it counts the crops a network makes worse than the
    blurred input that much more, so that it learns to hold back where the image does
    not show as much blur as it was told (a do-no-harm penalty; not in the paper).

    Parameters
    ----------
    output
        The full-resolution prediction, ``(B, C, H, W)``.
    blurred
        The network's input (the out-of-focus crops), same shape.
    target
        The in-focus ground truth, same shape.
    weights
        Optional weight of each crop's term, ``(B,)`` (``None``: 1 each), e.g. more for
        crops of fields imaged above focus (``TrainConfig.harm_above_focus``); the mean
        is still taken over the batch.
    """
    if not output.shape == blurred.shape == target.shape:
        raise ValueError(
            f"prediction {tuple(output.shape)}, input {tuple(blurred.shape)} and target "
            f"{tuple(target.shape)} differ"
        )
    target = target.float()
    error = ((output.float() - target) ** 2).flatten(1).mean(dim=1)
    baseline = ((blurred.float() - target) ** 2).flatten(1).mean(dim=1)
    excess = torch.relu(error - baseline)
    if weights is not None:
        excess = excess * weights.to(excess)
    return excess.mean()
