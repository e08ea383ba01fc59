#!/usr/bin/env python3
# Tables and chart of scripts/compare_mixers.sh.
#   compare_mixers.py best DIR --seeds S --lrs LR...        prints "<mixer> <best lr>" per mixer (final
#                                                            held-out MLM accuracy on seed S)
#   compare_mixers.py report DIR --seeds S... --lrs LR...   prints the sweep (first seed), the pretraining
#                                                            and fine-tuning tables over the seeds with
#                                                            paired differences; writes the SVG (first seed)
import argparse, json, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from paired_stats import mean, paired_cells, std  # noqa: E402
from svg_chart import line_chart  # noqa: E402

MIXERS = [("ponet", "PoNet", "#d62728"), ("softmax", "softmax attention (BERT)", "#1f77b4"), ("fnet", "FNet", "#2ca02c")]
NAMES = dict((m, n) for m, n, _ in MIXERS)
NAMES["scratch"] = "from scratch (PoNet, no pretraining)"

ap = argparse.ArgumentParser()
ap.add_argument("mode", choices=["best", "report"])
ap.add_argument("out")
ap.add_argument("--seeds", nargs="+", required=True)
ap.add_argument("--lrs", nargs="+", required=True)
args = ap.parse_args()
out, seeds, lrs = args.out, args.seeds, args.lrs


def load(path):
    if not os.path.exists(path):
        sys.exit(f"compare_mixers.py: missing {path} (run scripts/compare_mixers.sh with the same SEEDS and LRS)")
    return path


def evals(mixer, lr, seed):
    path = load(os.path.join(out, f"pretrain-{mixer}-lr{lr}-s{seed}", "log.jsonl"))
    return [r for r in map(json.loads, filter(str.strip, open(path))) if r.get("kind") == "eval"]


def final(mixer, lr, seed):
    return evals(mixer, lr, seed)[-1]


first = seeds[0]
best = {m: max(lrs, key=lambda lr: final(m, lr, first)["mlm_accuracy"]) for m, _, _ in MIXERS}
if args.mode == "best":
    for m, lr in best.items():
        print(m, lr)
    sys.exit(0)


def pct(v):
    return f"{mean(v):.2f} +- {std(v):.2f}" if len(v) > 1 else f"{v[0]:.2f}"  # (one seed has no spread)


def per_seed_row(name, values):
    return f"| {name} | " + " | ".join(f"{v:.2f}" for v in values) + f" | {pct(values)} |"


def paired_table(title, values, pairs):
    print(f"\n{title} (points; the same seed paired, `paired_cells` of `scripts/lib/paired_stats.py`)\n")
    print("| pair | " + " | ".join(f"seed {s}" for s in seeds) + " | mean +- std | t | p (two-sided) | at 5 % |")
    print("|---|" + "---|" * len(seeds) + "---|---|---|---|")
    for a, b in pairs:
        d = [x - y for x, y in zip(values[a], values[b])]
        print(f"| {NAMES[a]} - {NAMES[b]} | " + " | ".join(f"{x:+.2f}" for x in d) + f" | {paired_cells(values[a], values[b])} |")


steps = final("ponet", lrs[0], first)["step"]
print(f"## Pretraining sweep (seed {first}, {steps} steps each, held-out MLM / SSO accuracy at the end)\n")
print("| mixer | " + " | ".join(f"lr {lr}" for lr in lrs) + " |")
print("|---|" + "---|" * len(lrs))
for m, name, _ in MIXERS:
    print(f"| {name} | " + " | ".join(
        f"{100 * final(m, lr, first)['mlm_accuracy']:.1f} / {100 * final(m, lr, first)['sso_accuracy']:.1f}"
        for lr in lrs) + " |")

seed_cols = " | ".join(f"seed {s}" for s in seeds)
print(f"\n## Pretraining, each mixer at its best learning rate, seeds {' '.join(seeds)}\n")
print(f"| mixer | lr | held-out MLM acc: {seed_cols} | mean +- std | SSO acc, mean +- std | MLM loss, mean |"
      " seconds, mean |")
print("|---|---|" + "---|" * len(seeds) + "---|---|---|---|")
mlm = {}
for m, name, _ in MIXERS:
    f = [final(m, best[m], s) for s in seeds]
    mlm[m] = [100 * r["mlm_accuracy"] for r in f]
    print(f"| {name} | {best[m]} | " + " | ".join(f"{v:.2f}" for v in mlm[m]) + f" | {pct(mlm[m])} |"
          f" {pct([100 * r['sso_accuracy'] for r in f])} | {mean([r['mlm_loss'] for r in f]):.3f} |"
          f" {mean([r['elapsed_s'] for r in f]):.0f} |")
paired_table("Held-out MLM accuracy, paired", mlm, [("ponet", "softmax"), ("ponet", "fnet"), ("fnet", "softmax")])

print(f"\n## Fine-tuning on the KJV division task (7 classes), from each best model, seeds {' '.join(seeds)}\n")
print(f"| start | test accuracy: {seed_cols} | mean +- std | test macro-F1, mean +- std | best dev accuracy, mean |"
      " test accuracy relative to BERT |")
print("|---|" + "---|" * len(seeds) + "---|---|---|---|")
test = {}
for name in ["ponet", "softmax", "fnet", "scratch"]:
    run = name if name == "scratch" else f"{name}-lr{best[name]}"
    rs = [json.load(open(load(os.path.join(out, f"finetune-{run}-s{s}", "results.json")))) for s in seeds]
    test[name] = [100 * r["test_accuracy"] for r in rs]
    f1 = [100 * r["test_macro_f1"] for r in rs]
    dev = [100 * r["best_dev_accuracy"] for r in rs]
    test[name + "/f1"], test[name + "/dev"] = f1, dev
for name in ["ponet", "softmax", "fnet", "scratch"]:
    print(f"| {NAMES[name]} | " + " | ".join(f"{v:.2f}" for v in test[name]) + f" | {pct(test[name])} |"
          f" {pct(test[name + '/f1'])} | {mean(test[name + '/dev']):.2f} |"
          f" {100 * mean(test[name]) / mean(test['softmax']):.1f} % |")
paired_table("Fine-tuned test accuracy, paired", test,
             [("ponet", "softmax"), ("ponet", "fnet"), ("fnet", "softmax"), ("ponet", "scratch")])

panels = []
for key, title in (("mlm_accuracy", "held-out MLM accuracy %"), ("sso_accuracy", "held-out SSO accuracy %")):
    panels.append({"title": title, "xlabel": "step", "ylabel": "accuracy %", "series": [
        (f"{name} (lr {best[m]})", colour, [(r["step"], 100 * r[key]) for r in evals(m, best[m], first)], False)
        for m, name, colour in MIXERS]})
svg = os.path.join(out, "pretraining-curves.svg")
line_chart(svg, panels, f"Pretraining on the default corpus, {steps} steps, tiny size, seed {first}")
print(f"\nchart: {svg}")
