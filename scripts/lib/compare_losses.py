#!/usr/bin/env python3
# scripts/gpu_check.sh, stage pretrain: the "train" records of a CPU and a CUDA run's log.jsonl side by
# side. Prints every step (step, cpu_loss, cuda_loss, rel_diff) on stdout, and a markdown table, the
# largest differences and one "PROBLEM: ..." line per failed check on stderr; exits 1 if any failed.
# Without a CUDA log (no GPU) it checks the CPU run alone.
#   compare_losses.py CPU_LOG CUDA_LOG|"" STEPS RTOL
import json, math, sys
cpu_path, cuda_path, steps, rtol = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
def losses(path):
    out = {}
    for line in open(path):
        r = json.loads(line)
        if r.get("kind") == "train":
            out[r["step"]] = float(r["loss"])
    return out
cpu = losses(cpu_path)
cuda = losses(cuda_path) if cuda_path else {}
problems = []
for name, d in [("cpu", cpu)] + ([("cuda", cuda)] if cuda_path else []):
    if sorted(d) != list(range(1, steps + 1)):
        problems.append(f"the {name} log has {len(d)} train records, not steps 1..{steps}")
    bad = [s for s, v in d.items() if not math.isfinite(v)]
    if bad:
        problems.append(f"{name} loss not finite at step {bad[0]}")
rel = {}
print("step\tcpu_loss\tcuda_loss\trel_diff")
for s in sorted(cpu):
    c = cpu[s]
    if s in cuda:
        g = cuda[s]
        rel[s] = abs(g - c) / max(abs(c), 1e-12) if math.isfinite(g) and math.isfinite(c) else math.inf
        print(f"{s}\t{c:.6f}\t{g:.6f}\t{rel[s]:.3e}")
    else:
        print(f"{s}\t{c:.6f}\t{'no GPU' if not cuda_path else 'missing'}\t")
shown = [s for s in (1, 2, 5, 10, 20, 50, 100, 150, steps) if s in cpu]
err = sys.stderr
err.write("| step | CPU loss | CUDA loss | rel. diff |\n|---:|---:|---:|---:|\n")
for s in sorted(set(shown)):
    g = f"{cuda[s]:.5f}" if s in cuda else "no GPU"
    r = f"{rel[s]:.2e}" if s in rel else ""
    err.write(f"| {s} | {cpu[s]:.5f} | {g} | {r} |\n")
if cuda_path:
    if rel:
        worst = max(rel, key=rel.get)
        err.write(f"\nlargest relative difference {rel[worst]:.3e} at step {worst} (tolerance {rtol:g}); "
                  f"step 1: {rel.get(1, math.inf):.3e} (tolerance 1e-4: same weights, batch and dropout masks); "
                  f"steps 1-10 within 1e-3\n")
        if not rel[worst] <= rtol:
            problems.append(f"CPU and CUDA losses differ by {rel[worst]:.2e} at step {worst}")
        if not rel.get(1, math.inf) <= 1e-4:
            problems.append(f"step-1 losses differ by {rel.get(1, math.inf):.2e}")
        early = max((s for s in rel if s <= 10), key=rel.get, default=None)
        if early is not None and not rel[early] <= 1e-3:
            problems.append(f"CPU and CUDA losses differ by {rel[early]:.2e} at step {early} (steps 1-10: 1e-3)")
    else:
        problems.append("no step in both logs")
else:
    err.write("\nCUDA run: no GPU\n")
for p in problems:
    err.write(f"PROBLEM: {p}\n")
sys.exit(1 if problems else 0)
