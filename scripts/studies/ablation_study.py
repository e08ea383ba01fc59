#!/usr/bin/env python3
# The ablation study of scripts/ablation.sh: from <runs>/pretrain-<cell>-s<seed>/log.jsonl (held-out
# pretraining metrics, last evaluation) and <runs>/finetune-<cell>-s<seed>/results.json (the KJV
# division task) prints markdown tables: per cell the fine-tuned test accuracy per seed, mean +- std,
# macro-F1 and the held-out MLM and sentence accuracies of pretraining; then the paired per-seed
# differences of each cell against the first (full PoNet, MLM + SSO) with a paired t-test, for test
# accuracy and for held-out MLM accuracy. A cell is VARIANT:OBJECTIVE, e.g. no_smp:mlm+sso.
#   scripts/studies/ablation_study.py --runs runs/ablation --seeds 0 1 2 --cells full:mlm+sso no_ga:mlm+sso
import argparse, json, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from paired_stats import mean, paired_cells, std  # noqa: E402

VARIANTS = {"full": "PoNet", "no_ga": "w/o GA", "no_smp": "w/o SMP", "no_lmp": "w/o LMP"}
OBJECTIVES = {"mlm+sso": "MLM + SSO", "mlm+nsp": "MLM + NSP", "mlm": "MLM"}

ap = argparse.ArgumentParser()
ap.add_argument("--runs", default="runs/ablation")
ap.add_argument("--seeds", nargs="+", default=["0", "1", "2"])
ap.add_argument("--cells", nargs="+",
                default=["full:mlm+sso", "no_ga:mlm+sso", "no_smp:mlm+sso", "no_lmp:mlm+sso", "full:mlm+nsp", "full:mlm"])
args = ap.parse_args()

for cell in args.cells:
    variant, _, objective = cell.partition(":")
    if variant not in VARIANTS or objective not in OBJECTIVES:
        sys.exit(f"ablation_study: bad cell '{cell}' (VARIANT:OBJECTIVE, variants {', '.join(VARIANTS)}, "
                 f"objectives {', '.join(OBJECTIVES)})")


def name(cell):
    variant, _, objective = cell.partition(":")
    return f"{VARIANTS[variant]}, {OBJECTIVES[objective]}"


def run_dir(kind, cell, seed):
    return os.path.join(args.runs, f"{kind}-{cell.replace(':', '-')}-s{seed}")


def last_eval(path):
    evals = [r for r in (json.loads(l) for l in open(path) if l.strip()) if r.get("kind") == "eval"]
    if not evals:
        sys.exit(f"ablation_study: no evaluation in {path}")
    return evals[-1]


finetuned, pretrained, missing = {}, {}, []
for cell in args.cells:
    for seed in args.seeds:
        ft = os.path.join(run_dir("finetune", cell, seed), "results.json")
        pt = os.path.join(run_dir("pretrain", cell, seed), "log.jsonl")
        for path in (ft, pt):
            if not os.path.exists(path):
                missing.append(path)
        if not missing:
            finetuned[cell, seed] = json.load(open(ft))
            pretrained[cell, seed] = last_eval(pt)
if missing:
    sys.exit("ablation_study: missing " + ", ".join(missing))


def series(cell, get):
    return [get(cell, s) for s in args.seeds]


test = {c: series(c, lambda c, s: 100 * finetuned[c, s]["test_accuracy"]) for c in args.cells}
f1 = {c: series(c, lambda c, s: 100 * finetuned[c, s]["test_macro_f1"]) for c in args.cells}
mlm = {c: series(c, lambda c, s: 100 * pretrained[c, s]["mlm_accuracy"]) for c in args.cells}


def sentence(cell):
    key = {"mlm+sso": "sso_accuracy", "mlm+nsp": "nsp_accuracy"}.get(cell.partition(":")[2])
    if not key:
        return "-"
    v = [100 * pretrained[cell, s][key] for s in args.seeds]
    return f"{key[:3].upper()} {mean(v):.2f}"


print(f"Fine-tuned after pretraining, seeds {' '.join(args.seeds)}: test accuracy % on the fine-tuning task's test split\n")
print("| cell | " + " | ".join(f"seed {s}" for s in args.seeds) +
      " | mean +- std | macro-F1 mean | held-out MLM acc (pretraining) | sentence acc |")
print("|---|" + "---|" * (len(args.seeds) + 4))
for c in args.cells:
    print(f"| {name(c)} | " + " | ".join(f"{t:.2f}" for t in test[c]) +
          f" | {mean(test[c]):.2f} +- {std(test[c]):.2f} | {mean(f1[c]):.2f} |"
          f" {mean(mlm[c]):.2f} +- {std(mlm[c]):.2f} | {sentence(c)} |")

base = args.cells[0]
for title, values in (("fine-tuned test accuracy", test), ("held-out MLM accuracy of pretraining", mlm)):
    print(f"\nPaired per-seed differences against {name(base)}, {title} (points; same seed, same data):\n")
    print("| pair | " + " | ".join(f"seed {s}" for s in args.seeds) + " | mean +- std | t | p (two-sided) | at 5 % |")
    print("|---|" + "---|" * (len(args.seeds) + 4))
    for c in args.cells[1:]:
        d = [a - b for a, b in zip(values[c], values[base])]
        print(f"| {name(c)} | " + " | ".join(f"{x:+.2f}" for x in d) + " | " + paired_cells(values[c], values[base]) + " |")
