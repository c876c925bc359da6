"""CPU inference benchmark of the K=4 summation model (prints figures; not a test).

Measures, on a random-initialised K=4 sum network (2.32M parameters; speed does not
depend on the weights):

1. one forward pass of the inference copy that ``deblur`` runs (oneDNN-fused,
   channels-last) on the whole SIZE x SIZE image;
2. ``deblur(image)`` with the automatic tiling, and with ``tile=SIZE`` (untiled);
3. the plain eager network (NCHW, unfused) with ``--eager``;
4. peak RSS of ``deblur`` on an RSS_SIZE x RSS_SIZE uint16 image in a fresh subprocess.

GFLOP/s = model FLOPs of one untiled forward pass / wall time. FLOPs are counted with
``torch.utils.flop_counter.FlopCounterMode`` (1 multiply-accumulate = 2 FLOP) at 256 x 256
and scaled by the pixel count, which is exact for sides that are multiples of 64 (checked
at 512 x 512). The reference is torch's fp32 matmul (2048 x 2048, best of 3) measured right
before and after every timed run; ratios use the mean of the two. The machine is shared,
so the load average is printed and every run is repeated (best and median shown).

Run: python benchmarks/inference_cpu.py [--size 2048] [--reps 2] [--rss-size 8192]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import torch


def matmul_gflops(n: int = 2048, reps: int = 3) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def count_flops(model: torch.nn.Module, side: int) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        model(torch.zeros(1, 1, side, side))
    return float(counter.get_total_flops())


def timed(fn, flops: float, reps: int, label: str) -> dict:
    runs = []
    for _ in range(reps):
        before = matmul_gflops()
        t = time.perf_counter()
        fn()
        seconds = time.perf_counter() - t
        after = matmul_gflops()
        gflops = flops / seconds / 1e9
        runs.append((seconds, gflops, gflops / ((before + after) / 2), before, after))
    best = min(runs)
    ratios = [r[2] for r in runs]
    print(
        f"{label:<34} best {best[0]:7.2f} s  {best[1]:6.1f} GFLOP/s  ratio {best[2]:.2f} "
        f"(median ratio {statistics.median(ratios):.2f}; matmul {best[3]:.0f}/{best[4]:.0f} "
        f"GFLOP/s; all s: {', '.join(f'{r[0]:.2f}' for r in runs)})",
        flush=True,
    )
    return {"seconds": best[0], "gflops": best[1], "ratio": best[2]}


def peak_rss_gib() -> tuple[float, float]:
    """``(VmHWM, ru_maxrss)`` in GiB. VmHWM is the peak of this address space only;
    ru_maxrss may also carry the parent's peak at fork time on Linux."""
    hwm = 0.0
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return hwm, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def rss_child(side: int, tiles: int) -> None:
    """Run in a subprocess: deblur an uint16 side x side image, print peak RSS."""
    from napari_defocus_deblur.inference import iter_deblur
    from napari_defocus_deblur.model import build_model

    torch.manual_seed(0)
    model = build_model(4, "sum").eval()
    image = np.empty((side, side), np.uint16)
    rng = np.random.default_rng(0)
    for r in range(0, side, 256):  # in blocks: no full-size int64 temporary
        image[r : r + 256] = rng.integers(100, 4000, image[r : r + 256].shape, dtype=np.uint16)
    base = peak_rss_gib()[0]
    gen = iter_deblur(image, model=model, device="cpu", phases=1)
    t = time.perf_counter()
    done = total = 0
    result = None
    try:
        while tiles <= 0 or done < tiles:
            event = next(gen)
            done, total = event.done, event.total
    except StopIteration as stop:
        result = stop.value
    gen.close()
    hwm, maxrss = peak_rss_gib()
    what = "complete" if result is not None else f"stopped after {done} of {total} tiles"
    print(
        f"peak RSS (VmHWM) {hwm:.2f} GiB, ru_maxrss {maxrss:.2f} GiB (before deblur "
        f"{base:.2f} GiB) for {side}x{side} uint16, {what}, {time.perf_counter() - t:.0f} s",
        flush=True,
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--eager", action="store_true", help="also time the eager network")
    parser.add_argument("--rss-size", type=int, default=8192)
    parser.add_argument(
        "--rss-tiles",
        type=int,
        default=4,
        help="stop the RSS run after this many tiles (0: all; buffers are allocated at the "
        "start, so the peak is reached with the first tile)",
    )
    parser.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def print_machine(threads: int) -> None:
    """One line naming the package, torch, numpy, the CPU and the threads; the load."""
    from napari_defocus_deblur import __version__

    cpu = platform.processor()
    with open("/proc/cpuinfo") as f:
        names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
    cpu = names[0] if names else cpu
    print(
        f"napari-defocus-deblur {__version__}, torch {torch.__version__}, numpy "
        f"{np.__version__}, {cpu}, {os.cpu_count()} cores, {threads} threads"
    )
    print(f"load average before: {os.getloadavg()}")


def measure_peak_rss(args: argparse.Namespace) -> None:
    """Peak memory of ``deblur``, in a fresh process while this one is still small."""
    cmd = [sys.executable, __file__, "--rss-child", "--rss-size", str(args.rss_size)]
    cmd += ["--rss-tiles", str(args.rss_tiles), "--threads", str(args.threads)]
    subprocess.run(cmd, check=True)


def time_deblur(args: argparse.Namespace) -> dict[str, dict]:
    """Time the fused forward pass and ``deblur`` tiled and untiled (and eager)."""
    from napari_defocus_deblur.inference import deblur
    from napari_defocus_deblur.inference.runner import prepare
    from napari_defocus_deblur.inference.tiling import default_overlap, plan_tiles
    from napari_defocus_deblur.model import build_model, count_parameters

    torch.manual_seed(0)
    model = build_model(4, "sum").eval()
    side = args.size
    f256, f512 = count_flops(model, 256), count_flops(model, 512)
    assert abs(f512 / f256 - 4.0) < 1e-9, "FLOPs are not proportional to pixels"
    flops = f256 * (side / 256) ** 2
    print(
        f"model: K=4 sum, {count_parameters(model):,} parameters, {flops / 1e9:.1f} GFLOP "
        f"per {side}x{side} image ({f256 / 256**2 / 1e3:.1f} kFLOP/pixel, 1 MAC = 2 FLOP)"
    )
    image = np.random.default_rng(0).integers(100, 4000, (side, side), dtype=np.uint16)
    x = torch.from_numpy(image.astype(np.float32) / 4000)[None, None]
    fused = prepare(model, torch.device("cpu"), torch.float32)
    xc = x.contiguous(memory_format=torch.channels_last)
    plan = plan_tiles((side, side), 1280, default_overlap(1280), 64)
    print(
        f"automatic tiles: {plan.n_tiles} of {plan.tile_shape} "
        f"({plan.n_tiles * plan.tile_shape[0] * plan.tile_shape[1] / side**2:.2f}x pixels)"
    )
    forward(fused, xc[..., :256, :256])  # oneDNN primitives, allocator warm-up
    cases = {
        "forward": (lambda: forward(fused, xc), "forward, fused, whole image"),
        "auto": (
            lambda: deblur(image, model=model, device="cpu", phases=1),
            "deblur, automatic tiles",
        ),
        "untiled": (
            lambda: deblur(image, model=model, device="cpu", tile=side, phases=1),
            "deblur, untiled",
        ),
    }
    if args.eager:
        cases["eager"] = (lambda: forward(model, x), "forward, eager NCHW, whole image")
    return {key: timed(fn, flops, args.reps, label) for key, (fn, label) in cases.items()}


def forward(net: torch.nn.Module, inp: torch.Tensor) -> None:
    with torch.inference_mode():
        net(inp)


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    if args.rss_child:
        rss_child(args.rss_size, args.rss_tiles)
        return
    print_machine(args.threads)
    measure_peak_rss(args)
    results = time_deblur(args)
    print(
        f"tiled / untiled time: {results['auto']['seconds'] / results['untiled']['seconds']:.2f}"
    )
    print(f"load average after: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
