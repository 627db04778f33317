"""Write docs/results.md from the benchmark results in benchmarks/results/*.json.

    python3 scripts/results_page.py [--results DIR] [--out FILE]

One section per result file: its date, machine and command, then every figure as a flattened
key/value table. Standard library only, so it runs without the project's virtual environment.
The page has no time stamp of its own: running it twice on the same JSON gives the same file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Longer lists (per-run rows, per-clip errors, every timing) stay in the JSON.
MAX_LIST = 8
HEADER_KEYS = ("benchmark", "date", "machine", "command")
# Where each result file (by name, else by benchmark) is explained, beside its baselines.
DOCS = {
    "sim_speed": "simulator.md#simulator-speed",
    "bridge_latency": "bridge.md#measured-latency",
    "voice": "voice.md#measured-accuracy-and-latency",
    "agent_skills": "agent.md#measured-agent",
    "wm_quality": "world_model.md",
    "wm_speed": "world_model.md",
    "wm_policy": "world_model.md",
    "wm_policy_grasp_guard": "agent.md",
    "camera_visibility": "world_model.md",
    "wm_evaluation": "evaluation.md#evaluation-inside-the-world-model",
    "console": "console.md#measured",
    "perception_noise": "agent.md#measured-perception-noise",
    "planner_paraphrases": "agent.md",
}


def fmt(value: object) -> str:
    if isinstance(value, float):
        text = repr(value) if len(repr(value)) <= 10 else f"{value:.6g}"
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value)
    return text.replace("|", "\\|")


def flatten(value: object, prefix: str = "") -> list[tuple[str, str]]:
    """(key, value) leaves: nested keys joined with dots, short lists of scalars inline."""
    if isinstance(value, dict):
        rows = []
        for key, item in value.items():
            rows += flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return rows
    if isinstance(value, list):
        scalars = all(not isinstance(v, dict | list) for v in value)
        if scalars and len(value) <= MAX_LIST:
            return [(prefix, ", ".join(fmt(v) for v in value))]
        return [(prefix, f"{len(value)} entries (see the JSON)")]
    return [(prefix, fmt(value))]


def section(path: Path, root: Path) -> str:
    try:
        result = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SystemExit(f"error: {path} is not valid JSON ({exc}); re-run its benchmark") from None
    if not isinstance(result, dict):
        raise SystemExit(f"error: {path} holds no JSON object; re-run its benchmark")
    name = result.get("benchmark", path.stem)
    machine = result.get("machine", "not recorded")
    if isinstance(machine, dict):
        machine = ", ".join(f"{k} {v}" for k, v in machine.items())
    command = result.get("command")
    if command:
        command = f"`{command}`"
    else:
        command = f"not recorded in the JSON (the script is `benchmarks/{name}.py`)"
    path = path.resolve()
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    lines = [
        f"## {path.stem}",
        "",
        f"- file: `{shown}`",
        f"- date: {result.get('date', 'not recorded')}",
        f"- machine: {machine}",
        f"- command: {command}",
    ]
    doc = DOCS.get(path.stem) or DOCS.get(name)
    if doc:
        lines.append(f"- explained in: [{doc.split('#')[0]}]({doc})")
    lines += ["", "| figure | value |", "| --- | --- |"]
    figures = {k: v for k, v in result.items() if k not in HEADER_KEYS}
    lines += [f"| `{key}` | {value} |" for key, value in flatten(figures)]
    return "\n".join(lines) + "\n"


def build(results: Path, root: Path) -> str:
    files = sorted(results.glob("*.json"))
    if not files:
        raise SystemExit(f"error: no *.json in {results}; run a benchmark first (make bench)")
    head = [
        "# Benchmark results",
        "",
        "Generated from `benchmarks/results/*.json` by `python3 scripts/results_page.py`; do not",
        "edit it by hand: run a benchmark (it writes its JSON), then the script. One section per",
        f"result file with every figure it holds; lists of more than {MAX_LIST} entries (per-run",
        "rows, per-clip errors) stay in the JSON. What a figure means, its baseline and its target",
        "are in the doc its section links to.",
        "",
        *(f"- [{p.stem}](#{p.stem})" for p in files),
    ]
    return "\n".join(head) + "\n\n" + "\n".join(section(p, root) for p in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results.md")
    args = parser.parse_args()
    page = build(args.results, ROOT)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".md.tmp")
    tmp.write_text(page)
    tmp.replace(args.out)
    print(f"wrote {args.out} ({len(page.splitlines())} lines)")


if __name__ == "__main__":
    main()
