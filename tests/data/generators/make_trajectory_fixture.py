#!/usr/bin/env python3
"""Writes the training-trajectory fixtures: tests/data/trajectory/<case>.safetensors.

Each case trains a tiny model for 20 steps the way ponet's Trainer does (train/trainer.cpp), but with
PyTorch's own pieces: torch.optim.AdamW, transformers' get_linear_schedule_with_warmup (the formula of
train/schedule.cpp is also checked against it here), torch.nn.utils.clip_grad_norm_, no weight decay on
biases and LayerNorm parameters, dropout 0. tests/test_trajectory.cpp replays the same steps with
ponet's AdamW, schedule and clipping and compares every step.

Cases (models from ponet_reference.py, read at run time from --reference DIR, default
../shared/reference beside the repository; parameter names = ponet's):
  pretraining_ponet     PoNetForPreTraining, MLM + SSO loss, sentence-level segment_ids given
  pretraining_softmax   the same with every mixer replaced by BERT's softmax self-attention
                        (attention.self.{query,key,value}: ponet's mixer "softmax" in the HF family)
  classification_ponet  PoNetForSequenceClassification (pooler -> classifier), segments derived from
                        CLS/SEP, mean cross-entropy over 3 classes

Computed in float64 from float32 initial weights (the exact trajectory a float32 implementation is
measured against; --dtype float32 runs PyTorch float32 instead) and stored as float32. --check-float32
replays every stored file in PyTorch float32 and prints how far that gets from it: the envelope a float32
implementation can be expected to reach.

--autocast-bf16 replays every stored file the way PyTorch users train in bfloat16 on a CPU: float32
weights and AdamW, forward and loss under torch.autocast("cpu", dtype=torch.bfloat16), backward outside
it. It writes autocast_bf16/<case>.safetensors beside it (step.loss, step.grad_norm, step.lr, final.<param>;
metadata case, computed_in, torch_version): how far PyTorch's own bf16 training gets from the exact
trajectory, the yardstick of ponet's --precision bf16 in tests/test_trajectory.cpp.

Tensors: initial.<param>, final.<param> (F32); batch.<input> [steps, B, L] or [steps, B] (I64);
step.loss, step.grad_norm (before clipping), step.lr (the lr each update used) [steps] (F32).
Metadata: config (ponet's PoNetConfig JSON), model_class, case, optimizer (JSON: lr, betas, eps,
weight_decay, warmup_steps, total_steps, max_grad_norm, no_decay), clipped_steps, computed_in,
min_relative_pool_margin (over every step; PoNet cases), torch_version, fixture_format_version.

Usage (python with torch, transformers and numpy, e.g. ~/.cache/ponet-torch):
  tests/data/generators/make_trajectory_fixture.py [--reference DIR] [--out DIR] [--dtype float64|float32]
  tests/data/generators/make_trajectory_fixture.py --check-float32 tests/data/trajectory/*.safetensors
  tests/data/generators/make_trajectory_fixture.py --autocast-bf16 tests/data/trajectory/*.safetensors
"""
import argparse
import json
import math
import os
import sys
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))

STEPS = 20
WARMUP = 5
BATCH = 4
LENGTH = 16
FORMAT_VERSION = "1"
# Pools whose best and second-best candidates are closer than this (relative, see make_fixtures.py)
# could pick another winner in float32 and send a gradient elsewhere; seeds are tried until no step of a
# PoNet case comes that close. 20 steps hold ~10^5 kept pools, so make_fixtures' 1e-4 is out of reach;
# 1e-5 is still 30x float32 rounding of the pool inputs (~3e-7).
MIN_RELATIVE_POOL_MARGIN = 1e-5
MAX_SEED_ATTEMPTS = 50


def float32_exact(x):
    """x rounded to float32, as a Python float: ponet's schedule multiplies a float peak lr, so the
    reference must start from the same value for the learning rates to agree exactly."""
    return float(torch.tensor(x, dtype=torch.float32).item())


# ---- the optimizer setup of every case -----------------------------------------------------------

