"""Devices, precision and inference backends: the one place that decides how to run.

``"auto"`` picks CUDA, then Apple MPS, then the CPU. Asking for a device PyTorch cannot
use is a :class:`~napari_defocus_deblur.errors.UserInputError`, never a silent fallback.
:func:`resolve_precision` is PyTorch's compute dtype: bf16 autocast on CUDA GPUs that
support it (fp16 on older ones), float32 elsewhere. :func:`resolve_backend` adds the
runtime (PyTorch or OpenVINO) and its precision; see its docstring for the rule.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference import hardware
from napari_defocus_deblur.inference.memory import free_memory_bytes as free_memory_bytes
from napari_defocus_deblur.inference.memory import release_memory as release_memory

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
PRECISION_CHOICES = ("auto", "fp32", "bf16", "fp16")
_PRECISION_ALIASES = {
    "float32": "fp32",
    "fp32": "fp32",
    "bfloat16": "bf16",
    "bf16": "bf16",
    "float16": "fp16",
    "half": "fp16",
    "fp16": "fp16",
    "auto": "auto",
}
_DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    """The :class:`torch.device` for ``name``.

    Parameters
    ----------
    name
        ``"auto"`` (CUDA, then MPS, then CPU), ``"cpu"``, ``"cuda"``, ``"cuda:N"``,
        ``"mps"`` or a :class:`torch.device`.

    Raises
    ------
    UserInputError
        Unknown names, or a GPU that this PyTorch installation cannot use.
    """
    if isinstance(name, torch.device):
        name = str(name)
    if not isinstance(name, str):
        raise UserInputError(f"device must be a string such as 'auto' or 'cpu', got {name!r}")
    text = name.strip().lower()
    if text == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    kind, _, index = text.partition(":")
    if kind not in DEVICE_CHOICES or (index and not index.isdigit()):
        raise UserInputError(
            f"unknown device {name!r}; choose one of {', '.join(DEVICE_CHOICES)} (or cuda:N)"
        )
    if kind == "cpu" and index not in ("", "0"):
        raise UserInputError(f"device {name!r} does not exist: the CPU is 'cpu' (or 'cpu:0')")
    if kind == "cuda":
        if not torch.cuda.is_available():
            cuda = torch.version.cuda
            build = "without CUDA" if cuda is None else f"with CUDA {cuda}"
            raise UserInputError(
                f"device {name!r} was requested but no CUDA GPU is usable (PyTorch "
                f"{torch.__version__} built {build}); use device 'cpu' or 'auto'"
            )
        if index and int(index) >= torch.cuda.device_count():
            raise UserInputError(
                f"device {name!r} does not exist: {torch.cuda.device_count()} CUDA GPU(s) found"
            )
    if kind == "mps" and not _mps_available():
        raise UserInputError(
            f"device {name!r} was requested but Apple MPS is not available on this machine; "
            "use device 'cpu' or 'auto'"
        )
    return torch.device(text)


def _precision_key(precision: str) -> str:
    key = _PRECISION_ALIASES.get(str(precision).strip().lower())
    if key is None:
        raise UserInputError(
            f"unknown precision {precision!r}; choose one of {', '.join(PRECISION_CHOICES)}"
        )
    return key


def resolve_precision(precision: str, device: torch.device) -> torch.dtype:
    """The compute dtype for ``precision`` on ``device``.

    ``"auto"``: bfloat16 on CUDA GPUs that support it, float16 on older CUDA GPUs,
    float32 on CPU and MPS. ``"fp32"``, ``"bf16"`` and ``"fp16"`` are taken as given
    (fp16 is refused on the CPU, where PyTorch has no fast fp16 convolutions).
    """
    key = _precision_key(precision)
    if key == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    if key == "fp16" and device.type == "cpu":
        raise UserInputError("precision 'fp16' is not supported on the CPU; use 'fp32' or 'bf16'")
    return _DTYPES[key]


@contextlib.contextmanager
def compute_context(device: torch.device, dtype: torch.dtype) -> Iterator[None]:
    """``torch.inference_mode`` plus autocast to ``dtype`` when it is not float32."""
    with torch.inference_mode():
        if dtype == torch.float32:
            yield
        else:
            with torch.autocast(device_type=device.type, dtype=dtype):
                yield


def uses_channels_last(device: torch.device) -> bool:
    """Whether networks on ``device`` run on channels-last tensors (inference and training).

    CPU (oneDNN) and CUDA: yes. On a 2-core AMX CPU one training step (batch 8 x 128²)
    takes half the time in channels-last under bf16 autocast and 0.75x in float32
    (``benchmarks/training_throughput.py``). MPS: no.
    """
    return device.type in ("cpu", "cuda")


def training_uses_bf16(device: torch.device, allowed: bool = True) -> bool:
    """Whether training on ``device`` runs under bfloat16 autocast.

    CUDA: when the GPU supports bf16. CPU: the one rule of inference too
    (:func:`.hardware.cpu_bf16_units`: bf16 matrix units, or the environment variable
    ``DEFOCUS_DEBLUR_CPU_BF16``); float32 elsewhere.
    """
    if not allowed:
        return False
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    if device.type == "cpu":
        return hardware.cpu_bf16_units() is not None
    return False


# --- backends ---------------------------------------------------------------------------

BACKEND_CHOICES = ("auto", "torch", "openvino")
#: Names of the runtimes in descriptions.
_RUNTIME = {"torch": "PyTorch", "openvino": "OpenVINO"}
_PRECISION_NAMES = {torch.float32: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}
_WARNED: set[str] = set()


@dataclass(frozen=True)
class Backend:
    """How a network runs: runtime, device, compute precision and why.

    Attributes
    ----------
    name
        ``"torch"`` or ``"openvino"``.
    device
        Where PyTorch tensors live (OpenVINO runs on the CPU).
    dtype
        Compute precision (float32, bfloat16 or float16).
    reason
        Why this was chosen, in a few words (shown by :meth:`describe`).
    """

    name: str
    device: torch.device
    dtype: torch.dtype
    reason: str = ""

    @property
    def precision(self) -> str:
        """``"fp32"``, ``"bf16"`` or ``"fp16"``."""
        return _PRECISION_NAMES[self.dtype]

    @property
    def autocast_dtype(self) -> torch.dtype:
        """The dtype for :func:`compute_context` (float32 unless PyTorch autocasts)."""
        return self.dtype if self.name == "torch" else torch.float32

    def describe(self) -> str:
        """One line, e.g. ``"OpenVINO bf16 on the CPU (AMX bf16 units)"``."""
        where = "the CPU" if self.device.type == "cpu" else str(self.device)
        if self.device.type == "cuda":
            where += f" ({torch.cuda.get_device_name(self.device)})"
        mode = " autocast" if self.name == "torch" and self.dtype != torch.float32 else ""
        text = f"{_RUNTIME[self.name]} {self.precision}{mode} on {where}"
        return f"{text} ({self.reason})" if self.reason else text


def _warn_once(key: str, message: str) -> None:
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, UserWarning, stacklevel=4)


def as_backend(
    backend: str | Backend, precision: str = "auto", device: str | torch.device = "auto"
) -> Backend:
    """``backend`` when it is a resolved :class:`Backend` already, else
    :func:`resolve_backend`'s answer for the three names."""
    return backend if isinstance(backend, Backend) else resolve_backend(backend, precision, device)


