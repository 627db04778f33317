"""Training recipe of the policy imaginer: the world model fine-tuned to imagine a skill's success
from the current frame, the instruction, the hand's position and the goal maps, without actions.

The world model itself learns from every recorded window, failures included, and mostly with the
actions given (it is also the simulator that evaluation uses). As a policy it then imagined the
hand carrying on with its current motion whatever the instruction. This fine-tune keeps only
success episodes, never gives the actions, and shows the current frame alone as context most of
the time, so the motion has to come from where the hand is and where the goal is.
"""

from __future__ import annotations

from pathlib import Path

from worldmodel.checkpoint import CONFIG_NAME, read_config
from worldmodel.diffusion.configuration_world_model import WorldModelConfig
from worldmodel.training.cache import EpisodeArrays
from worldmodel.training.trainer import TrainConfig
from worldmodel.training.wm import WorldModelRecipe

DEFAULT_TRAIN = TrainConfig(
    steps=2500, batch_size=32, lr=3e-4, weight_decay=0.01, warmup=100, ema_decay=0.995
)


class PolicyRecipe(WorldModelRecipe):
    name = "policy"

    def __init__(
        self,
        train: EpisodeArrays,
        val: EpisodeArrays | None,
        init_from: Path,
        vae_dir: Path | None = None,
        cache_dir: Path | None = None,
        p_static_context: float = 0.75,
        idm_dir: Path | None = None,
    ) -> None:
        config = read_config(init_from / CONFIG_NAME, WorldModelConfig, "wm").model_copy(
            update={"static_context": True}
        )
        super().__init__(
            train,
            val,
            config=config,
            vae_dir=vae_dir,
            cache_dir=cache_dir,
            p_drop_text=0.1,
            p_drop_actions=1.0,
            p_drop_state=0.0,
            p_drop_goals=0.05,
            init_from=init_from,
            p_static_context=p_static_context,
            successes_only=True,
        )
        self.idm_dir = idm_dir

    def evaluate(self, model) -> dict:
        """How well imagination without actions steers the hand (worldmodel.evaluation)."""
        if self.val_data is None or self.val_data.root is None:
            return {}
        from worldmodel.diffusion.pipeline_world_model import WorldModelPipeline
        from worldmodel.evaluation import evaluate_policy
        from worldmodel.goals import episode_goals
        from worldmodel.idm.modeling_idm import InverseDynamicsModel

        val = self.val_data
        goals = episode_goals(val.root, val.skills, val.args)
        idm = InverseDynamicsModel.from_pretrained(self.idm_dir)
        return evaluate_policy(WorldModelPipeline(self.vae, model), idm, val, goals)
