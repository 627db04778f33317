"""A chain evaluation as one self-contained HTML file (opens offline): CALVIN's table, per-skill
and per-composition tables with 95% intervals, plots drawn by matplotlib and embedded as PNG, an
animated strip of every episode labelled with the judge's claim beside the simulator's verdict,
and the failure breakdown. Several reports of the same suite become side-by-side columns.
"""

from __future__ import annotations

import base64
import html
import io
import platform
from datetime import datetime
from pathlib import Path

import numpy as np

from evals.chains import CHAIN_LENGTH
from worldmodel.checkpoint import atomic_write_text

FRAMES_PER_CHORE = 6  # frames of an episode's strip taken from each chore's recording
STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}.ok{color:#176d2c}.bad{color:#b00020}
img.strip{width:192px;image-rendering:pixelated}figure{display:inline-block;margin:0 1em 1em 0}
small{color:#666}
"""


def compare_reports(reports: list[dict]) -> None:
    """Refuse to put different suites side by side: their columns would not be comparable."""
    first = reports[0]
    for other in reports[1:]:
        if other["settings"].get("suite_digest") != first["settings"].get("suite_digest"):
            raise ValueError(
                f"reports compare only on the same chains: {first['suite']!r} "
                f"({first['settings'].get('suite_digest')}) and {other['suite']!r} "
                f"({other['settings'].get('suite_digest')}) differ; pass reports of one suite"
            )


def run_label(report: dict) -> str:
    s = report["settings"]
    label = s["executor"]
    if s["executor"] == "worldmodel":
        label += f" ×{s['rollouts']}"
    if s.get("judge", "local") != "local" or s.get("planner", "local") != "local":
        label += f" ({s.get('planner')}/{s.get('judge')})"
    return label


def write_report(reports: list[dict], out: Path) -> Path:
    """Render `reports` (chain-eval reports of one suite) to `out`, atomically."""
    atomic_write_text(out, render_report(reports))
    return out


def render_report(reports: list[dict]) -> str:
    if not reports:
        raise ValueError("no reports to render; pass at least one chain-eval report")
    compare_reports(reports)
    labels = _unique([run_label(r) for r in reports])
    suite = reports[0]["suite"]
    made = datetime.now().strftime("%Y-%m-%d %H:%M")
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Chains: {_e(suite)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Long-horizon chains: {_e(suite)}</h1>",
        f"<p><small>written {made} on {_e(platform.node())} ({_e(platform.machine())}); "
        "CALVIN's protocol: 5 chores per chain, no reset, a chain stops at its first failed "
        "chore; intervals are bootstrap 95% over chains (per-skill: over subtasks)</small></p>",
        _settings_table(reports, labels),
        "<h2>Success by chain length</h2>",
        _length_table(reports, labels),
        _figure(_plot_lengths(reports, labels), "success rate at chain lengths 1..5"),
        "<h2>By skill</h2>",
        _group_table(reports, labels, "by_skill", "skill"),
        _figure(_plot_groups(reports, labels, "by_skill"), "subtask success by skill"),
        "<h2>By composition (seen in training / held out)</h2>",
        _group_table(reports, labels, "by_composition", "composition"),
        _figure(_plot_groups(reports, labels, "by_composition"), "subtask success"),
        "<h2>Time per subtask</h2>",
        _figure(_plot_seconds(reports, labels), "seconds per subtask by skill"),
        "<h2>Failures</h2>",
        _failure_table(reports, labels),
        "<h2>Episodes</h2>",
        "<p><small>each strip: frames the robot's camera saw, a band per chore "
        "(green: the simulator says done, red: not done); beside it every chore with the "
        "judge's claim and the simulator's verdict</small></p>",
        _episodes(reports, labels),
        "</body></html>",
    ]
    return "\n".join(parts)


# ----------------------------------------------------------------------------- tables
def _settings_table(reports, labels) -> str:
    keys = ["executor", "rollouts", "max_replans", "planner", "judge", "position_noise"]
    rows = [_row([k, *[str(r["settings"].get(k)) for r in reports]], first_left=True) for k in keys]
    rows.append(_row(["chains run", *[str(len(r["chains"])) for r in reports]], first_left=True))
    rows.append(_row(["started", *[str(r.get("started", "")) for r in reports]], first_left=True))
    return _table(["run", *labels], rows)


def _length_table(reports, labels) -> str:
    rows = []
    for k in range(CHAIN_LENGTH):
        cells = [
            _rate(r["overall"]["success_at_length"][k], r["overall"]["success_at_length_ci"][k])
            for r in reports
        ]
        label = f"{k + 1} chore{'s' if k else ''} in a row"
        rows.append(_row([label, *cells], first_left=True, raw=True))
    avg = [
        f"<b>{r['overall']['average_length']:.2f}</b> "
        f"<small>[{r['overall']['average_length_ci'][0]:.2f}–"
        f"{r['overall']['average_length_ci'][1]:.2f}]</small>"
        for r in reports
    ]
    rows.append(_row(["average length (of 5)", *avg], first_left=True, raw=True))
    return _table(["chain length", *labels], rows)


def _group_table(reports, labels, key: str, name: str) -> str:
    groups = sorted({g for r in reports for g in r["overall"].get(key, {})})
    rows = []
    for g in groups:
        cells = []
        for r in reports:
            t = r["overall"].get(key, {}).get(g)
            cells.append(
                "–"
                if t is None
                else f"{_rate(t['success_rate'], t['ci'])} <small>n={t['count']}, "
                f"{t['median_seconds']} s</small>"
            )
        rows.append(_row([g, *cells], first_left=True, raw=True))
    if not rows:
        return "<p>no subtasks ran</p>"
    return _table([name, *labels], rows)


def _failure_table(reports, labels) -> str:
    rows = []
    for k in range(1, CHAIN_LENGTH + 1):
        rows.append(
            _row(
                [f"chains stopped at chore {k}"]
                + [str(r["overall"]["failures"]["failed_at_chore"][str(k)]) for r in reports],
                first_left=True,
            )
        )
    skills = sorted({s for r in reports for s in r["overall"]["failures"]["failed_subtask_skill"]})
    for s in skills:
        rows.append(
            _row(
                [f"stopped by a failed {s}"]
                + [
                    str(r["overall"]["failures"]["failed_subtask_skill"].get(s, 0)) for r in reports
                ],
                first_left=True,
            )
        )
    rows.append(
        _row(
            ["stopped by a refused chore"]
            + [str(r["overall"]["failures"]["refused"]) for r in reports],
            first_left=True,
        )
    )
    for key, text in (
        ("false_positives", "judge false positives (claimed done, not done) / subtasks"),
        ("false_negatives", "judge false negatives (done, claimed not) / subtasks"),
        ("chore_false_positives", "chores claimed done that were not / chores"),
        ("chore_false_negatives", "chores done but claimed not / chores"),
    ):
        total = "chores" if key.startswith("chore") else "subtasks"
        judge = [r["overall"]["failures"]["judge"] for r in reports]
        rows.append(_row([text, *[f"{j[key]} / {j[total]}" for j in judge]], first_left=True))
    return _table(["", *labels], rows)


# ----------------------------------------------------------------------------- plots
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    _pyplot().close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _figure(png: str | None, caption: str) -> str:
    if png is None:
        return "<p><small>(nothing to plot)</small></p>"
    return (
        f"<figure><img alt='{_e(caption)}' src='data:image/png;base64,{png}'>"
        f"<figcaption><small>{_e(caption)}</small></figcaption></figure>"
    )


def _plot_lengths(reports, labels) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    xs = np.arange(1, CHAIN_LENGTH + 1)
    for i, (r, label) in enumerate(zip(reports, labels, strict=True)):
        y = np.array(r["overall"]["success_at_length"])
        ci = np.array(r["overall"]["success_at_length_ci"])
        shift = (i - (len(reports) - 1) / 2) * 0.06
        ax.errorbar(
            xs + shift,
            y,
            yerr=[y - ci[:, 0], ci[:, 1] - y],
            marker="o",
            capsize=3,
            label=f"{label} (avg len {r['overall']['average_length']:.2f})",
        )
    ax.set(xlabel="chores completed in a row", ylabel="share of chains", ylim=(-0.02, 1.05))
    ax.set_xticks(xs)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)


def _plot_groups(reports, labels, key: str) -> str | None:
    groups = sorted({g for r in reports for g in r["overall"].get(key, {})})
    if not groups:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(1.2 + 1.1 * len(groups) * max(1, len(reports) / 2), 3.2))
    width = 0.8 / len(reports)
    xs = np.arange(len(groups))
    for i, (r, label) in enumerate(zip(reports, labels, strict=True)):
        table = r["overall"].get(key, {})
        y = np.array([table[g]["success_rate"] if g in table else np.nan for g in groups])
        lo = np.array([table[g]["ci"][0] if g in table else np.nan for g in groups])
        hi = np.array([table[g]["ci"][1] if g in table else np.nan for g in groups])
        ax.bar(
            xs + (i - (len(reports) - 1) / 2) * width,
            y,
            width,
            yerr=[y - lo, hi - y],
            capsize=3,
            label=label,
        )
    ax.set_xticks(xs, groups, rotation=15)
    ax.set(ylabel="subtask success", ylim=(0, 1.05))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)


def _plot_seconds(reports, labels) -> str | None:
    per_run = []
    for r in reports:
        by_skill: dict[str, list[float]] = {}
        for chain in r["chains"]:
            for chore in chain["chores"]:
                for s in chore.get("steps", []):
                    if s.get("seconds") is not None:
                        by_skill.setdefault(s["skill"], []).append(s["seconds"])
        per_run.append(by_skill)
    skills = sorted({s for by in per_run for s in by})
    if not skills:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(1.2 + 1.1 * len(skills) * max(1, len(reports) / 2), 3.2))
    width = 0.8 / len(reports)
    for i, (by, label) in enumerate(zip(per_run, labels, strict=True)):
        at = [j + (i - (len(reports) - 1) / 2) * width for j, s in enumerate(skills) if s in by]
        data = [by[s] for s in skills if s in by]
        parts = ax.boxplot(data, positions=at, widths=width * 0.9, patch_artist=True)
        for box in parts["boxes"]:
            box.set_facecolor(f"C{i}")
            box.set_alpha(0.6)
        ax.plot([], [], color=f"C{i}", linewidth=6, alpha=0.6, label=label)
    ax.set_xticks(range(len(skills)), skills, rotation=15)
    ax.set(ylabel="seconds per subtask")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)


# ----------------------------------------------------------------------------- episodes
def _episodes(reports, labels) -> str:
    by_index = [{c["index"]: c for c in r["chains"]} for r in reports]
    indices = sorted({i for by in by_index for i in by})
    rows = []
    for index in indices:
        cells = [f"<td class='l'>chain {index}</td>"]
        for by in by_index:
            chain = by.get(index)
            cells.append("<td class='l'>not run</td>" if chain is None else _episode(chain))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f"<th class='l'>{_e(x)}</th>" for x in ["", *labels])
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _episode(chain: dict) -> str:
    done = chain["completed"]
    verdict = (
        f"<b class='ok'>success {done}/{CHAIN_LENGTH}</b>"
        if done == CHAIN_LENGTH
        else f"<b class='bad'>failure at chore {len(chain['chores'])}: {done}/{CHAIN_LENGTH}</b>"
    )
    gif = _strip(chain)
    media = (
        f"<img class='strip' alt='episode of chain {chain['index']}' "
        f"src='data:image/gif;base64,{gif}'>"
        if gif
        else "<small>(no recorded frames)</small>"
    )
    lines = []
    for k, chore in enumerate(chain["chores"], 1):
        if "refused" in chore:
            lines.append(f"{k}. {_e(chore['chore'])}: <span class='bad'>refused</span>")
            continue
        claim = "claimed done" if chore["claimed"] else "claimed not done"
        truth = "done" if chore["success"] else "not done"
        cls = "ok" if chore["success"] else "bad"
        lines.append(
            f"{k}. {_e(chore['chore'])} <small>({chore['seconds']} s)</small><br>"
            f"&nbsp;&nbsp;judge: {claim} · simulator: <span class='{cls}'>{truth}</span>"
        )
    return (
        f"<td class='l'>{verdict} <small>seed {chain['seed']}</small><br>{media}<br>"
        f"<small>{'<br>'.join(lines)}</small></td>"
    )


def _strip(chain: dict) -> str | None:
    """An animated GIF of the chain from its chores' recorded frames, a coloured band per chore."""
    from PIL import Image, ImageDraw

    frames = []
    for k, chore in enumerate(chain["chores"], 1):
        run_dir = chore.get("run_dir")
        if not run_dir or not Path(run_dir, "frames").is_dir():
            continue
        paths = sorted(Path(run_dir, "frames").glob("chunk_*.npz"))
        if not paths:
            continue
        picks = np.unique(np.linspace(0, len(paths) - 1, FRAMES_PER_CHORE).round().astype(int))
        colour = (23, 109, 44) if chore.get("success") else (176, 0, 32)
        for i in picks:
            real = np.load(paths[i])["real"][-1]
            h, w = real.shape[:2]
            image = Image.new("RGB", (w, h + 12), colour)
            image.paste(Image.fromarray(real), (0, 0))
            ImageDraw.Draw(image).text((2, h), f"{k}/{CHAIN_LENGTH}", fill=(255, 255, 255))
            frames.append(image)
    if not frames:
        return None
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=180, loop=0)
    return base64.b64encode(buf.getvalue()).decode()


# ----------------------------------------------------------------------------- html bits
def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


def _rate(value: float | None, ci) -> str:
    if value is None:
        return "–"
    return f"{value:.0%} <small>[{ci[0]:.0%}–{ci[1]:.0%}]</small>"


def _row(cells: list[str], first_left: bool = False, raw: bool = False) -> str:
    out = []
    for i, cell in enumerate(cells):
        cls = " class='l'" if first_left and i == 0 else ""
        out.append(f"<td{cls}>{cell if raw and i else _e(cell)}</td>")
    return "<tr>" + "".join(out) + "</tr>"


def _table(head: list[str], rows: list[str]) -> str:
    cells = "".join(f"<th{' class=l' if i == 0 else ''}>{_e(h)}</th>" for i, h in enumerate(head))
    return f"<table><tr>{cells}</tr>{''.join(rows)}</table>"


def _unique(labels: list[str]) -> list[str]:
    """Two runs with the same label get #2, #3 so columns stay distinguishable."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return out
