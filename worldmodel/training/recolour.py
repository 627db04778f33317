"""Block-colour permutation for the judge's training clips: the same episode with its blocks
repainted (pixels and instruction words together), so the judge must ground colours rather than
remember which colours go with which scenes and compositions.

Blocks are the only saturated red, yellow, green and blue things that matter to pick_place and
stack; a pixel's class is its hue, and it is repainted by moving its hue, saturation and value
by the ratio between the two blocks' base colours (shading survives). The red button and the lit
bulb are repainted too, which is harmless: only instructions that name a block colour are
augmented, and their success never depends on those. Permutations that would turn an episode
into a held-out composition are skipped, so the holdout split stays unseen.
"""

from __future__ import annotations

import re

import numpy as np

from robot_bridge.sim.layout import BLOCK_COLORS

COLOURS = ("red", "yellow", "green", "blue")
# (hue range in degrees, minimum saturation) of each block as rendered; the brown drawer sits at
# hues 20-40 and the slate bin at saturation < 0.55, both outside these windows
_WINDOWS = {"red": ((338, 14), 0.4), "yellow": ((42, 66), 0.45), "green": ((95, 150), 0.35)}
_WINDOWS["blue"] = ((212, 242), 0.6)


def _hsv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """float rgb (..., 3) in [0, 1] -> hue in degrees, saturation, value."""
    mx, mn = rgb.max(-1), rgb.min(-1)
    c = mx - mn
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    safe = np.maximum(c, 1e-6)
    h = np.where(
        mx == r, ((g - b) / safe) % 6, np.where(mx == g, (b - r) / safe + 2, (r - g) / safe + 4)
    )
    return h * 60.0, c / np.maximum(mx, 1e-6), mx


def _rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    k = lambda n: (n + h / 60.0) % 6  # noqa: E731
    f = lambda n: v - v * s * np.clip(np.minimum(k(n), 4 - k(n)), 0, 1)  # noqa: E731
    return np.stack([f(5), f(3), f(1)], axis=-1)


_BASE = {c: _hsv(np.array(BLOCK_COLORS[f"{c}_block"]))[:3] for c in COLOURS}


def _in_window(h: np.ndarray, s: np.ndarray, colour: str) -> np.ndarray:
    (lo, hi), s_min = _WINDOWS[colour]
    hue_ok = (h >= lo) | (h <= hi) if lo > hi else (h >= lo) & (h <= hi)
    return hue_ok & (s >= s_min)


def repaint(frames: np.ndarray, mapping: dict[str, str]) -> np.ndarray:
    """uint8 frames (..., H, W, 3) with each block colour `a` repainted as `mapping[a]`."""
    rgb = frames.astype(np.float32) / 255.0
    h, s, v = _hsv(rgb)
    out_h, out_s, out_v = h.copy(), s.copy(), v.copy()
    for src, dst in mapping.items():
        if src == dst:
            continue
        sel = _in_window(h, s, src)
        (hs, ss, vs), (hd, sd, vd) = _BASE[src], _BASE[dst]
        out_h[sel] = (h[sel] - hs + hd) % 360
        out_s[sel] = np.clip(s[sel] * sd / ss, 0, 1)
        out_v[sel] = np.clip(v[sel] * vd / vs, 0, 1)
    return (np.clip(_rgb(out_h, out_s, out_v), 0, 1) * 255 + 0.5).astype(np.uint8)


def rename(text: str, mapping: dict[str, str]) -> str:
    """The instruction with every block colour word replaced at once."""
    return re.sub(
        r"\b(" + "|".join(COLOURS) + r")\b", lambda m: mapping.get(m.group(1), m.group(1)), text
    )


def rename_args(args: dict[str, str], mapping: dict[str, str]) -> dict[str, str]:
    out = {}
    for key, name in args.items():
        colour = name.removesuffix("_block")
        out[key] = f"{mapping[colour]}_block" if name.endswith("_block") else name
    return out


def random_mapping(rng: np.random.Generator) -> dict[str, str]:
    return dict(zip(COLOURS, (COLOURS[i] for i in rng.permutation(len(COLOURS))), strict=True))
