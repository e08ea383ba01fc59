#!/usr/bin/env python3
"""Checks ponet.cpp's Hugging Face directories against the Python side, both ways (docs/interop.md).

    interop_check.py check DIR...        (a) BERT exports: load with stock transformers (Auto* and Bert*
                                         classes), (b) PoNet exports: load with the PyTorch
                                         reference ponet_reference.py (official names); compare
                                         the logits with ours in DIR/ponet_check.safetensors, and the
                                         tokenizer's ids for its sample text
    interop_check.py make-bert OUT       (c) tiny random BERTs saved by save_pretrained, each with the
      [--pickle]                         logits transformers computes in OUT/<name>/ponet_check.safetensors,
                                         for ponet.cpp's import to reproduce: bert_mlm (sharded, uncased),
                                         bert_classifier (cased, 3 labels); --pickle adds bert_mlm_pickle
                                         (pytorch_model.bin only, for scripts/convert_to_safetensors.py)

Run with the venv that has torch + transformers + safetensors (scripts/interop_check.sh sets it up:
~/.cache/ponet-torch/bin/python with LD_LIBRARY_PATH from ~/.cache/ponet-torch/ldpath). Exit status 1
when any maximum exceeds --tol (default 1e-5, the output tolerance of docs/ponet_mixer_spec.md).
ponet_reference.py is read at run time from $PONET_REFERENCE_DIR (default ../shared/reference, a
folder beside the repository that is not part of it).
"""

import argparse
import json
import os
import sys

# transformers' progress bars and load reports would bury the figures; its errors still show
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.environ.get("PONET_REFERENCE_DIR", os.path.join(HERE, "..", "..", "shared", "reference"))
CHECK_FILE = "ponet_check.safetensors"
# The sample text of hf/export.cpp's check file: accents, case, punctuation, a CJK ideograph, a
# literal special token, a character outside every vocabulary.
SAMPLE_TEXT = "The LORD is my shepherd; I shall NOT want. H\u00e9llo, w\u00f6rld! \u5317 [MASK] \u2603"


