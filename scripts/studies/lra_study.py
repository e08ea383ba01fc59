#!/usr/bin/env python3
# The LRA study of scripts/lra_study.sh (ListOps, Image, Pathfinder): from
# runs/<task>-<mixer>-<preset>-s<seed>/ (results.json, log.jsonl) prints a markdown table (test accuracy
# per seed, mean +- std, best dev), the paired per-seed differences PoNet - softmax and PoNet - FNet with
# a paired t-test, and the gradient norms per mixer (and, for runs with --self-pretrain, both phases'
# steps and seconds: the total budget); writes every run's dev curve to one SVG. With --baseline PRESET
# (e.g. --preset cpu-sp --baseline cpu) it also prints, per mixer, the paired per-seed difference of
# these runs against the baseline's runs of the same mixer and seed (self-pretrained against scratch).
#   scripts/studies/lra_study.py --task listops --preset cpu --seeds 0 1 2 3 4 --svg runs/listops-cpu-dev-curves.svg
import argparse, json, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from paired_stats import mean, paired_cells, std  # noqa: E402
from svg_chart import line_chart  # noqa: E402

MIXERS = [("ponet", "PoNet", "#d62728"), ("softmax", "softmax attention", "#1f77b4"), ("fnet", "FNet", "#2ca02c")]

ap = argparse.ArgumentParser()
ap.add_argument("--task", default="listops", choices=["listops", "image", "pathfinder"])
ap.add_argument("--preset", default="cpu")
ap.add_argument("--seeds", nargs="+", default=["0", "1", "2", "3", "4"])
ap.add_argument("--runs", default="runs")
ap.add_argument("--svg", default="")
ap.add_argument("--mixers", nargs="+", default=[m for m, _, _ in MIXERS])
ap.add_argument("--baseline", default="", help="another preset tag to compare against, mixer by mixer and seed by seed")
args = ap.parse_args()
MIXERS = [m for m in MIXERS if m[0] in args.mixers]

def run_dir(mixer, seed, preset=None):
    return os.path.join(args.runs, f"{args.task}-{mixer}-{preset or args.preset}-s{seed}")

def records(mixer, seed):
    return [json.loads(l) for l in open(os.path.join(run_dir(mixer, seed), "log.jsonl")) if l.strip()]

def load_results(preset):
    found, missing = {}, []
    for mixer, _, _ in MIXERS:
        for seed in args.seeds:
            path = os.path.join(run_dir(mixer, seed, preset), "results.json")
            if os.path.exists(path):
                found[mixer, seed] = json.load(open(path))
            else:
                missing.append(path)
    if missing:
        sys.exit("lra_study: missing " + ", ".join(missing))
    return found

results = load_results(args.preset)

test = {m: [100 * results[m, s]["test_accuracy"] for s in args.seeds] for m, _, _ in MIXERS}
dev = {m: [100 * results[m, s]["best_dev_accuracy"] for s in args.seeds] for m, _, _ in MIXERS}
recipe = results[MIXERS[0][0], args.seeds[0]].get("recipe", {})
TITLE = {"listops": "ListOps", "image": "Image", "pathfinder": "Pathfinder"}[args.task]
print(f"{TITLE}, preset {args.preset}, seeds {' '.join(args.seeds)}; recipe {json.dumps(recipe)}\n")
print("| mixer | " + " | ".join(f"seed {s}" for s in args.seeds) + " | mean +- std (test) | best dev mean | majority |")
print("|---|" + "---|" * (len(args.seeds) + 3))
for m, name, _ in MIXERS:
    print(f"| {name} | " + " | ".join(f"{t:.2f}" for t in test[m]) +
          f" | {mean(test[m]):.2f} +- {std(test[m]):.2f} | {mean(dev[m]):.2f} |"
          f" {100 * results[m, args.seeds[0]]['majority_test_accuracy']:.2f} |")

pairs = [p for p in (("softmax", "softmax"), ("fnet", "FNet")) if "ponet" in test and p[0] in test]
if pairs:  # (a study of one mixer has no pair)
    print("\nPaired per-seed differences of test accuracy (points; same data, same seed):\n")
    print("| pair | " + " | ".join(f"seed {s}" for s in args.seeds) + " | mean +- std | t | p (two-sided) | at 5 % |")
    print("|---|" + "---|" * (len(args.seeds) + 4))