# Chosen so that warmup (steps 0..4, lr rising from 0) and decay (steps 5..19) both happen and the clip
# is active on some steps but not all (checked when the file is written). Weight decay is large so that
# decaying a parameter that should not be decayed moves the final weights well past the tolerance.
OPTIM = {
    "pretraining_ponet": dict(lr=float32_exact(4e-3), weight_decay=0.1, max_grad_norm=2.4),
    "pretraining_softmax": dict(lr=float32_exact(4e-3), weight_decay=0.1, max_grad_norm=2.0),
    "classification_ponet": dict(lr=float32_exact(4e-3), weight_decay=0.1, max_grad_norm=0.45),
}
BETAS = (0.9, 0.999)   # the Trainer's (train/trainer.cpp)
# BERT's Adam epsilon. With 1e-8 the softmax case cannot be compared in float32: attention.self.key.bias
# has an exactly zero gradient (a shift of every key leaves each softmax unchanged), float32 leaves
# ~1e-9 of noise, and Adam scales that noise up to steps of ~0.2 lr (PyTorch float32 itself ends 9e-4
# of max|w| away from the float64 run); with 1e-6 it stays under 1e-5.
EPS = 1e-6


def no_decay(name):
    """ponet's default_weight_decay_filter, negated: names ending in "bias" or containing "LayerNorm"."""
    return name.endswith("bias") or "LayerNorm" in name


def check_no_decay_rule(model):
    """The name rule must pick exactly the biases and the LayerNorm parameters of the module tree."""
    by_type = set()
    for mname, m in model.named_modules():
        for pname, _ in m.named_parameters(recurse=False):
            full = f"{mname}.{pname}" if mname else pname
            if isinstance(m, nn.LayerNorm) or pname == "bias":
                by_type.add(full)
    by_name = {n for n, _ in model.named_parameters() if no_decay(n)}
    if by_type != by_name:
        raise SystemExit(f"no-decay rule mismatch: by module type {sorted(by_type ^ by_name)}")
    return sorted(by_name)


# ---- models --------------------------------------------------------------------------------------

class BertSelfAttention(nn.Module):
    """BERT's multi-head self-attention under ponet's HF names (query, key, value); padded keys get an
    additive -10000 (probability exactly 0), no attention dropout. Same call signature as the
    reference's PoNetMixer so it can take its place in a layer."""

    def __init__(self, cfg):
        super().__init__()
        D = cfg.hidden_size
        self.num_heads = cfg.num_attention_heads
        self.query = nn.Linear(D, D)
        self.key = nn.Linear(D, D)
        self.value = nn.Linear(D, D)

    def forward(self, x, valid, segment_index, special, trace=None, prefix=""):
        B, L, D = x.shape
        h = self.num_heads
        d = D // h

        def heads(t):
            return t.reshape(B, L, h, d).permute(0, 2, 1, 3)

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        scores = q @ k.transpose(2, 3) / math.sqrt(d)
        scores = scores + (~valid).to(x.dtype).view(B, 1, 1, L) * -10000.0
        return (torch.softmax(scores, dim=-1) @ v).permute(0, 2, 1, 3).reshape(B, L, D)


class SequenceClassifier(nn.Module):
    """PoNetForSequenceClassification: pooler output -> dropout (0 here) -> classifier."""

    def __init__(self, ref, cfg, num_labels):
        super().__init__()
        self.ponet = ref.PoNetModel(cfg)
        self.classifier = nn.Linear(cfg.hidden_size, num_labels)

    def forward(self, batch, trace=None):
        _, pooled, _ = self.ponet(batch["input_ids"], batch["attention_mask"], None, None, trace)
        return F.cross_entropy(self.classifier(pooled), batch["labels"])


def pretraining_loss(model, batch, trace=None):
    out = model(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"],
                batch.get("segment_ids"), batch["labels"], batch["next_sentence_label"], trace=trace)
    return out["loss"]


