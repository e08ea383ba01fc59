#!/usr/bin/env python3
# Tables and chart of scripts/compare_mixers.sh.
#   compare_mixers.py best DIR LR...     prints "<mixer> <best lr>" per mixer (final held-out MLM accuracy)
#   compare_mixers.py report DIR LR...   prints the sweep, pretraining and fine-tuning tables; writes the SVG
import json, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from svg_chart import line_chart  # noqa: E402

MIXERS = [("ponet", "PoNet", "#d62728"), ("softmax", "softmax attention (BERT)", "#1f77b4"), ("fnet", "FNet", "#2ca02c")]
mode, out, lrs = sys.argv[1], sys.argv[2], sys.argv[3:]


def evals(mixer, lr):
    path = os.path.join(out, f"pretrain-{mixer}-lr{lr}", "log.jsonl")
    return [r for r in map(json.loads, filter(str.strip, open(path))) if r.get("kind") == "eval"]


def final(mixer, lr):
    return evals(mixer, lr)[-1]


best = {m: max(lrs, key=lambda lr: final(m, lr)["mlm_accuracy"]) for m, _, _ in MIXERS}
if mode == "best":
    for m, lr in best.items():
        print(m, lr)
    sys.exit(0)

steps = final("ponet", lrs[0])["step"]
print(f"## Pretraining sweep ({steps} steps each, held-out MLM / SSO accuracy at the end)\n")
print("| mixer | " + " | ".join(f"lr {lr}" for lr in lrs) + " |")
print("|---|" + "---|" * len(lrs))
for m, name, _ in MIXERS:
    print(f"| {name} | " + " | ".join(
        f"{100 * final(m, lr)['mlm_accuracy']:.1f} / {100 * final(m, lr)['sso_accuracy']:.1f}" for lr in lrs) + " |")

print("\n## Pretraining, each mixer at its best learning rate\n")
print("| mixer | lr | held-out MLM acc | MLM loss | SSO acc | MLM acc relative to BERT | seconds |")
print("|---|---|---|---|---|---|---|")
bert = final("softmax", best["softmax"])["mlm_accuracy"]
for m, name, _ in MIXERS:
    f = final(m, best[m])
    print(f"| {name} | {best[m]} | {100 * f['mlm_accuracy']:.2f} | {f['mlm_loss']:.3f} | {100 * f['sso_accuracy']:.2f} |"
          f" {100 * f['mlm_accuracy'] / bert:.1f} % | {f['elapsed_s']:.0f} |")

print("\n## Fine-tuning on the KJV division task (7 classes), from each best model\n")
print("| start | best dev accuracy | test accuracy | test macro-F1 | test accuracy relative to BERT |")
print("|---|---|---|---|---|")
res = {}
for name in ["ponet", "softmax", "fnet", "scratch"]:
    run = name if name == "scratch" else f"{name}-lr{best[name]}"
    res[name] = json.load(open(os.path.join(out, f"finetune-{run}", "results.json")))
labels = dict((m, n) for m, n, _ in MIXERS)
labels["scratch"] = "from scratch (PoNet, no pretraining)"
for name, r in res.items():
    print(f"| {labels[name]} | {100 * r['best_dev_accuracy']:.2f} | {100 * r['test_accuracy']:.2f} |"
          f" {100 * r['test_macro_f1']:.2f} | {100 * r['test_accuracy'] / res['softmax']['test_accuracy']:.1f} % |")

panels = []
for key, title in (("mlm_accuracy", "held-out MLM accuracy %"), ("sso_accuracy", "held-out SSO accuracy %")):
    panels.append({"title": title, "xlabel": "step", "ylabel": "accuracy %", "series": [
        (f"{name} (lr {best[m]})", colour, [(r["step"], 100 * r[key]) for r in evals(m, best[m])], False)
        for m, name, colour in MIXERS]})
svg = os.path.join(out, "pretraining-curves.svg")
line_chart(svg, panels, f"Pretraining on the default corpus, {steps} steps, tiny size")
print(f"\nchart: {svg}")
