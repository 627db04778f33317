"""Block-colour permutation for the judge: pixels and words change together, other colours stay,
and held-out compositions are never produced."""

import numpy as np

from robot_bridge.sim.layout import BLOCK_COLORS
from worldmodel.training.recolour import rename, rename_args, repaint

SWAP = {"red": "yellow", "yellow": "red", "green": "blue", "blue": "green"}


def _pixel(rgb, shade=1.0):
    return (np.array(rgb) * shade * 255).round().astype(np.uint8)


def test_blocks_are_repainted_and_shading_survives():
    frame = np.stack(
        [
            _pixel(BLOCK_COLORS["red_block"]),
            _pixel(BLOCK_COLORS["red_block"], 0.6),  # the block's shaded side
            _pixel(BLOCK_COLORS["green_block"]),
            _pixel((0.82, 0.80, 0.76)),  # table
            _pixel((0.55, 0.33, 0.18)),  # brown drawer
        ]
    )[None]
    out = repaint(frame, SWAP)[0].astype(int)
    yellow = _pixel(BLOCK_COLORS["yellow_block"]).astype(int)
    assert np.abs(out[0] - yellow).max() <= 3
    assert np.abs(out[1] - (yellow * 0.6)).max() <= 4 and out[1].sum() < out[0].sum()
    assert np.abs(out[2] - _pixel(BLOCK_COLORS["blue_block"]).astype(int)).max() <= 3
    assert np.array_equal(out[3:], frame[0, 3:])


def test_words_and_arguments_follow_the_same_permutation():
    text = "stack the red block on top of the green block, then the blue one"
    assert (
        rename(text, SWAP) == "stack the yellow block on top of the blue block, then the green one"
    )
    assert rename_args({"object": "red_block", "target": "bowl"}, SWAP) == {
        "object": "yellow_block",
        "target": "bowl",
    }


def test_judge_batches_never_show_a_held_out_composition(wm_arrays):
    from evals.holdout import load_holdout
    from worldmodel.judge.configuration_judge import JudgeConfig
    from worldmodel.training.judge import JudgeRecipe

    holdout = load_holdout()
    data = wm_arrays
    data.skills = ["stack"] * len(data)
    data.args = [{"object": "green_block", "base": "blue_block"}] * len(data)
    data.instructions = ["stack the green block on the blue block"] * len(data)
    recipe = JudgeRecipe(data, config=JudgeConfig(image_size=32, frames=4), recolour_prob=1.0)
    seen = set()
    rng = np.random.default_rng(0)
    for _ in range(40):
        for text in recipe.batch(rng, 8)["instructions"]:
            seen.add(text)
    assert "stack the yellow block on the red block" not in seen  # held out
    assert len(seen) > 4  # other permutations do appear
    assert all(
        not holdout.contains_args(
            "stack", {"object": f"{t.split()[2]}_block", "base": f"{t.split()[-2]}_block"}
        )
        for t in seen
    )