def init_weights(model, seed):
    """Drawn in float32: LayerNorm weights 1 + N(0, 0.1), LayerNorm biases N(0, 0.1), other biases
    N(0, 0.05), GA / attention query and key N(0, 0.2) (so the softmaxes are far from uniform), every
    other weight and embedding table N(0, 0.05) (ponet's tiny-model init)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            n = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if name.endswith("LayerNorm.weight"):
                p.copy_(1.0 + 0.1 * n)
            elif name.endswith("LayerNorm.bias"):
                p.copy_(0.1 * n)
            elif name.endswith("bias"):
                p.copy_(0.05 * n)
            elif any(k in name for k in (".dense_q.", ".dense_k.", ".query.", ".key.")):
                p.copy_(0.2 * n)
            else:
                p.copy_(0.05 * n)


# ---- configs and batches -------------------------------------------------------------------------

def base_config(mixer):
    """ponet's PoNetConfig fields (nn/ponet_config.h); the reference's own config takes the subset it knows."""
    return OrderedDict(
        vocab_size=40, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
        hidden_act="gelu", hidden_dropout_prob=0.0, max_position_embeddings=20, type_vocab_size=2,
        initializer_range=0.05, layer_norm_eps=1e-12, pad_token_id=0, cls_token_id=1, sep_token_id=2,
        mask_token_id=3, clsgsepg=True, segment_num=0, num_sso_labels=3, mixer=mixer,
        attention_probs_dropout_prob=0.0, num_labels=3)


def make_batches(mf, ref_cfg, case, g):
    """STEPS batches of [CLS] A [SEP] B [SEP] + padding (make_fixtures.pretraining_inputs: rows of
    different lengths, ~30 % of tokens scored, sentence-level segment ids)."""
    batches = []
    for _ in range(STEPS):
        lengths = [LENGTH] + sorted(int(x) for x in torch.randint(6, LENGTH, (BATCH - 1,), generator=g))[::-1]
        b = mf.pretraining_inputs(ref_cfg, BATCH, LENGTH, lengths, g)
        if case == "classification_ponet":
            b = OrderedDict(input_ids=b["input_ids"], attention_mask=b["attention_mask"],
                            labels=torch.randint(3, (BATCH,), generator=g))
        elif case == "pretraining_softmax":
            del b["segment_ids"]  # softmax attention has no segments
        batches.append(b)
    return batches


# ---- the training run ----------------------------------------------------------------------------

def train(model, loss_fn, batches, optim, dtype, with_pools, mf, ref_cfg, autocast_bf16=False):
    """The Trainer's step, STEPS times: forward, backward, clip (norm before clipping), AdamW with the
    scheduled lr, zero the gradients. Returns per-step loss, grad norm, lr and the smallest pool margin.
    autocast_bf16: forward and loss under CPU autocast to bfloat16 (dtype must be float32)."""
    from transformers import get_linear_schedule_with_warmup

    model.to(dtype).train()  # dropout is 0: train mode only to be the Trainer's mode
    decay = [p for n, p in model.named_parameters() if not no_decay(n)]
    keep = [p for n, p in model.named_parameters() if no_decay(n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": optim["weight_decay"]},
                             {"params": keep, "weight_decay": 0.0}],
                            lr=optim["lr"], betas=BETAS, eps=EPS)
    sched = get_linear_schedule_with_warmup(opt, WARMUP, STEPS)
    losses, norms, lrs, margin = [], [], [], float("inf")
    for step, batch in enumerate(batches):
        lr = opt.param_groups[0]["lr"]
        expect = optim["lr"] * (step / WARMUP if step < WARMUP else (STEPS - step) / (STEPS - WARMUP))
        if lr != expect:  # train/schedule.cpp's formula, in double like it
            raise SystemExit(f"schedule mismatch at step {step}: transformers {lr!r}, formula {expect!r}")
        opt.zero_grad(set_to_none=True)
        trace = {} if with_pools else None
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast_bf16):
            loss = loss_fn(model, batch, trace)
        loss.float().backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), optim["max_grad_norm"])
        opt.step()
        sched.step()
        losses.append(loss.item())
        norms.append(norm.item())
        lrs.append(lr)
        if with_pools:
            margin = min(margin, mf.pool_margins(ref_cfg, batch, trace))
    return losses, norms, lrs, margin


def build_case(ref, mf, case, seed, dtype):
    cfg = base_config("softmax" if case == "pretraining_softmax" else "ponet")
    ref_cfg = ref.PoNetConfig.from_dict(cfg)
    if case == "classification_ponet":
        model = SequenceClassifier(ref, ref_cfg, cfg["num_labels"])
        loss_fn = lambda m, b, t: m(b, t)  # noqa: E731
        model_class = "PoNetForSequenceClassification"
    else:
        model = ref.PoNetForPreTraining(ref_cfg)
        if case == "pretraining_softmax":
            for layer in model.ponet.encoder.layer:
                layer.attention.self = BertSelfAttention(ref_cfg)
        loss_fn = pretraining_loss
        model_class = "PoNetForPreTraining"
    init_weights(model, seed)
    names = check_no_decay_rule(model)
    g = torch.Generator().manual_seed(seed + 1000)
    batches = make_batches(mf, ref_cfg, case, g)
    initial = OrderedDict((n, p.detach().clone()) for n, p in model.named_parameters())
    optim = OPTIM[case]
    with_pools = case != "pretraining_softmax"
    losses, norms, lrs, margin = train(model, loss_fn, batches, optim, dtype, with_pools, mf, ref_cfg)

    T = OrderedDict()
    for n, p in initial.items():
        T["initial." + n] = p.to(torch.float32)
    for n, p in model.named_parameters():
        T["final." + n] = p.detach().to(torch.float32)
    for key in batches[0]:
        T["batch." + key] = torch.stack([b[key] for b in batches]).to(torch.int64)
    T["step.loss"] = torch.tensor(losses, dtype=torch.float32)
    T["step.grad_norm"] = torch.tensor(norms, dtype=torch.float32)
    T["step.lr"] = torch.tensor(lrs, dtype=torch.float32)
    clipped = [i for i, n in enumerate(norms) if n > optim["max_grad_norm"]]
    meta = OrderedDict(
        case=case, model_class=model_class, config=json.dumps(cfg, sort_keys=True), seed=str(seed),
        optimizer=json.dumps(dict(lr=optim["lr"], betas=list(BETAS), eps=EPS,
                                  weight_decay=optim["weight_decay"], warmup_steps=WARMUP, total_steps=STEPS,
                                  max_grad_norm=optim["max_grad_norm"], no_decay=names), sort_keys=True),
        clipped_steps=json.dumps(clipped), computed_in=str(dtype).replace("torch.", ""),
        min_relative_pool_margin=repr(margin) if with_pools else "none",
        torch_version=torch.__version__, fixture_format_version=FORMAT_VERSION)
    return T, meta, norms, clipped, margin


def write_case(ref, mf, case, out_dir, dtype):
    for attempt in range(MAX_SEED_ATTEMPTS):
        seed = attempt
        T, meta, norms, clipped, margin = build_case(ref, mf, case, seed, dtype)
        if margin >= MIN_RELATIVE_POOL_MARGIN:
            break
    else:
        raise SystemExit(f"{case}: no seed below {MAX_SEED_ATTEMPTS} keeps every pool margin >= "
                         f"{MIN_RELATIVE_POOL_MARGIN}")
    if not (3 <= len(clipped) <= STEPS - 3):
        raise SystemExit(f"{case}: clipping is active on {len(clipped)} of {STEPS} steps (want some, not all); "
                         f"grad norms {[round(n, 3) for n in norms]}")
    path = os.path.join(out_dir, case + ".safetensors")
    mf.write_safetensors(path, T, meta)
    print(f"{path}: seed {meta['seed']}, {os.path.getsize(path)} bytes, loss {T['step.loss'][0]:.4f} -> "
          f"{T['step.loss'][-1]:.4f}, clipped steps {clipped}, pool margin {meta['min_relative_pool_margin']}")


# ---- the float32 envelope ------------------------------------------------------------------------

def replay_stored(ref, mf, path, autocast_bf16):
    """The stored file's model, initial weights and batches, trained again in PyTorch float32 (with or
    without bf16 autocast). Returns (stored tensors, metadata, model, losses, grad norms, lrs)."""
    T, meta = mf.read_safetensors(path)
    case = meta["case"]
    cfg = json.loads(meta["config"])
    ref_cfg = ref.PoNetConfig.from_dict(cfg)
    if case == "classification_ponet":
        model, loss_fn = SequenceClassifier(ref, ref_cfg, cfg["num_labels"]), (lambda m, b, t: m(b, t))
    else:
        model, loss_fn = ref.PoNetForPreTraining(ref_cfg), pretraining_loss
        if case == "pretraining_softmax":
            for layer in model.ponet.encoder.layer:
                layer.attention.self = BertSelfAttention(ref_cfg)
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(T["initial." + n])
    keys = [k[len("batch."):] for k in T if k.startswith("batch.")]
    batches = [OrderedDict((k, T["batch." + k][s]) for k in keys) for s in range(STEPS)]
    opt = json.loads(meta["optimizer"])
    losses, norms, lrs, _ = train(model, loss_fn, batches, opt, torch.float32, False, mf, ref_cfg, autocast_bf16)
    return T, meta, model, losses, norms, lrs


def check_float32(ref, mf, path):
    """Replays a stored file in PyTorch float32 and reports the test's measures against it."""
    T, meta, model, losses, norms, lrs = replay_stored(ref, mf, path, False)
    rel = lambda a, b: max(abs(x - y) / abs(y) for x, y in zip(a, b.tolist()))  # noqa: E731
    w, worst = max(((model.get_parameter(n).detach() - T["final." + n]).abs().max().item() /
                    T["final." + n].abs().max().item(), n) for n, _ in model.named_parameters())
    lr_equal = all(torch.tensor(a, dtype=torch.float32).item() == b for a, b in zip(lrs, T["step.lr"].tolist()))
    print(f"{path}: PyTorch float32 vs stored: loss rel {rel(losses, T['step.loss']):.2e}, grad norm rel "
          f"{rel(norms, T['step.grad_norm']):.2e}, lr exact {lr_equal}, final weights / max|w| {w:.2e} ({worst})")