def read_check(folder):
    path = os.path.join(folder, CHECK_FILE)
    with safe_open(path, "pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, f.metadata() or {}


def max_diff(a, b):
    if a.shape != b.shape:
        return float("inf")
    d = (a.double() - b.double()).abs().max().item()
    return d if d == d else float("inf")  # NaN counts as a failure


def inputs_of(check):
    return {"input_ids": check["input.input_ids"], "attention_mask": check["input.attention_mask"],
            "token_type_ids": check["input.token_type_ids"]}


def check_tokenizer(folder, check, meta, results):
    if "tokenizer.input_ids" not in check:
        return
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(folder)
    theirs = tok(meta["tokenizer_text"], add_special_tokens=False)["input_ids"]
    ours = check["tokenizer.input_ids"].tolist()
    results.append(("tokenizer ids " + type(tok).__name__, 0.0 if theirs == ours else float("inf")))
    if theirs != ours:
        print(f"    ours   {ours}\n    theirs {theirs}")


def check_bert(folder, arch, check, results):
    import transformers
    classes = {"BertForMaskedLM": ["AutoModelForMaskedLM", "BertForMaskedLM"],
               "BertForSequenceClassification": ["AutoModelForSequenceClassification",
                                                 "BertForSequenceClassification"]}[arch]
    config = json.load(open(os.path.join(folder, "config.json")))
    for name in classes:
        # in float32 whatever the file's dtype: a bf16 export (ponet export --dtype bf16) is compared as the
        # fp32 model of its rounded weights, which is what its check logits are
        model, info = getattr(transformers, name).from_pretrained(folder, output_loading_info=True,
                                                                  dtype=torch.float32)
        model.eval()
        if info["missing_keys"] or info["mismatched_keys"]:
            print(f"    {name}: missing {info['missing_keys']} mismatched {info['mismatched_keys']}")
            results.append((name + " loads every weight", float("inf")))
        if info["unexpected_keys"]:
            print(f"    {name}: not used by this class: {sorted(info['unexpected_keys'])}")
        if "id2label" in config:
            same = {str(k): v for k, v in model.config.id2label.items()} == config["id2label"]
            results.append((name + " id2label", 0.0 if same else float("inf")))
        with torch.no_grad():
            logits = model(**inputs_of(check)).logits
        results.append((name + " logits", max_diff(logits, check["output.logits"])))


def check_ponet(folder, arch, check, results):
    sys.path.insert(0, REFERENCE)
    import ponet_reference as ref
    from safetensors.torch import load_file
    config = json.load(open(os.path.join(folder, "config.json")))
    state = load_file(os.path.join(folder, "model.safetensors"))
    model = ref.PoNetForPreTraining(ref.PoNetConfig.from_dict(config))
    model.eval()
    if arch == "PoNetForPreTraining":
        ref.load_hf_state_dict(model, state)
        with torch.no_grad():
            out = model(**inputs_of(check))
        results.append(("reference prediction_logits", max_diff(out["prediction_logits"], check["output.logits"])))
        results.append(("reference seq_relationship_logits",
                        max_diff(out["seq_relationship_logits"], check["output.seq_relationship_logits"])))
    else:  # the reference has the backbone; the classification head is one Linear on the pooled output
        backbone = {k[len("ponet."):]: v for k, v in state.items() if k.startswith("ponet.")}
        model.ponet.load_state_dict(backbone, strict=True)
        rest = sorted(k for k in state if not k.startswith("ponet."))
        if rest != ["classifier.bias", "classifier.weight"]:
            print(f"    unexpected head tensors {rest}")
            results.append(("classifier tensors", float("inf")))
        with torch.no_grad():
            _, pooled, _ = model.ponet(**inputs_of(check))
            logits = F.linear(pooled, state["classifier.weight"], state["classifier.bias"])
        results.append(("reference + classifier logits", max_diff(logits, check["output.logits"])))


def cmd_check(args):
    worst = 0.0
    for folder in args.dirs:
        config = json.load(open(os.path.join(folder, "config.json")))
        arch = config["architectures"][0]
        check, meta = read_check(folder)
        results = []
        print(f"{folder} ({arch}):")
        if arch.startswith("Bert"):
            check_bert(folder, arch, check, results)
        elif arch.startswith("PoNet"):
            check_ponet(folder, arch, check, results)
        else:
            print("  no Python loader to compare with (LRA: ponet.cpp's own import only)")
            continue
        check_tokenizer(folder, check, meta, results)
        for what, d in results:
            print(f"  {what:48s} max |diff| {d:.3g}" + ("" if d <= args.tol else "   FAIL"))
            worst = max(worst, d)
    print(f"worst {worst:.3g} (tolerance {args.tol:g})")
    return 0 if worst <= args.tol else 1


# ---- (c): BERTs saved by transformers ------------------------------------------------------------

VOCAB = (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list("abcdefghijklmnopqrstuvwxyz") +
         list("TLORDNH") + [".", ",", ";", "!", "\u00e9", "\u5317", "the", "lord", "is", "my", "shepherd",
                            "shall", "not", "want", "hello", "world", "##s", "##ed", "##ing", "##o"])


def perturbed(model, generator, std):
    """Every parameter drawn afresh (LayerNorms around 1), so that the logits test every tensor."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=generator) * std
            p.copy_(1.0 + noise if name.endswith("LayerNorm.weight") else noise)
    return model


def batch(generator, vocab_size, length=12):
    specials = {0, 1, 2, 3, 4}
    ordinary = [i for i in range(vocab_size) if i not in specials]
    ids = torch.zeros(2, length, dtype=torch.int64)
    mask = torch.zeros_like(ids)
    types = torch.zeros_like(ids)
    for b, n in enumerate([length, length * 2 // 3]):
        row = [ordinary[int(j)] for j in torch.randint(len(ordinary), (n,), generator=generator)]
        mid = n // 2
        row[0], row[mid], row[n - 1] = 2, 3, 3
        ids[b, :n] = torch.tensor(row)
        mask[b, :n] = 1
        types[b, mid + 1:n] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def save_bert(folder, model, tokenizer, generator, shard=None, pickle=False):
    os.makedirs(folder, exist_ok=True)
    model.eval()
    inputs = batch(generator, len(VOCAB))
    with torch.no_grad():
        logits = model(**inputs).logits
    if pickle:  # what older transformers wrote: a torch.save'd state dict, tied tensors included
        model.config.save_pretrained(folder)
        torch.save(model.state_dict(), os.path.join(folder, "pytorch_model.bin"))
    elif shard:
        model.save_pretrained(folder, max_shard_size=shard)
    else:
        model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    ids = tokenizer(SAMPLE_TEXT, add_special_tokens=False)["input_ids"]
    tensors = {"input." + k: v for k, v in inputs.items()}
    tensors["output.logits"] = logits.contiguous()
    tensors["tokenizer.input_ids"] = torch.tensor(ids, dtype=torch.int64)
    save_file(tensors, os.path.join(folder, CHECK_FILE),
              metadata={"format": "pt", "tokenizer_text": SAMPLE_TEXT, "model": type(model).__name__})
    print(f"{folder}: {type(model).__name__}, {sorted(os.listdir(folder))}")


def cmd_make_bert(args):
    import tempfile
    from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification, BertTokenizer
    g = torch.Generator().manual_seed(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        vocab = os.path.join(tmp, "vocab.txt")
        with open(vocab, "w") as f:
            f.write("\n".join(VOCAB) + "\n")
        uncased = BertTokenizer(vocab, do_lower_case=True)
        cased = BertTokenizer(vocab, do_lower_case=False)
    sizes = dict(vocab_size=len(VOCAB) + 3, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                 intermediate_size=24, max_position_embeddings=16)
    torch.manual_seed(args.seed)
    mlm = perturbed(BertForMaskedLM(BertConfig(**sizes)), g, 0.3)
    save_bert(os.path.join(args.out, "bert_mlm"), mlm, uncased, g, shard="8KB")
    cls_config = BertConfig(**sizes, id2label={0: "neg", 1: "neutral", 2: "pos"},
                            label2id={"neg": 0, "neutral": 1, "pos": 2})
    classifier = perturbed(BertForSequenceClassification(cls_config), g, 0.3)
    save_bert(os.path.join(args.out, "bert_classifier"), classifier, cased, g)
    if args.pickle:
        save_bert(os.path.join(args.out, "bert_mlm_pickle"), mlm, uncased, g, pickle=True)
    return 0


def cmd_top5(args):
    """The top-5 tokens transformers' BertForMaskedLM gives at each [MASK] of a sentence, one line each, in
    the format `ponet predict` prints them (token only), for the CLI round trip of interop_check.sh."""
    from transformers import AutoModelForMaskedLM, BertTokenizer

    tok = BertTokenizer.from_pretrained(args.dir)
    model = AutoModelForMaskedLM.from_pretrained(args.dir).eval()
    enc = tok(args.text, return_tensors="pt")
    logits = model(**enc).logits[0]
    for pos in (enc["input_ids"][0] == tok.mask_token_id).nonzero().flatten().tolist():
        top = torch.topk(torch.softmax(logits[pos], -1), 5).indices.tolist()
        print(" ".join(tok.convert_ids_to_tokens(top)))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="compare ponet.cpp exports with transformers / the reference")
    c.add_argument("dirs", nargs="+")
    c.add_argument("--tol", type=float, default=1e-5)
    m = sub.add_parser("make-bert", help="write tiny transformers-saved BERTs with their logits")
    m.add_argument("out")
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--pickle", action="store_true", help="also a pytorch_model.bin-only directory")
    f = sub.add_parser("top5", help="transformers' top-5 at each [MASK] of a sentence")
    f.add_argument("dir")
    f.add_argument("text")
    args = parser.parse_args()
    torch.set_grad_enabled(False)
    return {"check": cmd_check, "make-bert": cmd_make_bert, "top5": cmd_top5}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
