"""The judge's colour masks: which blocks an instruction names, and where their pixels are."""

import numpy as np
import torch

from robot_bridge.sim.layout import BLOCK_COLORS
from worldmodel.judge.colours import colour_mask, instruction_masks, named_colours
from worldmodel.judge.configuration_judge import JudgeConfig
from worldmodel.judge.modeling_judge import Judge
from worldmodel.text.configuration_text import TextEncoderConfig
from worldmodel.training.data import to_tensor


def test_the_object_is_named_first_and_the_base_second():
    assert named_colours("stack the yellow block on top of the red block") == ("yellow", "red")
    assert named_colours("Put the Blue block in the bin") == ("blue", None)
    assert named_colours("open the drawer") == (None, None)


def _frame() -> np.ndarray:
    """Four pixels: the red block, its shaded side, the yellow block, the brown drawer; rest table."""
    img = np.full((8, 8, 3), (209, 204, 194), np.uint8)
    img[1, 1] = np.round(np.array(BLOCK_COLORS["red_block"]) * 255)
    img[1, 2] = np.round(np.array(BLOCK_COLORS["red_block"]) * 0.6 * 255)
    img[5, 5] = np.round(np.array(BLOCK_COLORS["yellow_block"]) * 255)
    img[6, 2] = (140, 84, 46)
    return img


def test_masks_find_the_named_colours_only():
    video = to_tensor(_frame())
    red, yellow = colour_mask(video, "red")[0], colour_mask(video, "yellow")[0]
    assert red[1, 1] == 1 and red[1, 2] == 1 and red.sum() == 2
    assert yellow[5, 5] == 1 and yellow.sum() == 1
    assert colour_mask(video, None).sum() == 0
    masks = instruction_masks(video[None, None], ["stack the yellow block on the red block"])
    assert masks.shape == (1, 1, 2, 8, 8)
    assert torch.equal(masks[0, 0, 0], yellow) and torch.equal(masks[0, 0, 1], red)


def test_a_judge_with_colour_masks_depends_on_which_colours_are_named():
    torch.manual_seed(0)
    config = JudgeConfig(
        image_size=32,
        frames=2,
        channels=[8, 8],
        frame_dim=8,
        hidden=8,
        text=TextEncoderConfig(dim=8, layers=0, heads=2, vocabulary=["stack"]),
        colour_masks=True,
    )
    judge = Judge(config)
    assert judge.blocks[0][0].in_channels == 8
    frame = np.repeat(np.repeat(_frame(), 4, 0), 4, 1)
    video = to_tensor(np.stack([frame, frame]))[None]
    # colours are unknown words to this text encoder: the same text features, only masks differ
    text = judge.text(["stack red yellow", "stack yellow red"]).pooled
    assert torch.equal(text[0], text[1])
    a, b = judge(video.repeat(2, 1, 1, 1, 1), ["stack red yellow", "stack yellow red"])
    assert not torch.allclose(a, b)
