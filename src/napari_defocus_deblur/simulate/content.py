"""In-focus fluorescence content: procedural nuclei (w1) and actin (w2), or real images.

A :class:`FieldLayout` (nucleus positions, sizes, orientations, brightness) is drawn once
per field and rendered for both channels, so the Hoechst and phalloidin images of a
simulated field show the same cells. Values are expected signal in ADU above the
background, before optics and camera noise.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_CHANNEL_RE = re.compile(r"(?:^|_)w(\d)")


@dataclass(frozen=True)
class ContentStyle:
    """How procedural nuclei look (one draw of the content prior; defaults: BBBC006-like).

    Parameters
    ----------
    radius_px
        Range of the nuclei's semi-major axes, pixels (diameters 8-40 px span the prior).
    count
        Range of the number of nuclei in a 520 x 696 field (scaled by area).
    clustered
        Share of nuclei placed around cluster centres (the rest uniformly).
    fine_texture, coarse_texture
        Relative amplitude of fine (chromatin grain) and coarse intensity texture.
    grain_sigma_px
        Spatial scale of the fine texture.
    bright_bodies
        Mean number of very bright compact (mitotic) bodies per 520 x 696 field.
    brightness
        Range of the field's typical nucleus brightness, ADU above background.
    """

    radius_px: tuple[float, float] = (9.0, 16.0)
    count: tuple[int, int] = (40, 230)
    clustered: float = 0.75
    fine_texture: float = 0.12
    coarse_texture: float = 0.08
    grain_sigma_px: float = 1.2
    bright_bodies: float = 1.5
    brightness: tuple[float, float] = (400.0, 950.0)


@dataclass(frozen=True)
class FieldLayout:
    """Nuclei of one field: one row per nucleus (pixels; angle in radians)."""

    y: np.ndarray
    x: np.ndarray
    semi_major: np.ndarray
    semi_minor: np.ndarray
    angle: np.ndarray
    brightness: np.ndarray
    mitotic: np.ndarray  # bool
    style: ContentStyle = ContentStyle()


def random_layout(
    shape: tuple[int, int], rng: np.random.Generator, style: ContentStyle | None = None
) -> FieldLayout:
    """Clustered nuclei with varied size, density and brightness, plus a few mitoses."""
    style = style or ContentStyle()
    h, w = shape
    area = h * w / (520 * 696)
    n_target = max(1, int(rng.integers(style.count[0], style.count[1]) * area))
    centres = rng.uniform((0, 0), (h, w), size=(int(rng.integers(2, 7)), 2))
    spreads = rng.uniform(30, 110, size=len(centres))
    base = rng.uniform(*style.brightness)
    rows: list[tuple] = []
    for _ in range(n_target * 4):
        if len(rows) >= n_target:
            break
        a = rng.uniform(*style.radius_px)
        b = a * rng.uniform(0.55, 0.9)
        if rng.random() < style.clustered:
            k = int(rng.integers(len(centres)))
            y, x = centres[k] + rng.normal(0, spreads[k], size=2)
        else:
            y, x = rng.uniform((0, 0), (h, w))
        if not (-a < y < h + a and -a < x < w + a):
            continue
        if any(np.hypot(y - r[0], x - r[1]) < 0.8 * (a + r[2]) for r in rows):
            continue
        rows.append((y, x, a, b, rng.uniform(0, np.pi), base * rng.lognormal(0, 0.25), False))
    for _ in range(min(int(rng.poisson(style.bright_bodies * area)), 12)):
        a = rng.uniform(3.0, 6.0)
        y, x = rng.uniform((0, 0), (h, w))
        rows.append(
            (
                y,
                x,
                a,
                a * rng.uniform(0.5, 0.9),
                rng.uniform(0, np.pi),
                rng.uniform(1600, 3400),
                True,
            )
        )
    cols = list(zip(*rows)) if rows else [()] * 7
    return FieldLayout(
        *(np.asarray(c, dtype=bool if i == 6 else float) for i, c in enumerate(cols)), style
    )


def _box(shape, y, x, r):
    y0, y1 = max(int(y - r), 0), min(int(y + r) + 2, shape[0])
    x0, x1 = max(int(x - r), 0), min(int(x + r) + 2, shape[1])
    if y0 >= y1 or x0 >= x1:
        return None
    yy, xx = np.mgrid[y0:y1, x0:x1]
    return (slice(y0, y1), slice(x0, x1)), yy - y, xx - x


def _rho(dy, dx, a, b, angle):
    c, s = np.cos(angle), np.sin(angle)
    u, v = dx * c + dy * s, -dx * s + dy * c
    return np.sqrt((u / a) ** 2 + (v / b) ** 2)


def render_nuclei(layout: FieldLayout, shape: tuple[int, int], rng: np.random.Generator):
    """Hoechst-like image: textured soft-edged ellipses, bright compact mitotic bodies."""
    from scipy import ndimage

    style = layout.style
    image = np.zeros(shape)
    fine = ndimage.gaussian_filter(rng.standard_normal(shape), style.grain_sigma_px)
    coarse = ndimage.gaussian_filter(rng.standard_normal(shape), 4.0)
    fine /= fine.std() or 1.0
    coarse /= coarse.std() or 1.0
    for y, x, a, b, ang, level, mit in zip(*_rows(layout)):
        parts = [(y, x)]
        if mit and rng.random() < 0.4:  # anaphase: two bars apart
            d = a + 2.5
            parts = [
                (y + d * np.cos(ang), x - d * np.sin(ang)),
                (y - d * np.cos(ang), x + d * np.sin(ang)),
            ]
        for py, px in parts:
            box = _box(shape, py, px, a + 4)
            if box is None:
                continue
            sl, dy, dx = box
            rho = _rho(dy, dx, a, b, ang)
            edge = 1.0 / (1.0 + np.exp(np.clip((rho - 1.0) * b / 0.8, -50, 50)))
            grain = 0.3 if mit else style.fine_texture
            texture = 1.0 + grain * fine[sl] + style.coarse_texture * coarse[sl]
            image[sl] += level * edge * (1.0 - 0.2 * rho**2).clip(0.6) * texture.clip(0.2)
    return image


def render_actin(layout: FieldLayout, shape: tuple[int, int], rng: np.random.Generator):
    """Phalloidin-like image: bright cell cortex, stress fibres and dim cytoplasm."""
    from scipy import ndimage
    from skimage.draw import line_aa

    image = np.zeros(shape)
    fibres = np.zeros(shape)
    level = rng.uniform(150, 400)
    for y, x, a, _b, ang, _, mit in zip(*_rows(layout)):
        scale = 2.2 if mit else rng.uniform(1.8, 2.7)
        ca, cb = a * scale, a * scale * rng.uniform(0.6, 0.95)
        cang = ang + rng.normal(0, 0.4)
        box = _box(shape, y, x, ca + 3)
        if box is None:
            continue
        sl, dy, dx = box
        rho = _rho(dy, dx, ca, cb, cang)
        cortex = np.exp(-(((rho - 1.0) * cb / 1.5) ** 2))
        inside = 1.0 / (1.0 + np.exp(np.clip((rho - 1.0) * cb, -50, 50)))
        gain = level * rng.lognormal(0, 0.3) * (2.5 if mit else 1.0)
        image[sl] += gain * (0.9 * cortex + 0.15 * inside)
        for _ in range(0 if mit else int(rng.integers(2, 9))):
            t = rng.uniform(0, np.pi)
            off = rng.uniform(-0.6, 0.6) * cb
            half = ca * rng.uniform(0.5, 0.9)
            cy, cx = y + off * np.cos(t), x - off * np.sin(t)
            r0, c0 = int(cy - half * np.sin(t)), int(cx - half * np.cos(t))
            r1, c1 = int(cy + half * np.sin(t)), int(cx + half * np.cos(t))
            rr, cc, val = line_aa(r0, c0, r1, c1)
            ok = (rr >= 0) & (rr < shape[0]) & (cc >= 0) & (cc < shape[1])
            fibres[rr[ok], cc[ok]] += val[ok] * gain * rng.uniform(0.4, 1.0)
    return ndimage.gaussian_filter(image + fibres, 0.7)


def _rows(layout: FieldLayout):
    return (
        layout.y,
        layout.x,
        layout.semi_major,
        layout.semi_minor,
        layout.angle,
        layout.brightness,
        layout.mitotic,
    )


def procedural_content(
    shape: tuple[int, int], channel: int, layout: FieldLayout, rng: np.random.Generator
) -> np.ndarray:
    """Expected in-focus signal (ADU above background) of one channel for a layout."""
    if channel == 1:
        return render_nuclei(layout, shape, rng)
    return render_actin(layout, shape, rng)


def content_files(content_dir: str | os.PathLike, channel: int) -> list[Path]:
    """Images of ``content_dir`` usable for ``channel``, sorted.

    Files whose names carry a channel (``_w1``, ``_w2``...) are used for that channel
    only; files without one are used for every channel.
    """
    folder = Path(content_dir)
    out = []
    for p in sorted(folder.iterdir()):
        if p.suffix.lower() not in (".tif", ".tiff", ".png"):
            continue
        m = _CHANNEL_RE.search(p.stem)
        if m is None or int(m[1]) == channel:
            out.append(p)
    return out


def fit_to_shape(image: np.ndarray, shape: tuple[int, int], rng: np.random.Generator):
    """A random crop of ``image`` of ``shape``, randomly flipped; images that are too small
    are reflect-padded."""
    img = np.asarray(image)
    if rng.random() < 0.5:
        img = img[::-1]
    if rng.random() < 0.5:
        img = img[:, ::-1]
    pad = [(0, max(0, s - n)) for s, n in zip(shape, img.shape)]
    if any(p[1] for p in pad):
        img = np.pad(img, pad, mode="reflect" if min(img.shape) > 1 else "edge")
    y0 = int(rng.integers(img.shape[0] - shape[0] + 1))
    x0 = int(rng.integers(img.shape[1] - shape[1] + 1))
    return np.ascontiguousarray(img[y0 : y0 + shape[0], x0 : x0 + shape[1]])
