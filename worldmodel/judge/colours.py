"""Where the blocks an instruction names are: colour masks for the judge.

The judge generalizes poorly to colour compositions it never saw ("stack the yellow block on the
red block"). Given masks of the pixels that have the named object's colour and the named base's
colour, it can judge "the object mask is on the base mask" the same way for every pair of
colours. Blocks are the only strongly saturated red, yellow, green and blue things in the scene
that matter to the instructions naming them; a pixel's colour class is a window of hue and a
minimum saturation, measured on rendered frames (the brown drawer sits at hues 20-40 and the
slate bin below saturation 0.55, outside every window).
"""

from __future__ import annotations

import re

import torch

COLOURS = ("red", "yellow", "green", "blue")
# colour: ((hue from, hue to) in degrees, minimum saturation)
_WINDOWS = {
    "red": ((338.0, 14.0), 0.4),
    "yellow": ((42.0, 66.0), 0.45),
    "green": ((95.0, 150.0), 0.35),
    "blue": ((212.0, 242.0), 0.6),
}
_WORD = re.compile(r"\b(" + "|".join(COLOURS) + r")\b")


def named_colours(instruction: str) -> tuple[str | None, str | None]:
    """(object colour, base colour): the first and second colour words (every template names
    the object first), None where the instruction names fewer."""
    words = _WORD.findall(instruction.lower())
    return (words[0] if words else None, words[1] if len(words) > 1 else None)


def _hue_saturation(rgb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """rgb (..., 3, H, W) in [0, 1] -> hue in degrees, saturation, value (..., H, W)."""
    r, g, b = rgb.unbind(-3)
    mx, mn = rgb.amax(-3), rgb.amin(-3)
    c = (mx - mn).clamp_min(1e-6)
    hue = torch.where(
        mx == r,
        torch.remainder((g - b) / c, 6.0),
        torch.where(mx == g, (b - r) / c + 2.0, (r - g) / c + 4.0),
    )
    return hue * 60.0, (mx - mn) / mx.clamp_min(1e-6), mx


def colour_mask(video: torch.Tensor, colour: str | None) -> torch.Tensor:
    """video (..., 3, H, W) in [-1, 1] -> (..., 1, H, W): 1 where a pixel has `colour`
    (all zero for None)."""
    if colour is None:
        return torch.zeros_like(video[..., :1, :, :])
    hue, sat, value = _hue_saturation((video + 1) / 2)
    (lo, hi), s_min = _WINDOWS[colour]
    in_hue = (hue >= lo) | (hue <= hi) if lo > hi else (hue >= lo) & (hue <= hi)
    return (in_hue & (sat >= s_min) & (value > 0.15)).unsqueeze(-3).to(video.dtype)


def instruction_masks(video: torch.Tensor, instructions: list[str]) -> torch.Tensor:
    """video (B, K, 3, H, W) -> (B, K, 2, H, W): the named object's and base's colour masks."""
    masks = []
    for clip, text in zip(video, instructions, strict=True):
        obj, base = named_colours(text)
        masks.append(torch.cat([colour_mask(clip, obj), colour_mask(clip, base)], dim=-3))
    return torch.stack(masks)
