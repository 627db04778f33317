"""The decoded-episode cache: built once, shared by trainings started together."""

import numpy as np

from worldmodel.training.cache import load_split


def test_a_builder_finishing_first_does_not_corrupt_the_other(tmp_path, wm_dataset):
    """Two trainings that decode the same new split at once (here: a second build finishes
    while the first is half-way) both end with whole frames, and so does the cache."""
    cache = tmp_path / "cache"
    inner: list = []

    def meanwhile(done: int, total: int) -> None:
        if done == 1 and not inner:  # another process builds and publishes the cache now
            inner.append(load_split(wm_dataset / "train", cache_dir=cache))

    outer = load_split(wm_dataset / "train", cache_dir=cache, on_progress=meanwhile)
    again = load_split(wm_dataset / "train", cache_dir=cache)
    assert inner, "the nested build did not run"
    for data in (inner[0], outer, again):
        assert np.array_equal(data.frames, inner[0].frames)
        assert data.frames.reshape(len(data.frames), -1).max(axis=1).min() > 0  # no blank frame
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]  # no builder left its folder
