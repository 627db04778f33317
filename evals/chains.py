"""Long-horizon chains (CALVIN's protocol): five chores in a row on one scene, no reset between
them, each starting from whatever the previous one left.

A chain suite is a JSON file (see `evals/configs/chains.json`):

    {"name": "household-chains",
     "chains": [{"seed": 3,
                 "chores": [{"chore": "open the drawer", "expect": {"drawer_open": true}},
                            {"chore": "put the red block in it",
                             "expect": {"relations": [["in", "red_block", "drawer"]]}},
                            ... five chores in all]}]}

`generate_chains(n, seed)` writes such chains reproducibly: each chore is read by the local planner
in the scene the chores before it will leave (predicted with the skills' symbolic effects), and is
kept only if every planned step's preconditions hold and its expectation is met afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from evals.chores_eval import Expectation, read_model_file
from skills.library import SkillCall
from skills.symbolic import SymbolicState, apply_effects, feasible_in_state, unmet_preconditions
from skills.vocabulary import ALL_OBJECTS

CHAIN_LENGTH = 5  # CALVIN's protocol
MAX_SCENE_SEED = 100_000


class ChainChore(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chore: str = Field(min_length=1)
    expect: Expectation | None = None  # None: the plan's own success predicates


class Chain(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: int = Field(ge=0, description="scene seed of the simulator at the chain's start")
    chores: list[ChainChore]

    @field_validator("chores")
    @classmethod
    def _five(cls, chores):
        if len(chores) != CHAIN_LENGTH:
            raise ValueError(f"a chain holds exactly {CHAIN_LENGTH} chores; got {len(chores)}")
        return chores


class ChainSuite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    chains: list[Chain] = Field(min_length=1)


def load_chain_suite(path: Path) -> ChainSuite:
    """Read and validate a chain suite; errors name the file and what is wrong."""
    return read_model_file(
        path,
        ChainSuite,
        "chain suite file",
        "chain suite",
        "A suite is "
        '{"name": ..., "chains": [{"seed": 0, "chores": [{"chore": "open the drawer", '
        '"expect": {"drawer_open": true}}, ... 5 chores]}]}; expect takes relations '
        '([["in", "red_block", "drawer"]]), drawer_open and light_on; '
        f"objects: {', '.join(ALL_OBJECTS)}",
    )


# ----------------------------------------------------------------------------- generation
def generate_chains(n: int, seed: int, name: str | None = None) -> ChainSuite:
    """`n` chains of five feasible chores, the same for the same `seed`."""
    from agent.planners.local import LocalPlanner
    from robot_bridge.sim.tabletop import TabletopSim

    if n < 1:
        raise ValueError(f"the number of chains must be >= 1; got {n}")
    rng = np.random.default_rng(seed)
    sim, planner = TabletopSim(), LocalPlanner()
    chains: list[Chain] = []
    while len(chains) < n:
        scene_seed = int(rng.integers(MAX_SCENE_SEED))
        sim.reset(scene_seed)
        chores = _chain_from(sim.scene(), rng, planner)
        if chores is not None:
            chains.append(Chain(seed=scene_seed, chores=chores))
    return ChainSuite(name=name or f"generated-{n}-seed{seed}", chains=chains)


def _chain_from(scene, rng: np.random.Generator, planner) -> list[ChainChore] | None:
    positions = {o.id: o.position for o in scene.objects}
    state = SymbolicState.from_scene(scene)
    chores = []
    for _ in range(CHAIN_LENGTH):
        chore = _draw_chore(state, positions, rng, planner)
        if chore is None:
            return None  # nothing fits this scene any more: the caller draws another
        chores.append(chore[0])
        state = chore[1]
    return chores


def _draw_chore(state, positions, rng, planner) -> tuple[ChainChore, SymbolicState] | None:
    """A skill kind uniformly among those with a feasible chore, then one of its chores."""
    by_kind: dict[str, list[tuple[str, Expectation]]] = {}
    for kind, text, expect in _chore_options(state):
        by_kind.setdefault(kind, []).append((text, expect))
    kinds = sorted(by_kind)
    for k in rng.permutation(len(kinds)):
        options = by_kind[kinds[k]]
        for index in rng.permutation(len(options)):
            text, expect = options[index]
            after = plan_outcome(text, expect, state, positions, planner)
            if after is not None:
                return ChainChore(chore=text, expect=expect), after
    return None


def _chore_options(state: SymbolicState) -> list[tuple[str, str, Expectation]]:
    """(skill kind, chore, what it must leave) worth asking in `state`, phrased as people say
    them. A closed drawer as the target is fine: the planner opens it first."""
    out: list[tuple[str, str, Expectation]] = []
    calls = {str(c): c for c in feasible_in_state(state)}
    for call in feasible_in_state(_drawer_opened(state)):  # what opening the drawer frees
        calls.setdefault(str(call), call) if call.skill in ("pick_place", "stack") else None
    for call in calls.values():
        if call.skill == "stack" and state.placement[call.args["base"]] != ("on", "table"):
            continue  # towers of three topple with the experts; keep stacks one high
        paraphrases = len(call.spec().instructions())
        for paraphrase in range(paraphrases):
            out.append((call.skill, call.instruction(paraphrase), _expectation(call, state)))
        if call.skill == "press_button":
            word = "off" if state.light_on else "on"
            out.append(
                (call.skill, f"turn the light {word}", Expectation(light_on=not state.light_on))
            )
        if call.skill == "pick_place" and call.args["target"] == "drawer":
            spoken = call.instruction().removeprefix("put ")
            out.append(
                (
                    call.skill,
                    f"put {spoken} and leave it closed",
                    Expectation(relations=[_relation(call)], drawer_open=False),
                )
            )
    return out


def _drawer_opened(state: SymbolicState) -> SymbolicState:
    return SymbolicState(drawer_open=True, light_on=state.light_on, placement=state.placement)


def _relation(call: SkillCall) -> tuple[str, str, str]:
    if call.skill == "pick_place":
        return ("in", call.args["object"], call.args["target"])
    return ("on", call.args["object"], call.args["base"])


def _expectation(call: SkillCall, state: SymbolicState) -> Expectation:
    if call.skill in ("pick_place", "stack"):
        return Expectation(relations=[_relation(call)])
    if call.skill == "press_button":
        return Expectation(light_on=not state.light_on)
    return Expectation(drawer_open=call.skill == "open_drawer")


def plan_outcome(
    chore: str, expect: Expectation, state: SymbolicState, positions: dict, planner
) -> SymbolicState | None:
    """The state `chore` leaves when the planner's steps run from `state`; None when it is not
    feasible there (refused, a step's preconditions fail, nothing to do, or `expect` unmet).
    The planner reads the scene as the robot perceives it: blocks in a shut drawer unseen."""
    from agent.perception import PerceivedScene
    from agent.planners.base import PlanningError

    # the robot's perception does not see into a shut drawer, and the agent has no memory of it
    hidden = {b for b in state.placement if not state.is_reachable(b)}
    scene = PerceivedScene(
        objects={k: v for k, v in positions.items() if k not in hidden},
        drawer_open=state.drawer_open,
        drawer_state="open" if state.drawer_open else "closed",
        light_on=state.light_on,
        placement={b: p for b, p in state.placement.items() if b not in hidden},
    )
    try:
        steps = planner.plan(chore, scene).steps
    except PlanningError:
        return None
    if not steps:
        return None
    for step in steps:
        call = SkillCall(skill=step.skill, args=step.args)
        if unmet_preconditions(call, state):
            return None
        state = apply_effects(call, state)
    return state if not expect.unmet(symbolic_scene(state)) else None


def symbolic_scene(state: SymbolicState) -> dict:
    """`state` as the final-scene facts an Expectation reads."""
    return {
        "relations": [[rel, block, other] for block, (rel, other) in state.placement.items()],
        "drawer_open": state.drawer_open,
        "light_on": state.light_on,
    }


def dump_chain_suite(suite: ChainSuite) -> str:
    """The suite as JSON with one chore a line, for people to read and edit."""
    chains = []
    for chain in suite.chains:
        chores = ",\n".join(
            "      " + json.dumps(c.model_dump(exclude_none=True, exclude_defaults=True))
            for c in chain.chores
        )
        chains.append(f'    {{"seed": {chain.seed}, "chores": [\n{chores}\n    ]}}')
    body = ",\n".join(chains)
    return f'{{\n  "name": {json.dumps(suite.name)},\n  "chains": [\n{body}\n  ]\n}}\n'
