"""The behaviour-cloning policy: its inputs are the world model's, shadow included."""

import numpy as np
import torch

from worldmodel.checkpoint import DEFAULT_CHECKPOINTS
from worldmodel.policy.configuration_policy import PolicyConfig
from worldmodel.policy.modeling_policy import BehaviourCloningPolicy

TINY = PolicyConfig(image_size=32, channels=[8, 16], hidden=32, chunk=3)


def _inputs(state):
    context = torch.zeros(1, TINY.context_frames, 3, 32, 32)
    goals, mask = torch.tensor([[[0.1, 0.05, 0.02], [0.0, 0.0, 0.0]]]), torch.tensor([[1.0, 0.0]])
    return context, torch.tensor([0]), state, goals, mask


def test_the_policy_sees_the_hand_shadow_through_its_maps():
    """With the vector conditions silenced, a hand moved along the camera's line of sight (same
    pixel, other shadow) still changes the actions: through the shadow map alone."""
    torch.manual_seed(0)
    policy = BehaviourCloningPolicy(TINY).eval()
    with torch.no_grad():
        policy.state_embedding.weight.zero_()
        policy.state_embedding.bias.zero_()
        low = torch.tensor([[0.20, 0.015, 0.12, 1.0]])
        far = torch.tensor([[0.20, 0.105, 0.05, 1.0]])  # within 2 px of `low` in the camera
        a, b = policy(*_inputs(low)), policy(*_inputs(far))
    assert a.shape == (1, TINY.chunk, TINY.action_dim)
    assert not torch.allclose(a, b, atol=1e-6)
    blind = BehaviourCloningPolicy(TINY.model_copy(update={"hand_shadow": False})).eval()
    assert blind.config.map_channels == TINY.map_channels - 1


def test_the_shipped_policy_loads_with_the_maps_it_was_trained_on():
    policy = BehaviourCloningPolicy.from_pretrained(DEFAULT_CHECKPOINTS / "policy")
    size = policy.config.image_size
    actions = policy.act(
        np.zeros((2, size, size, 3), np.uint8), "press_button", np.array([0, -0.12, 0.16, 1.0])
    )
    assert actions.shape == (policy.config.chunk, policy.config.action_dim)