for other, oname in pairs:
    d = [a - b for a, b in zip(test["ponet"], test[other])]
    print(f"| PoNet - {oname} | " + " | ".join(f"{x:+.2f}" for x in d) + " | " +
          paired_cells(test["ponet"], test[other], "PoNet ahead", "PoNet behind") + " |")

print("\nGradient norm per mixer (log.jsonl, mean over the records of each phase, all seeds):\n")
print("| mixer | steps 1-200 | 201-1000 | 1001-end | largest |")
print("|---|---|---|---|---|")
for m, name, _ in MIXERS:
    phases = [[], [], []]
    for s in args.seeds:
        for r in records(m, s):
            if r.get("kind") == "train":
                k = 0 if r["step"] <= 200 else 1 if r["step"] <= 1000 else 2
                phases[k].append(r["grad_norm"])
    allv = [g for ph in phases for g in ph]
    print(f"| {name} | " + " | ".join(f"{mean(ph):.2f}" if ph else "-" for ph in phases) + f" | {max(allv):.2f} |")

print("\nSeconds per run (wall, as run by lra_study.sh):",
      ", ".join(f"{name} {mean([results[m, s]['seconds'] for s in args.seeds]):.0f}" for m, name, _ in MIXERS))

# `ponet lra --self-pretrain`: the budget is both phases (masked-token steps, then fine-tuning)
if any("self_pretrain" in r for r in results.values()):
    print("\nSelf-pretraining on the task's own training sequences, then fine-tuning (means over the seeds):\n")
    print("| mixer | self-pretrain steps | fine-tuning steps | total steps | final dev MLM accuracy | total seconds |")
    print("|---|---|---|---|---|---|")
    for m, name, _ in MIXERS:
        rs = [results[m, s] for s in args.seeds]
        sp = [r.get("self_pretrain", {"steps": 0, "final_mlm_accuracy": float("nan")}) for r in rs]
        print(f"| {name} | {mean([p['steps'] for p in sp]):.0f} | {mean([r['steps'] for r in rs]):.0f} |"
              f" {mean([r.get('total_steps', r['steps']) for r in rs]):.0f} |"
              f" {mean([100 * p['final_mlm_accuracy'] for p in sp]):.2f} |"
              f" {mean([r.get('total_seconds', r['seconds']) for r in rs]):.0f} |")

if args.baseline:
    base = load_results(args.baseline)
    print(f"\nPaired per-seed differences of test accuracy, {args.preset} - {args.baseline} (points; same mixer, data"
          " and seed):\n")
    print(f"| mixer | {args.baseline} mean | {args.preset} mean | " + " | ".join(f"seed {s}" for s in args.seeds) +
          " | mean +- std | t | p (two-sided) | at 5 % |")
    print("|---|---|---|" + "---|" * (len(args.seeds) + 4))
    for m, name, _ in MIXERS:
        ours, theirs = test[m], [100 * base[m, s]["test_accuracy"] for s in args.seeds]
        d = [a - b for a, b in zip(ours, theirs)]
        head = f"| {name} | {mean(theirs):.2f} | {mean(ours):.2f} | " + " | ".join(f"{x:+.2f}" for x in d)
        print(head + " | " + paired_cells(ours, theirs) + " |")

if args.svg:
    dev_series, train_series = [], []
    for m, name, colour in MIXERS:
        for s in args.seeds:
            rs = records(m, s)
            dev_series.append((name, colour, [(r["step"], 100 * r["accuracy"]) for r in rs if r.get("kind") == "eval"], False))
            train_series.append((name, colour, [(r["step"], r["loss"]) for r in rs if r.get("kind") == "train"], False))
    line_chart(args.svg, [
        {"title": "dev accuracy (every run)", "xlabel": "step", "ylabel": "accuracy %", "series": dev_series},
        {"title": "training loss (every run)", "xlabel": "step", "ylabel": "loss", "series": train_series},
    ], f"{TITLE}, {args.preset} preset, {len(args.seeds)} seeds per mixer")
    print(f"\nwrote {args.svg}")
