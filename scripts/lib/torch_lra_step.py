#!/usr/bin/env python3
"""PyTorch's time for the training step that `bench_mixers cuda` times for softmax attention
(scripts/gpu_check.sh, stage speed): is our softmax baseline as fast as PyTorch's on the same device?

The model is the LRA family of nn/lra.h at the LRA text size of bench/bench_mixers.cpp: byte vocabulary
(256), learned positions, dim 64, 2 pre-LN blocks with 2 heads of 32 and an MLP of 128, dropout 0.1,
final LayerNorm, mean pooling over L, a Linear-ReLU-Linear head over 2 classes, batch 32. One step is
forward + backward + gradient clipping at 1 + AdamW, as there. Two attentions:
  eager  Q K^T, softmax, dropout and P V as separate kernels: P [B, heads, L, L] in memory, as ours
  sdpa   torch.nn.functional.scaled_dot_product_attention (a fused kernel: no P in memory)

  torch_lra_step.py --lengths 1024,4096 [--batch 32] [--min-seconds 1] [--device cuda]
Prints one line per cell:  torch <eager|sdpa> L=<L> <steps/s> steps/s peak <MiB> MiB
(--device cpu runs the same at a small size where there is no GPU; its peak reads 0).
and "torch: <version> ..." first. A cell that runs out of memory prints "skipped (out of memory)".
"""
import argparse
import math
import time

import torch
import torch.nn.functional as F
from torch import nn


class Block(nn.Module):
    def __init__(self, dim, heads, hidden, p, fused):
        super().__init__()
        self.heads, self.p, self.fused = heads, p, fused
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.out = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.fc1, self.fc2 = nn.Linear(dim, hidden), nn.Linear(hidden, dim)
        self.drop = nn.Dropout(p)

    def attention(self, x):
        B, L, D = x.shape
        q, k, v = self.qkv(x).view(B, L, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        if self.fused:
            ctx = F.scaled_dot_product_attention(q, k, v, dropout_p=self.p if self.training else 0.0)
        else:
            scores = q @ k.transpose(-1, -2) / math.sqrt(D // self.heads)
            ctx = self.drop(torch.softmax(scores, dim=-1)) @ v
        return ctx.transpose(1, 2).reshape(B, L, D)

    def forward(self, x):
        x = x + self.drop(self.out(self.attention(self.norm1(x))))
        return x + self.drop(self.fc2(self.drop(F.gelu(self.fc1(self.norm2(x))))))


class LraModel(nn.Module):
    def __init__(self, L, fused, vocab=256, dim=64, heads=2, hidden=128, layers=2, classes=2, p=0.1):
        super().__init__()
        self.word, self.pos = nn.Embedding(vocab, dim), nn.Embedding(L, dim)
        self.drop = nn.Dropout(p)
        self.blocks = nn.ModuleList(Block(dim, heads, hidden, p, fused) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, classes))

    def forward(self, ids):
        x = self.drop(self.word(ids) + self.pos.weight[: ids.shape[1]])
        for b in self.blocks:
            x = b(x)
        return self.head(self.norm(x).mean(dim=1))


def cell(kind, L, batch, min_seconds, device):
    torch.manual_seed(0)
    model = LraModel(L, kind == "sdpa").to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    ids = torch.randint(1, 256, (batch, L), device=device)
    labels = torch.randint(0, 2, (batch,), device=device)

    def step():
        loss = F.cross_entropy(model(ids), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)

    cuda = device.startswith("cuda")
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    step()  # warm-up: kernels chosen, allocator filled
    sync()
    n, t0 = 0, time.perf_counter()
    while True:
        step()
        n += 1
        sync()
        if time.perf_counter() - t0 >= min_seconds:
            break
    return n / (time.perf_counter() - t0), torch.cuda.max_memory_allocated() / 2**20 if cuda else 0.0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lengths", default="1024,4096")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--min-seconds", type=float, default=1.0)
    p.add_argument("--device", default="cuda")
    a = p.parse_args()
    if a.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("torch_lra_step: torch sees no CUDA device")
    where = torch.cuda.get_device_name() if a.device.startswith("cuda") else a.device
    print(f"torch: {torch.__version__}, CUDA {torch.version.cuda}, {where}; batch {a.batch}, "
          f"TF32 matmul {torch.backends.cuda.matmul.allow_tf32}")
    for L in (int(x) for x in a.lengths.split(",")):
        for kind in ("eager", "sdpa"):
            try:
                steps, peak = cell(kind, L, a.batch, a.min_seconds, a.device)
                print(f"torch {kind} L={L} {steps:.3f} steps/s peak {peak:.1f} MiB", flush=True)
            except torch.cuda.OutOfMemoryError:
                print(f"torch {kind} L={L} skipped (out of memory)", flush=True)
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
