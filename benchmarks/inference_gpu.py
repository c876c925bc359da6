"""GPU inference benchmark (prints figures; skips cleanly without CUDA).

1. Model throughput: batches of 696 x 520 fields through the K=4 summation network in
   bf16 autocast, channels-last (fields per second for several batch sizes), with the
   achieved TFLOP/s (FlopCounterMode, 1 MAC = 2 FLOP, on the padded 704 x 576 the network
   computes) as a fraction of the GPU's dense bf16 peak (datasheet value when the GPU is
   known) and of a measured bf16 matmul.
2. End to end: uint16 LZW TIFFs on disk -> ``run_serial`` (reader thread, batching of
   equal-shape files, writer thread) -> float32 TIFFs; files per second.

Run: python benchmarks/inference_gpu.py [--files 256] [--batches 1,8,32,64]
     (``--device cpu`` runs the same code on the CPU, as a quick check of the script.)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

FIELD = (520, 696)
#: Dense (no sparsity) bf16 tensor-core peaks from NVIDIA datasheets, TFLOP/s.
BF16_PEAK_TFLOPS = {
    "H100 SXM": 989.0,
    "H100 80GB HBM3": 989.0,
    "H100 NVL": 835.0,
    "H100 PCIe": 756.0,
    "H200": 989.0,
    "A100": 312.0,
    "L40S": 362.0,
    "L4": 121.0,
    "A10": 125.0,
    "RTX 4090": 165.0,
}


def datasheet_peak(name: str) -> float | None:
    for key, value in BF16_PEAK_TFLOPS.items():
        if key.lower() in name.lower():
            return value
    return None


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_tflops(device: torch.device, n: int = 8192, reps: int = 10) -> float:
    a = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    a @ b
    sync(device)
    t = time.perf_counter()
    for _ in range(reps):
        a @ b
    sync(device)
    return 2 * n**3 * reps / (time.perf_counter() - t) / 1e12


def model_throughput(model, device, dtype, batches, seconds, flops_per_field, peaks):
    from napari_defocus_deblur.inference.device import compute_context

    x_all = torch.rand(max(batches), 1, *FIELD, device=device)
    for batch in batches:
        x = x_all[:batch].contiguous(memory_format=torch.channels_last)
        with compute_context(device, dtype):
            for _ in range(3):  # warm-up (cuDNN autotuning)
                model(x)
            sync(device)
            n, t = 0, time.perf_counter()
            while time.perf_counter() - t < seconds:
                model(x)
                n += 1
            sync(device)
            elapsed = time.perf_counter() - t
        fields = n * batch / elapsed
        tflops = fields * flops_per_field / 1e12
        shares = ", ".join(f"{tflops / p:.1%} of {k}" for k, p in peaks.items() if p)
        print(
            f"batch {batch:3d}: {fields:8.2f} fields/s, {tflops:6.1f} TFLOP/s ({shares})",
            flush=True,
        )


def end_to_end(model_dir: Path, device: torch.device, files: int, work: Path) -> None:
    import tifffile

    from napari_defocus_deblur.inference.batch import PredictOptions, run_serial
    from napari_defocus_deblur.inference.files import collect_jobs

    src = work / "in"
    src.mkdir()
    rng = np.random.default_rng(0)
    for i in range(files):
        image = rng.integers(100, 4000, FIELD, dtype=np.uint16)
        tifffile.imwrite(src / f"field_{i:04d}.tif", image, compression="lzw")
    options = PredictOptions(model_dir=str(model_dir), model_name="bench", device=str(device))
    warm = collect_jobs([src / "field_0000.tif"], work / "warm", 34)
    list(run_serial(warm, options))
    jobs = collect_jobs([src], work / "out", 34)
    group = 32 if device.type == "cuda" else 1
    sync(device)
    t = time.perf_counter()
    results = list(run_serial(jobs, options, group=group))
    sync(device)
    elapsed = time.perf_counter() - t
    failed = [r for r in results if r.error]
    print(
        f"end to end: {files} TIFFs ({FIELD[1]}x{FIELD[0]} uint16, LZW) -> float32 TIFFs "
        f"in {elapsed:.1f} s = {files / elapsed:.1f} files/s ({len(failed)} failed, "
        f"group {group})",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--batches", default="1,8,32,64")
    parser.add_argument("--seconds", type=float, default=5.0, help="per batch size")
    parser.add_argument("--files", type=int, default=256)
    args = parser.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("CUDA is not available: GPU benchmark skipped")
        return 0
    from torch.utils.flop_counter import FlopCounterMode

    from napari_defocus_deblur import __version__
    from napari_defocus_deblur.inference import save_model
    from napari_defocus_deblur.inference.runner import prepare
    from napari_defocus_deblur.model import build_model

    device = torch.device(args.device)
    torch.backends.cudnn.benchmark = True
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"napari-defocus-deblur {__version__}, torch {torch.__version__}, {name}")
    torch.manual_seed(0)
    model = build_model(4, "sum").eval()
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        model(torch.zeros(1, 1, *FIELD))
    flops = float(counter.get_total_flops())
    print(f"K=4 sum: {flops / 1e9:.1f} GFLOP per {FIELD[1]}x{FIELD[0]} field (1 MAC = 2 FLOP)")
    # bf16 autocast on the GPU; float32 for the CPU check (no fast bf16 on most CPUs)
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    net = prepare(model, device, dtype)
    peaks = {"bf16 matmul measured": matmul_tflops(device) if device.type == "cuda" else None}
    sheet = datasheet_peak(name)
    if sheet:
        peaks = {f"{sheet:g} TFLOP/s datasheet bf16 peak": sheet, **peaks}
    print("; ".join(f"{k}: {v:.0f} TFLOP/s" for k, v in peaks.items() if v), flush=True)
    batches = [int(b) for b in args.batches.split(",")]
    model_throughput(net, device, dtype, batches, args.seconds, flops, peaks)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = save_model(model, Path(tmp) / "k4-sum", depth_um=34)
        end_to_end(model_dir, device, args.files, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
