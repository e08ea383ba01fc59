#!/usr/bin/env python3
"""Training runs against their reference (scripts/gpu_check.sh, stage train).

A reference (tests/data/gpu_parity/<name>.jsonl, written by tests/data/generators/make_gpu_parity.sh) is
one command line, then the log.jsonl records of that command run on the CPU:
  {"kind": "command", "argv": ["pretrain", ...], "rtol": 0.02, "made_with": "..."}
  {"kind": "train", "step": 1, "loss": ...}  ...

  gpu_parity.py argv REF                print the command's words, one per line
  gpu_parity.py parity REF LOG [UPTO]   the run's train and eval losses against the reference's, up to
                                        step UPTO (default: the reference's last step)
  gpu_parity.py bits LOG_A LOG_B FIRST LAST
                                        the train records of steps FIRST..LAST (loss, grad norm) and the
                                        eval losses at the steps both logs evaluated in that range are the
                                        same bits

parity prints every step (step, reference, run, relative difference) on stdout, a markdown table and
the largest differences on stderr, and one "PROBLEM: ..." line per failed check on stderr. The checks:
every reference step up to UPTO is in the run, every loss is finite, and the relative difference is
within 1e-4 at step 1 (same weights, batch and dropout masks), 1e-3 over steps 1-10 and the reference's
rtol anywhere (the trajectories drift apart as training amplifies rounding). Exit 1 if any failed.
"""
import json
import math
import sys


def read(path):
    records = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"gpu_parity: {path}:{n}: not JSON ({e})")
    return records


def command(ref_path):
    records = read(ref_path)
    if not records or records[0].get("kind") != "command":
        sys.exit(f"gpu_parity: {ref_path}:1: the first record must be the command")
    return records[0]


def by_step(records, kind):
    return {r["step"]: r for r in records if r.get("kind") == kind}


def rel_diff(a, b):
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.inf
    return abs(a - b) / max(abs(a), 1e-12)


def parity(ref_path, log_path, upto):
    rtol = float(command(ref_path).get("rtol", 0.02))
    ref_records, run_records = read(ref_path), read(log_path)
    ref_train, run_train = by_step(ref_records, "train"), by_step(run_records, "train")
    last = max(ref_train) if upto is None else upto
    problems = []
    missing = [s for s in ref_train if s <= last and s not in run_train]
    if missing:
        problems.append(f"the run has no train record for step {missing[0]} ({len(missing)} missing)")
    rel = {}
    print("step\treference_loss\trun_loss\trel_diff")
    for s in sorted(x for x in ref_train if x <= last):
        r = float(ref_train[s]["loss"])
        if s not in run_train:
            print(f"{s}\t{r:.6f}\tmissing\t")
            continue
        g = float(run_train[s]["loss"])
        if not math.isfinite(g):
            problems.append(f"the run's loss is not finite at step {s}")
        rel[s] = rel_diff(r, g)
        print(f"{s}\t{r:.6f}\t{g:.6f}\t{rel[s]:.3e}")
    err = sys.stderr
    shown = sorted({s for s in (1, 2, 5, 10, 20, 50, 100, 150, last) if s in rel} | ({max(rel)} if rel else set()))
    err.write("| step | reference loss | run loss | rel. diff |\n|---:|---:|---:|---:|\n")
    for s in shown:
        err.write(f"| {s} | {float(ref_train[s]['loss']):.6f} | {float(run_train[s]['loss']):.6f} | {rel[s]:.2e} |\n")
    if rel:
        worst = max(rel, key=rel.get)
        err.write(f"\nlargest relative difference {rel[worst]:.3e} at step {worst} (tolerance {rtol:g})")
        if 1 in rel:
            err.write(f"; step 1: {rel[1]:.3e} (tolerance 1e-4)")
        err.write("\n")
        if not rel[worst] <= rtol:
            problems.append(f"losses differ by {rel[worst]:.2e} at step {worst} (tolerance {rtol:g})")
        if 1 in rel and not rel[1] <= 1e-4:
            problems.append(f"step-1 losses differ by {rel[1]:.2e} (tolerance 1e-4)")
        early = max((s for s in rel if s <= 10), key=rel.get, default=None)
        if early is not None and not rel[early] <= 1e-3:
            problems.append(f"losses differ by {rel[early]:.2e} at step {early} (steps 1-10: 1e-3)")
    elif not missing:
        problems.append("no train step in both logs")
    ref_eval, run_eval = by_step(ref_records, "eval"), by_step(run_records, "eval")
    for s in sorted(x for x in ref_eval if x <= last):
        r = float(ref_eval[s]["loss"])
        if s not in run_eval:
            problems.append(f"the run has no eval record for step {s}")
            continue
        d = rel_diff(r, float(run_eval[s]["loss"]))
        err.write(f"eval at step {s}: reference loss {r:.6f}, run {float(run_eval[s]['loss']):.6f}, rel. diff {d:.2e}\n")
        if not d <= rtol:
            problems.append(f"eval losses differ by {d:.2e} at step {s} (tolerance {rtol:g})")
    for p in problems:
        err.write(f"PROBLEM: {p}\n")
    return 1 if problems else 0


def bits(a_path, b_path, first, last):
    a_records, b_records = read(a_path), read(b_path)
    problems = []
    for kind, fields in (("train", ("loss", "grad_norm")), ("eval", ("loss",))):
        a, b = by_step(a_records, kind), by_step(b_records, kind)
        for s in range(first, last + 1):
            if kind == "train" and (s not in a or s not in b):
                problems.append(f"step {s}: a train record is missing ({'first' if s not in a else 'second'} log)")
                break
            if s not in a or s not in b:  # a run stopped by --stop-after evaluates where it stops
                continue
            differ = [f for f in fields if a[s].get(f) != b[s].get(f)]
            if differ:
                problems.append(f"step {s}: {kind} {differ[0]} {a[s].get(differ[0])!r} against {b[s].get(differ[0])!r}")
                break
    for p in problems:
        sys.stderr.write(f"PROBLEM: {p}\n")
    return 1 if problems else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "argv":
        print("\n".join(command(argv[2])["argv"]))
        return 0
    if argv[1:2] == ["parity"] and len(argv) in (4, 5):
        return parity(argv[2], argv[3], int(argv[4]) if len(argv) == 5 else None)
    if argv[1:2] == ["bits"] and len(argv) == 6:
        return bits(argv[2], argv[3], int(argv[4]), int(argv[5]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
