"""Finished.outcome: the line a run ends with, worded from its validation PSNRs."""

from __future__ import annotations

from pathlib import Path

from napari_defocus_deblur.training import Finished, TrainState


def _finished(**scores):
    return Finished(TrainState.FINISHED, Path("model"), 100, **scores)


def test_scratch_run_is_scored_against_the_input_only():
    ev = _finished(val_psnr=26.96, input_val_psnr=19.5)
    assert ev.outcome() == "validation PSNR 26.96 dB (+7.46 dB against the unprocessed input)"
    assert not ev.below_start


def test_fine_tuning_that_gained_says_how_much_over_its_start():
    ev = _finished(val_psnr=29.12, start_val_psnr=26.34, input_val_psnr=19.5)
    assert not ev.below_start
    assert ev.outcome().endswith("+2.78 dB against the model it started from)")


def test_fine_tuning_that_lost_says_so_and_what_to_do():
    ev = _finished(val_psnr=26.14, start_val_psnr=26.34, input_val_psnr=19.5)
    assert ev.below_start
    assert "0.20 dB BELOW the model it started from (26.34 dB)" in ev.outcome()
    assert "keep using that model" in ev.outcome()


def test_a_run_that_kept_its_best_epoch_names_it():
    ev = _finished(val_psnr=29.12, start_val_psnr=26.34, input_val_psnr=19.5, kept_epoch=7)
    assert ev.outcome() == (
        "validation PSNR 29.12 dB (epoch 7's weights, the best, +9.62 dB against the "
        "unprocessed input, +2.78 dB against the model it started from)"
    )


def test_a_fine_tune_that_never_beat_its_start_says_the_start_was_kept():
    ev = _finished(val_psnr=26.34, start_val_psnr=26.34, input_val_psnr=19.5, kept_epoch=0)
    assert not ev.below_start
    assert ev.outcome().endswith(
        "no epoch validated above the model it started from, so the saved model is that "
        "model, unchanged"
    )


def test_a_stopped_run_has_no_outcome():
    ev = Finished(TrainState.STOPPED, Path("model"), 8)
    assert ev.outcome() == "" and not ev.below_start
