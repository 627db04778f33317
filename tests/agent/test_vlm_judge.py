"""The VLM judge against a local OpenAI-compatible stand-in with recorded answers."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from agent.judges.vlm import JudgeError, VLMJudge
from agent.planners.llm import LLMSettings
from tests.agent.openai_standin import OpenAIStandIn

ANSWERS = {
    "open the drawer": ['{"done": true, "confidence": 0.9, "reason": "the drawer is out"}'],
    "press the button": ['{"done": false, "confidence": 0.8, "reason": "light unchanged"}'],
    "close the drawer": ["I think so!"],
    "stack": ['{"done": true, "confidence": 7}'],
}


@pytest.fixture
def standin():
    server = OpenAIStandIn(ANSWERS)
    yield server
    server.close()


def frames(n=5):
    rng = np.random.default_rng(0)
    return [rng.integers(0, 255, (64, 64, 3), dtype=np.uint8) for _ in range(n)]


def judge(standin):
    return VLMJudge(LLMSettings(base_url=standin.base_url, model="vlm", timeout_s=5), frames=3)


def test_frames_are_sent_as_images_and_the_verdict_is_read(standin):
    video = frames()
    assert judge(standin).completion(video, "open the drawer") == pytest.approx(0.9)
    assert judge(standin).completion(video, "press the button") == pytest.approx(0.2)
    parts = standin.requests[0]["messages"][0]["content"]
    images = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert len(images) == 3
    last = Image.open(io.BytesIO(base64.b64decode(images[-1].split(",", 1)[1])))
    assert np.array_equal(np.asarray(last), video[-1])  # PNG: the exact last frame


@pytest.mark.parametrize(
    "instruction", ["close the drawer", "stack the red block on the blue block"]
)
def test_answers_outside_the_schema_are_errors(standin, instruction):
    with pytest.raises(JudgeError, match="outside the schema"):
        judge(standin).completion(frames(), instruction)


def test_endpoint_down():
    settings = LLMSettings(base_url="http://127.0.0.1:9/v1", model="vlm", timeout_s=2)
    with pytest.raises(JudgeError, match="could not reach"):
        VLMJudge(settings).completion(frames(), "open the drawer")
