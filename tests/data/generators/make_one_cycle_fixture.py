#!/usr/bin/env python3
"""Writes tests/data/one_cycle.json: the learning rate and Adam beta1 that PyTorch's OneCycleLR gives at
every step, for the schedules tests/test_schedule.cpp checks train/schedule.h against. Run with the torch
venv (../shared/bench/setup_torch.sh):
    LD_LIBRARY_PATH=$(cat ~/.cache/ponet-torch/ldpath) ~/.cache/ponet-torch/bin/python \
        tests/data/generators/make_one_cycle_fixture.py
"""
import json
import os

import torch

cases = []
for max_lr, total, warmup, anneal in [(1e-4, 50, 10, "linear"), (3e-3, 37, 5, "cos"), (5e-4, 20, 2, "linear")]:
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([p], lr=max_lr, betas=(0.9, 0.999), eps=1e-6)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, pct_start=warmup / total,
                                                anneal_strategy=anneal, total_steps=total)
    lrs, beta1s = [], []
    for _ in range(total):  # the value each optimizer step uses, as the official LRA loop steps it
        lrs.append(opt.param_groups[0]["lr"])
        beta1s.append(opt.param_groups[0]["betas"][0])
        opt.step()
        sched.step()
    cases.append({"max_lr": max_lr, "total_steps": total, "warmup_steps": warmup, "anneal": anneal,
                  "torch": torch.__version__, "lr": lrs, "beta1": beta1s})

out = os.path.join(os.path.dirname(__file__), "..", "one_cycle.json")
with open(out, "w") as f:
    json.dump(cases, f, indent=1)
    f.write("\n")
print("wrote", out)
