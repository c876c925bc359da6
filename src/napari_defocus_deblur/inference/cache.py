"""The user cache folder and the weights hash that keys everything cached per model.

Derived files (ONNX exports, receptive-field measurements) live in the user cache
folder of the platform (``platformdirs.user_cache_dir``: ``~/.cache/napari-defocus-deblur``
on Linux, ``~/Library/Caches/napari-defocus-deblur`` on macOS,
``%LOCALAPPDATA%\\napari-defocus-deblur\\Cache`` on Windows), or in the folder named by the
environment variable ``DEFOCUS_DEBLUR_CACHE_DIR``. Each file is named after the hash of
the network's configuration and weights, so changed weights never meet a stale file.
Files are written atomically; the oldest are removed beyond a per-kind limit.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import weakref
from pathlib import Path
from typing import Any

from torch import nn

#: Environment variable naming the cache folder (tests point it at a temporary folder).
CACHE_ENV = "DEFOCUS_DEBLUR_CACHE_DIR"
#: Changes whenever the way cached files are derived changes (invalidates them all).
CACHE_FORMAT = "1"

_HASHES: weakref.WeakKeyDictionary[nn.Module, tuple[tuple, str]] = weakref.WeakKeyDictionary()


def cache_dir(kind: str) -> Path:
    """The cache sub-folder ``kind`` (created if missing)."""
    root = os.environ.get(CACHE_ENV)
    if not root:
        import platformdirs

        root = platformdirs.user_cache_dir("napari-defocus-deblur", appauthor=False)
    folder = Path(root).expanduser() / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _versions(model: nn.Module) -> tuple:
    """Changes whenever a parameter or buffer is modified in place (e.g. by training)."""
    tensors = [*model.parameters(), *model.buffers()]
    return tuple((t.data_ptr(), t._version) for t in tensors)


def weights_hash(model: nn.Module) -> str:
    """SHA-256 (hex, 20 characters) of ``model``'s configuration and float32 weights.

    Memoised per module until a parameter changes; ~10 ms per 10 MB of weights.
    """
    key = _versions(model)
    hit = _HASHES.get(model)
    if hit is not None and hit[0] == key:
        return hit[1]
    digest = hashlib.sha256(f"napari-defocus-deblur/{CACHE_FORMAT}\n".encode())
    config = getattr(model, "config", None)
    if config is not None:
        digest.update(json.dumps(config.to_dict(), sort_keys=True).encode())
    for name, tensor in sorted(model.state_dict().items()):
        t = tensor.detach().to("cpu").float().contiguous()
        digest.update(f"\n{name}:{tuple(t.shape)}\n".encode())
        digest.update(t.numpy().tobytes())
    value = digest.hexdigest()[:20]
    _HASHES[model] = (key, value)
    return value


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, then rename)."""
    from napari_defocus_deblur.io.atomic import atomic_write

    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or None when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_json(path: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` as JSON to ``path`` atomically."""
    return write_bytes(path, (json.dumps(data, indent=1) + "\n").encode("utf-8"))


def touch(path: Path) -> None:
    """Mark ``path`` as recently used (for :func:`prune`); never raises."""
    with contextlib.suppress(OSError):
        os.utime(path)


def prune(folder: Path, pattern: str, keep: int) -> None:
    """Remove all but the ``keep`` most recently used files matching ``pattern``."""
    files = []
    for path in folder.glob(pattern):
        with contextlib.suppress(OSError):
            files.append((path.stat().st_mtime, path))
    files.sort(reverse=True)
    for _, path in files[keep:]:
        with contextlib.suppress(OSError):
            path.unlink()
