#!/usr/bin/env python3
"""Converts a Hugging Face model directory's pytorch_model.bin into model.safetensors, which ponet.cpp reads.

    scripts/convert_to_safetensors.py DIR            # DIR/pytorch_model.bin (or its .index.json shards)
    scripts/convert_to_safetensors.py DIR --force    # replace an existing DIR/model.safetensors

Needs torch and safetensors (the venv ~/.cache/ponet-torch has both; see docs/interop.md). The pickle is
read with torch.load(weights_only=True), which refuses arbitrary code.

Tied weights: a PyTorch state dict may hold one tensor under several names (BERT's and PoNet's MLM
decoder weight IS the word-embedding matrix, the decoder bias IS cls.predictions.bias). safetensors
refuses shared memory, and save_pretrained keeps one name per tensor, so this does the same: of each
group of names sharing one tensor it keeps the first that is not a known alias and drops the rest
(printing them). ponet.cpp reads F32 and I64 only, so floating tensors are written as float32 and
integer ones as int64 (say so on the output when a cast happens).
"""

import argparse
import json
import os
import sys

import torch
from safetensors.torch import save_file

# Names that alias another tensor in BERT-style MLM heads; the other name is kept.
ALIAS_SUFFIXES = ("predictions.decoder.weight", "predictions.decoder.bias")


def load_state_dict(folder):
    single = os.path.join(folder, "pytorch_model.bin")
    index = os.path.join(folder, "pytorch_model.bin.index.json")
    if os.path.exists(single):
        return torch.load(single, map_location="cpu", weights_only=True)
    if os.path.exists(index):
        with open(index) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
        state = {}
        for shard in shards:
            if "/" in shard:
                sys.exit(f"{index}: shard name {shard!r} must be a file name in {folder}")
            state.update(torch.load(os.path.join(folder, shard), map_location="cpu", weights_only=True))
        return state
    sys.exit(f"{folder}: no pytorch_model.bin or pytorch_model.bin.index.json")


def drop_shared(state):
    """One name per shared tensor (same storage, offset, shape and strides)."""
    groups = {}
    for name, t in state.items():
        key = (t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape), tuple(t.stride()), t.dtype)
        groups.setdefault(key, []).append(name)
    kept = {}
    for names in groups.values():
        primary = [n for n in names if not n.endswith(ALIAS_SUFFIXES)] or names
        keep = primary[0]
        for other in names:
            if other != keep:
                print(f"  {other}: the same tensor as {keep}, left out (tied)")
        kept[keep] = state[keep]
    # aliases saved as separate copies (no shared memory) are kept: ponet.cpp checks that they agree
    return kept


def to_supported(name, t):
    if t.is_floating_point():
        if t.dtype != torch.float32:
            print(f"  {name}: {t.dtype} -> float32")
        return t.detach().to(torch.float32).contiguous().clone()
    if t.dtype == torch.bool or t.is_complex():
        sys.exit(f"{name}: dtype {t.dtype} cannot be stored for ponet.cpp (F32 and I64 only)")
    if t.dtype != torch.int64:
        print(f"  {name}: {t.dtype} -> int64")
    return t.detach().to(torch.int64).contiguous().clone()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", help="a Hugging Face model directory holding pytorch_model.bin")
    parser.add_argument("--force", action="store_true", help="replace an existing model.safetensors")
    args = parser.parse_args()
    out = os.path.join(args.folder, "model.safetensors")
    if os.path.exists(out) and not args.force:
        sys.exit(f"{out} exists already (use --force to replace it)")
    state = load_state_dict(args.folder)
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        sys.exit(f"{args.folder}: the pickle does not hold a state dict of tensors")
    print(f"{args.folder}: {len(state)} tensors")
    state = {name: to_supported(name, t) for name, t in drop_shared(state).items()}
    tmp = out + ".tmp"
    save_file(state, tmp, metadata={"format": "pt"})
    os.replace(tmp, out)
    print(f"wrote {out} ({len(state)} tensors)")


if __name__ == "__main__":
    main()
