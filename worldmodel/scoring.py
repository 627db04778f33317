"""`reverie wm score`: every learned model measured on one split, baselines in the same run."""

from __future__ import annotations

import time
from pathlib import Path

from worldmodel.checkpoint import DEFAULT_CHECKPOINTS
from worldmodel.diffusion.pipeline_world_model import SAMPLING_STEPS


def score_split(
    split_root: Path,
    checkpoints: Path | None = None,
    windows: int = 256,
    steps: int = SAMPLING_STEPS,
    idm_transitions: int | None = 4000,
) -> dict:
    from worldmodel.diffusion.pipeline_world_model import WorldModelPipeline
    from worldmodel.evaluation import evaluate_world_model
    from worldmodel.goals import episode_goals
    from worldmodel.idm.modeling_idm import InverseDynamicsModel
    from worldmodel.judge.modeling_judge import Judge
    from worldmodel.training.cache import load_split
    from worldmodel.training.idm import evaluate_idm
    from worldmodel.training.judge import evaluate_judge

    root = Path(checkpoints) if checkpoints else DEFAULT_CHECKPOINTS
    data = load_split(split_root)
    start = time.perf_counter()
    idm = InverseDynamicsModel.from_pretrained(root / "idm")
    judge = Judge.from_pretrained(root / "judge")
    pipeline = WorldModelPipeline.from_pretrained(root)
    result = {"split": split_root.name, "episodes": len(data)}
    goals = episode_goals(split_root, data.skills, data.args)
    result.update(evaluate_world_model(pipeline, data, goals, windows=windows, steps=steps))
    result.update(evaluate_idm(idm, data, idm.action_mean.numpy(), samples=idm_transitions))
    result.update(evaluate_judge(judge, data))
    result["seconds"] = round(time.perf_counter() - start, 1)
    return result
