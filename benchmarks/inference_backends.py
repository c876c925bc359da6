"""Every inference backend on the bundled K=4 sum model, in one run (prints figures).

1. the fp32 and bf16 matmul peaks of this machine (torch, 2048^3, best of 3), measured
   before and after the backend runs (the mean is the reference);
2. per backend (PyTorch fp32 fused = the path before OpenVINO, OpenVINO fp32 and bf16,
   what ``backend="auto"`` picks, PyTorch bf16 autocast where the CPU has bf16 units or
   with ``--torch-bf16``; CUDA rows when a GPU is present): seconds per 696 x 520 field
   (mean over three simulated fields at 10, 22 and 34 µm of the best of ``--reps``
   passes; backends interleaved field by field, so load changes hit all alike; after a
   warm-up field that includes export and compilation), GFLOP/s, fraction of the fp32
   and bf16 matmul peaks, and PSNR against the in-focus field minus the PyTorch fp32
   PSNR, per distance;
3. tiled (``tile=512``, default overlap from the model's measured reach) against untiled
   on a 1040 x 1392 mosaic (real BBBC006 z_00 fields from ../shared when present, else a
   simulated 22 µm field): time ratio and largest / 99.9th-percentile difference as a
   fraction of the untiled output's range;
4. peak RSS of the default path on an 8192 x 8192 uint16 image, in a fresh process
   (stopped after ``--rss-tiles`` tiles: the buffers are allocated at the start).

FLOPs: ``torch.utils.flop_counter`` on one field (the network pads it to 576 x 704).
Run: python -u benchmarks/inference_backends.py [--reps 2] [--rss-tiles 2] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

MODEL = "bbbc006-sum"
DEPTHS = (10.0, 22.0, 34.0)
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "bbbc006-real" / "defocus-z00"


def matmul_gflops(dtype: torch.dtype, n: int = 2048, reps: int = 3) -> float:
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    a @ b
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def field_flops(model: torch.nn.Module) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    x = torch.zeros(1, 1, 520, 696)
    args = (x, torch.tensor([22.0])) if model.config.conditioned else (x,)
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        model(*args)
    return float(counter.get_total_flops())


def simulated_fields() -> list[tuple[float, np.ndarray, np.ndarray]]:
    from napari_defocus_deblur.simulate.field import simulate_field

    out = []
    for seed, depth in enumerate(DEPTHS):
        images = simulate_field([depth], seed=100 + seed)
        out.append((depth, images[depth], images[0.0]))
    return out


def backend_rows(torch_bf16: bool) -> list[tuple[str, str, str]]:
    from napari_defocus_deblur.inference.hardware import cpu_bf16_units

    rows = [("cpu", "torch", "fp32"), ("cpu", "openvino", "fp32"), ("cpu", "openvino", "bf16")]
    if torch_bf16 or cpu_bf16_units():  # emulated bf16 is ~30x slower: only on request
        rows.insert(1, ("cpu", "torch", "bf16"))
    rows.append(("cpu", "auto", "auto"))
    if torch.cuda.is_available():
        rows += [("cuda", "torch", p) for p in ("fp32", "bf16", "fp16")]
    return rows


def run_backends(model, fields, rows: list[tuple[str, str, str]], reps: int) -> list[dict]:
    """Time every backend on every field, interleaved (load drift hits all alike)."""
    from napari_defocus_deblur.evaluation.metrics import psnr
    from napari_defocus_deblur.inference import deblur
    from napari_defocus_deblur.inference.device import describe_backend

    def call(row, image, depth):
        device, backend, precision = row
        opts = {"device": device, "backend": backend, "precision": precision, "phases": 1}
        t = time.perf_counter()
        out = deblur(image, depth_um=depth, model=model, **opts)
        if device == "cuda":
            torch.cuda.synchronize()
        return out, time.perf_counter() - t

    what = {row: describe_backend(device=row[0], backend=row[1], precision=row[2]) for row in rows}
    warm = {row: call(row, fields[0][1], fields[0][0])[1] for row in rows}  # export, compile
    times = {row: [float("inf")] * len(fields) for row in rows}
    outs: dict = {row: [None] * len(fields) for row in rows}
    for _ in range(reps):
        for i, (depth, blurred, _sharp) in enumerate(fields):
            for row in rows:
                outs[row][i], seconds = call(row, blurred, depth)
                times[row][i] = min(times[row][i], seconds)
                print(f"  {' '.join(row)} field {i}: {seconds:.2f} s", flush=True)
    return [
        {
            "label": f"{row[1]} {row[2]}" + (" (CUDA)" if row[0] == "cuda" else ""),
            "what": what[row],
            "s": float(np.mean(times[row])),
            "warm": warm[row],
            "psnr": [psnr(o, f[2]) for o, f in zip(outs[row], fields)],
        }
        for row in rows
    ]


def print_table(rows: list[dict], flops: float, fp32: float, bf16: float) -> None:
    ref = rows[0]["psnr"]
    depths = "/".join(f"{d:g}" for d in DEPTHS)
    print(
        f"| backend (what it ran) | s / field | GFLOP/s | of fp32 peak | of bf16 peak | "
        f"dPSNR {depths} um (dB) | first field (s) |\n|---|---:|---:|---:|---:|---|---:|"
    )
    for r in rows:
        gf = flops / r["s"] / 1e9
        dpsnr = "/".join(f"{p - q:+.3f}" for p, q in zip(r["psnr"], ref))
        print(
            f"| {r['label']} ({r['what']}) | {r['s']:.3f} | {gf:.0f} | {gf / fp32:.2f} | "
            f"{gf / bf16:.2f} | {dpsnr} | {r['warm']:.1f} |"
        )
    print(f"PSNR of PyTorch fp32 ({depths} um): " + ", ".join(f"{p:.2f}" for p in ref))


def mosaic() -> tuple[np.ndarray, float, str]:
    """The seam test image, its distance from focus (µm) and what it is."""
    files = sorted(REAL.glob("*.tif"))[:4] if REAL.is_dir() else []
    if len(files) == 4:
        import tifffile

        ims = [tifffile.imread(p) for p in files]
        return np.block([[ims[0], ims[1]], [ims[2], ims[3]]]), 32.0, "real z_00 mosaic"
    from napari_defocus_deblur.simulate.field import simulate_field

    image = simulate_field([22.0], seed=7, shape=(1040, 1392))[22.0]
    return image, 22.0, "simulated 22 um field"


def seam_check(model) -> None:
    from napari_defocus_deblur.inference import deblur
    from napari_defocus_deblur.inference.reach import model_reach
    from napari_defocus_deblur.inference.tiling import overlap_for

    t = time.perf_counter()
    reach = model_reach(model)
    took = time.perf_counter() - t
    overlap, margin = overlap_for(reach.margin, reach.ramp, 512)
    print(
        f"reach: margin {reach.margin} px, ramp {reach.ramp} px (measured in {reach.seconds:.0f} "
        f"s; {took:.1f} s now); at tile 512: overlap {overlap}, margin {margin}"
    )
    image, depth, what = mosaic()

    def timed(tile: int | None) -> tuple[np.ndarray, float]:
        t = time.perf_counter()
        return deblur(image, depth, model=model, tile=tile, phases=1), time.perf_counter() - t

    whole, t_whole = timed(2048)
    for tile in (512, None):
        tiled, t_tiled = timed(tile)
        diff = np.abs(tiled - whole) / float(whole.max() - whole.min())
        print(
            f"tiles of {tile or 'automatic size'} vs untiled, {what} {image.shape[0]}x"
            f"{image.shape[1]}: max {100 * diff.max():.2f} %, p99.9 "
            f"{100 * np.percentile(diff, 99.9):.2f} % of the output range; time "
            f"{t_tiled:.1f} / {t_whole:.1f} s = {t_tiled / t_whole:.2f}"
        )


def rss_child(side: int, tiles: int) -> None:
    from napari_defocus_deblur.inference import iter_deblur, load_model
    from napari_defocus_deblur.inference.device import describe_backend

    model = load_model(MODEL)
    image = np.empty((side, side), np.uint16)
    rng = np.random.default_rng(0)
    for r in range(0, side, 256):
        image[r : r + 256] = rng.integers(100, 4000, image[r : r + 256].shape, dtype=np.uint16)
    gen = iter_deblur(image, model=model, phases=1)
    done = total = 0
    t = time.perf_counter()
    try:
        while tiles <= 0 or done < tiles:
            event = next(gen)
            done, total = event.done, event.total
    except StopIteration:
        done = total
    gen.close()
    with open("/proc/self/status") as f:
        hwm = next(int(ln.split()[1]) for ln in f if ln.startswith("VmHWM:")) / 1024**2
    print(
        f"peak RSS (VmHWM) {hwm:.2f} GiB for {side}x{side} uint16 with "
        f"{describe_backend()}, {done} of {total} tiles in {time.perf_counter() - t:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--rss-size", type=int, default=8192)
    parser.add_argument("--rss-tiles", type=int, default=2, help="0: the whole image")
    parser.add_argument(
        "--torch-bf16",
        action="store_true",
        help="time PyTorch bf16 on CPUs without bf16 units too (emulated, about 30x slower)",
    )
    parser.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.rss_child:
        rss_child(args.rss_size, args.rss_tiles)
        return
    from napari_defocus_deblur import __version__
    from napari_defocus_deblur.inference import load_model
    from napari_defocus_deblur.inference.hardware import cpu_bf16_units

    print(
        f"napari-defocus-deblur {__version__}, torch {torch.__version__}, {args.threads} "
        f"threads, CPU bf16 units: {cpu_bf16_units()}, load {os.getloadavg()}"
    )
    model = load_model(MODEL)
    flops = field_flops(model)
    print(f"{MODEL}: {flops / 1e9:.1f} GFLOP per 696 x 520 field (padded to 704 x 576)")
    peaks = [matmul_gflops(torch.float32), matmul_gflops(torch.bfloat16)]
    fields = simulated_fields()
    rows = run_backends(model, fields, backend_rows(args.torch_bf16), args.reps)
    after = [matmul_gflops(torch.float32), matmul_gflops(torch.bfloat16)]
    fp32, bf16 = (peaks[0] + after[0]) / 2, (peaks[1] + after[1]) / 2
    print(
        f"matmul GFLOP/s before/after: fp32 {peaks[0]:.1f}/{after[0]:.1f}, bf16 "
        f"{peaks[1]:.1f}/{after[1]:.1f} (means {fp32:.1f}, {bf16:.1f} are the peaks below)"
    )
    print_table(rows, flops, fp32, bf16)
    seam_check(model)
    cmd = [sys.executable, __file__, "--rss-child", "--threads", str(args.threads)]
    cmd += ["--rss-size", str(args.rss_size), "--rss-tiles", str(args.rss_tiles)]
    subprocess.run(cmd, check=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