def write_autocast_bf16(ref, mf, path):
    """The stored case trained under bf16 autocast, written beside it, with how far it got from the file."""
    T, meta, model, losses, norms, lrs = replay_stored(ref, mf, path, True)
    out = OrderedDict()
    for n, p in model.named_parameters():
        out["final." + n] = p.detach().to(torch.float32)
    out["step.loss"] = torch.tensor(losses, dtype=torch.float32)
    out["step.grad_norm"] = torch.tensor(norms, dtype=torch.float32)
    out["step.lr"] = torch.tensor(lrs, dtype=torch.float32)
    dst = os.path.join(os.path.dirname(path), "autocast_bf16", os.path.basename(path))
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    mf.write_safetensors(dst, out, OrderedDict(
        case=meta["case"], computed_in='float32 weights and AdamW, torch.autocast("cpu", dtype=torch.bfloat16)',
        torch_version=torch.__version__, fixture_format_version=FORMAT_VERSION))
    rel = lambda a, b: max(abs(x - y) / abs(y) for x, y in zip(a, b.tolist()))  # noqa: E731
    w = max((p.detach() - T["final." + n]).abs().max().item() / T["final." + n].abs().max().item()
            for n, p in model.named_parameters())
    print(f"{dst}: autocast bf16 vs exact: loss rel {rel(losses, T['step.loss']):.2e}, grad norm rel "
          f"{rel(norms, T['step.grad_norm']):.2e}, final weights / max|w| {w:.2e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", default=os.path.join(REPO, "..", "shared", "reference"),
                    help="directory of ponet_reference.py and make_fixtures.py")
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "data", "trajectory"))
    ap.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    ap.add_argument("--check-float32", nargs="+", metavar="FILE")
    ap.add_argument("--autocast-bf16", nargs="+", metavar="FILE")
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.reference))
    import make_fixtures as mf  # noqa: E402  (safetensors I/O, batches, pool margins)
    import ponet_reference as ref  # noqa: E402

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    if args.check_float32:
        for path in args.check_float32:
            check_float32(ref, mf, path)
        return
    if args.autocast_bf16:
        for path in args.autocast_bf16:
            write_autocast_bf16(ref, mf, path)
        return
    os.makedirs(args.out, exist_ok=True)
    for case in OPTIM:
        write_case(ref, mf, case, args.out, getattr(torch, args.dtype))


if __name__ == "__main__":
    main()
