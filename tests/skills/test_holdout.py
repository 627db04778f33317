import json

import pytest

from skills.holdout import load_holdout
from skills.library import SkillCall


def test_default_holdout_is_valid():
    config = load_holdout()
    assert config.held_out
    assert config.contains(config.held_out[0])
    assert not config.contains(SkillCall(skill="press_button"))


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "invalid"),
        (json.dumps({"held_out": [{"skill": "juggle", "args": {}}]}), "valid skills"),
        (
            json.dumps(
                {"held_out": [{"skill": "pick_place", "args": {"object": "cup", "target": "bowl"}}]}
            ),
            "valid object ids",
        ),
    ],
)
def test_bad_holdout_config_names_file(tmp_path, content, message):
    path = tmp_path / "holdout.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message) as info:
        load_holdout(path)
    assert str(path) in str(info.value)


def test_missing_holdout_config(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_holdout(tmp_path / "nope.json")
