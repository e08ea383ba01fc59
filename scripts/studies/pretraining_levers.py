#!/usr/bin/env python3
"""The curves behind the main job's defaults (docs/pretraining.md): held-out MLM and SSO accuracy against
the step for each run directory given, as a table and an SVG.

    python3 scripts/studies/pretraining_levers.py OUT.svg NAME=RUN_DIR [NAME=RUN_DIR ...]
    python3 scripts/studies/pretraining_levers.py OUT.svg --from docs/results/pretraining_levers.json

A run directory is read from its log.jsonl ("kind": "eval" records); --from reads the same records
as saved by --save FILE (the runs themselves live in runs/, which git ignores)."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from svg_chart import line_chart  # noqa: E402

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]


def read_run(run_dir):
    evals = []
    with open(os.path.join(run_dir, "log.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if r.get("kind") == "eval":
                evals.append({"step": r["step"], "elapsed_s": r.get("elapsed_s"),
                              "mlm_accuracy": r["mlm_accuracy"], "sso_accuracy": r["sso_accuracy"]})
    if not evals:
        sys.exit(f"pretraining_levers: {run_dir}/log.jsonl has no evaluation records")
    return evals


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    out, rest = argv[1], argv[2:]
    save = None
    if "--save" in rest:
        i = rest.index("--save")
        save = rest[i + 1]
        rest = rest[:i] + rest[i + 2:]
    if rest[0] == "--from":
        runs = json.load(open(rest[1]))
    else:
        runs = {}
        for arg in rest:
            name, _, path = arg.partition("=")
            if not path:
                sys.exit(f"pretraining_levers: expected NAME=RUN_DIR, got '{arg}'")
            runs[name] = read_run(path)
    if save:
        with open(save, "w") as f:
            json.dump(runs, f, indent=1)
    steps = sorted({e["step"] for evals in runs.values() for e in evals if e["step"] % 500 == 0})
    print("| run | " + " | ".join(str(s) for s in steps) + " |")
    print("|---|" + "---|" * len(steps))
    for name, evals in runs.items():
        by_step = {e["step"]: e for e in evals}
        cells = [f'{100 * by_step[s]["mlm_accuracy"]:.1f} / {100 * by_step[s]["sso_accuracy"]:.1f}'
                 if s in by_step else "" for s in steps]
        print(f"| {name} | " + " | ".join(cells) + " |")
    panels = []
    for metric, title in (("mlm_accuracy", "held-out MLM accuracy (%)"), ("sso_accuracy", "held-out SSO accuracy (%)")):
        series = [(name, COLOURS[i % len(COLOURS)], [(e["step"], 100 * e[metric]) for e in evals], False)
                  for i, (name, evals) in enumerate(runs.items())]
        panels.append({"title": title, "xlabel": "step", "ylabel": "%", "series": series})
    line_chart(out, panels, "ponet pretrain: the levers of the default run")


if __name__ == "__main__":
    main(sys.argv)
