"""Tests of model.loss.harm_loss: the do-no-harm penalty."""

from __future__ import annotations

import pytest
import torch

from napari_defocus_deblur.model import harm_loss


def test_harm_is_zero_for_crops_restored_better_than_their_input():
    target = torch.zeros(2, 1, 8, 8)
    blurred = torch.full_like(target, 0.5)
    better = torch.full_like(target, 0.1)
    assert float(harm_loss(better, blurred, target)) == 0.0


def test_harm_is_the_mean_excess_error_of_the_harmed_crops():
    target = torch.zeros(2, 1, 4, 4)
    blurred = torch.full_like(target, 0.1)  # input error 0.01 on both crops
    output = torch.stack([torch.full((1, 4, 4), 0.3), torch.full((1, 4, 4), 0.05)])
    # crop 0 is harmed (0.09 - 0.01), crop 1 improved (counts 0)
    assert float(harm_loss(output, blurred, target)) == pytest.approx(0.04)


def test_harm_pushes_a_harmed_crop_towards_its_input_only():
    target = torch.zeros(2, 1, 4, 4)
    blurred = torch.full_like(target, 0.1)
    output = torch.stack([torch.full((1, 4, 4), 0.3), torch.full((1, 4, 4), 0.05)])
    output.requires_grad_(True)
    harm_loss(output, blurred, target).backward()
    assert torch.all(output.grad[0] > 0) and torch.all(output.grad[1] == 0)


def test_harm_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="differ"):
        harm_loss(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 5), torch.zeros(1, 1, 4, 4))


def test_harm_weights_count_each_crops_excess_that_many_times():
    target = torch.zeros(3, 1, 4, 4)
    blurred = torch.full_like(target, 0.1)  # input error 0.01 on every crop
    output = torch.stack([torch.full((1, 4, 4), v) for v in (0.3, 0.2, 0.05)])
    plain = harm_loss(output, blurred, target)
    assert float(plain) == pytest.approx((0.08 + 0.03 + 0.0) / 3)
    weighted = harm_loss(output, blurred, target, torch.tensor([4.0, 1.0, 9.0]))
    assert float(weighted) == pytest.approx((4 * 0.08 + 0.03 + 0.0) / 3)
    ones = harm_loss(output, blurred, target, torch.ones(3, dtype=torch.float64))
    assert float(ones) == pytest.approx(float(plain))
