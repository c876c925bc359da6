"""Training throughput: crops/s, pixels/s and achieved FLOP/s for one optimisation step.

CPU: a crop/batch sweep in float32, then the zoo schedule's step (batch 8 x 128²)
contiguous against channels-last, in float32 and bf16 autocast where the CPU has bf16
units. CUDA (only when a GPU is present): a batch sweep
in float32 and bfloat16 autocast, with and without channels_last, and the fraction of
the GPU's dense peak reached (peak from a small table by device name, or --peak-tflops).
FLOPs per step (forward + backward of the multi-scale loss) are counted once with
``torch.utils.flop_counter.FlopCounterMode``.

Run: python benchmarks/training_throughput.py [--scales 4] [--fusion sum] [--steps 10]
"""

from __future__ import annotations

import argparse
import time

import torch

from napari_defocus_deblur.model import build_model, count_parameters, multiscale_loss

#: Dense peak TFLOP/s (bf16 tensor core, fp32 non-tensor) by device-name fragment.
PEAKS = {
    "H200": (989.0, 67.0),
    "H100 SXM": (989.0, 67.0),
    "H100 PCIe": (756.0, 51.0),
    "H100": (989.0, 67.0),
    "A100": (312.0, 19.5),
    "L4": (121.0, 30.0),
    "RTX 4090": (165.0, 82.6),
}


#: The header of every table this script prints.
HEAD = (
    f"{'setting':22s} {'batch':>5s} {'crop':>5s} {'crops/s':>9s} {'Mpx/s':>9s} "
    f"{'ms/step':>9s} {'TFLOP/s':>8s} {'peak':>6s}"
)


def _step(model, opt, x, amp: bool) -> None:
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=amp):
        outputs = model.forward_multiscale(x)
    loss = multiscale_loss([o.float() for o in outputs], x)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


def flops_per_step(model, x: torch.Tensor) -> float:
    """Forward + backward FLOPs of one step (counted, not estimated)."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        loss = multiscale_loss(model.forward_multiscale(x), x)
        loss.backward()
    model.zero_grad(set_to_none=True)
    return float(counter.get_total_flops())


def measure(model, device, batch: int, crop: int, steps: int, amp=False, channels_last=False):
    """(seconds per step, FLOPs per step) after two warm-up steps."""
    model = model.to(device)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = torch.rand(batch, 1, crop, crop, device=device).to(memory_format=fmt)
    flops = flops_per_step(model, x)
    for _ in range(2):
        _step(model, opt, x, amp)
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        _step(model, opt, x, amp)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) / steps, flops


def _row(label, batch, crop, sec, flops, peak=None):
    rate = flops / sec / 1e12
    frac = f"{100 * rate / peak:5.1f}%" if peak else "   - "
    print(
        f"{label:22s} {batch:5d} {crop:5d} {batch / sec:9.1f} "
        f"{batch * crop * crop / sec / 1e6:9.3f} {sec * 1e3:9.1f} {rate:8.3f} {frac}"
    )


def _cpu_layouts(model, steps: int) -> None:
    """The zoo schedule's step (batch 8 x 128²): contiguous against channels-last, in
    float32 and, where the run-time probe finds bf16 units, under bf16 autocast."""
    from napari_defocus_deblur.inference.hardware import cpu_bf16_units

    units = cpu_bf16_units()
    print(f"\nCPU, the zoo schedule's step; bf16 units: {units or 'none (bf16 rows skipped)'}")
    print(HEAD)
    times = {}
    for amp in (False, True) if units else (False,):
        for cl in (False, True):
            label = ("bf16" if amp else "fp32") + (" channels_last" if cl else " contiguous")
            sec, flops = measure(model, torch.device("cpu"), 8, 128, steps, amp, cl)
            times[label] = sec
            _row(label, 8, 128, sec, flops)
    for precision in ("fp32", "bf16") if units else ("fp32",):
        ratio = times[f"{precision} channels_last"] / times[f"{precision} contiguous"]
        print(f"{precision}: channels-last step / contiguous step = {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", type=int, default=4)
    parser.add_argument("--fusion", default="sum")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--peak-tflops", type=float, default=None, help="override bf16 peak")
    parser.add_argument("--no-cpu", action="store_true")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model = build_model(args.scales, args.fusion)
    print(
        f"model {model.config.label}, {count_parameters(model):,} parameters; torch "
        f"{torch.__version__}"
    )
    if not args.no_cpu:
        print(f"\nCPU, float32, {torch.get_num_threads()} threads")
        print(HEAD)
        for crop, batch in ((64, 4), (64, 8), (128, 1), (128, 2), (128, 4)):
            sec, flops = measure(model, torch.device("cpu"), batch, crop, max(2, args.steps // 2))
            _row("fp32", batch, crop, sec, flops)
        _cpu_layouts(model, max(2, args.steps // 2))
    if not torch.cuda.is_available():
        print("\nno CUDA device: GPU sweep skipped")
        return
    device = torch.device("cuda")
    name = torch.cuda.get_device_name(device)
    bf16_peak, fp32_peak = next((v for k, v in PEAKS.items() if k in name), (None, None))
    if args.peak_tflops:
        bf16_peak = args.peak_tflops
    print(f"\nCUDA: {name}; dense peak bf16 {bf16_peak} / fp32 {fp32_peak} TFLOP/s")
    print(HEAD)
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    for crop in (128, 256):
        for batch in (8, 16, 32, 64):
            for amp, cl in ((False, False), (True, False), (True, True)):
                label = ("bf16" if amp else "fp32/tf32") + (" channels_last" if cl else "")
                try:
                    sec, flops = measure(model, device, batch, crop, args.steps, amp, cl)
                except torch.OutOfMemoryError:
                    print(f"{label:22s} {batch:5d} {crop:5d}  out of memory")
                    torch.cuda.empty_cache()
                    continue
                _row(label, batch, crop, sec, flops, bf16_peak if amp else fp32_peak)


if __name__ == "__main__":
    main()
