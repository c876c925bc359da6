"""The evaluation table in markdown, with the gain over the input."""

from __future__ import annotations

from napari_defocus_deblur.evaluation.report import EvalReport, EvalRow


def report(methods):
    rows = [
        EvalRow("input", 34.0, 3, psnr=24.0, ssim=0.5, seconds_per_image=0.0),
        EvalRow("input", 10.0, 3, psnr=32.0, ssim=0.8, seconds_per_image=0.0),
        EvalRow("sum", 34.0, 3, psnr=27.25, ssim=0.7, seconds_per_image=1.5, parameters=9),
        EvalRow("sum", 10.0, 3, psnr=38.0, ssim=0.9, seconds_per_image=0.5, parameters=9),
        EvalRow("unet", 34.0, 3, missing="no unet model for 34 um"),
        EvalRow("unet", 10.0, 3, psnr=30.0, ssim=0.7, seconds_per_image=0.5, parameters=5),
    ]
    return EvalReport(rows, methods, [10.0, 34.0], "data", 1, "cpu", {})


def test_gain_table_rows():
    text = report(["input", "sum", "unet"]).markdown()
    assert "| head-to-tail, summation | 27.250 / 0.7000 | 38.000 / 0.9000 | 9 | 1.000 |" in text
    assert "| PSNR gain over the input (dB) | 34 µm | 10 µm |" in text
    assert "| head-to-tail, summation | +3.25 | +6.00 |" in text
    assert "| U-Net (K = 1) | missing | -2.00 |" in text


def test_no_gain_table_without_input():
    assert "gain over the input" not in report(["sum", "unet"]).markdown()
