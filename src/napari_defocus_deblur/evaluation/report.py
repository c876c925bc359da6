"""Evaluation results: rows, the JSON document and the table in the paper's layout."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from napari_defocus_deblur.evaluation.metrics import NORMALIZATION, NORMALIZATION_NAME
from napari_defocus_deblur.evaluation.models import LABELS


@dataclass(frozen=True)
class EvalRow:
    """Score of one method at one distance (``missing`` says why there is none)."""

    method: str
    depth_um: float
    n_images: int
    psnr: float | None = None
    ssim: float | None = None
    seconds_per_image: float | None = None
    parameters: int | None = None
    model: str | None = None
    detail: str | None = None
    missing: str | None = None


@dataclass
class EvalReport:
    """All rows of an evaluation and how they were obtained."""

    rows: list[EvalRow]
    methods: list[str]
    depths: list[float]
    data: str
    channel: int
    device: str
    split: dict[str, Any]
    notes: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def row(self, method: str, depth_um: float) -> EvalRow | None:
        """The row of one cell."""
        for r in self.rows:
            if r.method == method and abs(r.depth_um - depth_um) < 1e-9:
                return r
        return None

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (``rows`` plus the normalisation statement and provenance)."""
        from napari_defocus_deblur import __version__

        return {
            "rows": [asdict(r) for r in self.rows],
            "normalization": NORMALIZATION,
            "normalization_name": NORMALIZATION_NAME,
            "data": self.data,
            "channel": self.channel,
            "split": self.split,
            "device": self.device,
            "methods": self.methods,
            "depths_um": self.depths,
            "missing": [
                {"method": r.method, "depth_um": r.depth_um, "reason": r.missing}
                for r in self.rows
                if r.missing
            ],
            "notes": self.notes,
            "software": f"napari-defocus-deblur {__version__}",
            **self.extra,
        }

    def write_json(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` to ``path``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        return path

    def markdown(self) -> str:
        """Table in the paper's layout: methods x distances (PSNR dB / SSIM), params, s/image."""
        depths = sorted(self.depths, reverse=True)
        head = ["method", *(f"{d:g} µm" for d in depths), "parameters", "s / image"]
        lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
        for method in self.methods:
            cells, params, secs = [LABELS.get(method, method)], None, []
            for d in depths:
                r = self.row(method, d)
                if r is None or r.missing:
                    cells.append("missing")
                    continue
                cells.append(f"{r.psnr:.3f} / {r.ssim:.4f}")
                params = r.parameters if r.parameters is not None else params
                secs.append(r.seconds_per_image or 0.0)
            cells.append(f"{params:,}" if params is not None else "-")
            cells.append(f"{sum(secs) / len(secs):.3f}" if secs else "-")
            lines.append("| " + " | ".join(cells) + " |")
        n = sorted({r.n_images for r in self.rows})
        lines.append("")
        lines.append(
            f"PSNR (dB) / SSIM on {'/'.join(map(str, n))} test image(s) per distance, channel "
            f"w{self.channel}, device {self.device}. Normalisation: {NORMALIZATION}."
        )
        for key, note in self.notes.items():
            lines.append(f"- {key}: {note}")
        for r in self.rows:
            if r.missing:
                lines.append(f"- missing: {r.missing}")
        lines += self._gain_table(depths)
        return "\n".join(lines) + "\n"

    def _gain_table(self, depths: list[float]) -> list[str]:
        """PSNR gain of every method over the input, per distance (empty without input)."""
        others = [m for m in self.methods if m != "input"]
        if "input" not in self.methods or not others:
            return []
        head = ["PSNR gain over the input (dB)", *(f"{d:g} µm" for d in depths)]
        lines = ["", "| " + " | ".join(head) + " |", "|---" + "|---:" * len(depths) + "|"]
        for method in others:
            cells = [LABELS.get(method, method)]
            for d in depths:
                base, r = self.row("input", d), self.row(method, d)
                ok = base and r and not base.missing and not r.missing
                cells.append(f"{r.psnr - base.psnr:+.2f}" if ok else "missing")
            lines.append("| " + " | ".join(cells) + " |")
        return lines