def resolve_backend(
    backend: str = "auto", precision: str = "auto", device: str | torch.device = "auto"
) -> Backend:
    """The runtime and precision for ``backend``, ``precision`` and ``device``.

    ``backend="auto"``: on a GPU, PyTorch (:func:`resolve_precision`: bf16/fp16 autocast
    on CUDA, fp32 on MPS). On the CPU, OpenVINO from a cached ONNX export, in bf16 when
    the CPU has bf16 matrix units (:func:`.hardware.cpu_bf16_units`: AMX or AVX512-BF16) or bf16 is
    asked for, else fp32; without OpenVINO, PyTorch's fused fp32 path with one
    ``UserWarning`` per process. ``precision="fp32"`` keeps PyTorch's fused fp32 path.
    ``"torch"`` and ``"openvino"`` force a runtime (OpenVINO: CPU only, fp32 or bf16).

    Raises
    ------
    UserInputError
        Unknown names, an unusable device, OpenVINO asked for but missing or off the CPU,
        fp16 on the CPU.
    """
    name = str(backend).strip().lower()
    if name not in BACKEND_CHOICES:
        raise UserInputError(
            f"unknown backend {backend!r}; choose one of {', '.join(BACKEND_CHOICES)}"
        )
    dev = device if isinstance(device, torch.device) else resolve_device(device)
    key = _precision_key(precision)
    if name == "torch" or (name == "auto" and dev.type != "cpu"):
        why = "requested" if name == "torch" else ""
        return Backend("torch", dev, resolve_precision(key, dev), why)
    if key == "fp16":
        resolve_precision(key, dev)  # the one message for fp16 on the CPU
    units = hardware.cpu_bf16_units()
    bf16 = key == "bf16" or (key == "auto" and units is not None)
    dtype = torch.bfloat16 if bf16 else torch.float32
    why = f"{units} bf16 units" if bf16 and units else ("requested" if bf16 else "")
    if name == "openvino":
        if dev.type != "cpu":
            raise UserInputError(f"backend 'openvino' runs on the CPU only, not on {dev}")
        if not hardware.openvino_available():
            raise UserInputError("backend 'openvino' needs OpenVINO: pip install openvino")
        return Backend("openvino", dev, dtype, why or "requested")
    if key == "fp32":
        return Backend("torch", dev, torch.float32, "fp32 requested: fused oneDNN path")
    if hardware.openvino_available():
        return Backend("openvino", dev, dtype, why or "no bf16 matrix units")
    _warn_once(
        "openvino",
        "OpenVINO is not installed, so deblurring on the CPU uses PyTorch, which is slower "
        "(pip install openvino)",
    )
    return Backend("torch", dev, dtype, "OpenVINO not installed")


def describe_backend(
    device: str | torch.device = "auto", precision: str = "auto", backend: str = "auto"
) -> str:
    """What :func:`resolve_backend` picks, as one line for a status bar or ``-v`` output."""
    return resolve_backend(backend, precision, device).describe()
