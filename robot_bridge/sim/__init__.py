"""The simulated household tabletop (MuJoCo). Importing this registers `reverie/Tabletop-v0`."""

import gymnasium as gym

ENV_ID = "reverie/Tabletop-v0"
if ENV_ID not in gym.registry:
    gym.register(
        id=ENV_ID,
        entry_point="robot_bridge.sim.gym_env:TabletopEnv",
        max_episode_steps=200,
    )
