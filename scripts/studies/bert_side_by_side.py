"""Tiny BERT trained by transformers' BertForMaskedLM on exactly the batches a `ponet pretrain` run drew.

Two modes (scripts/bert_side_by_side.sh runs both around a ponet run):
  init  OUT --vocab VOCAB --config CONFIG.json --seed S
        a BertForPreTraining initialised by transformers (normal(0, initializer_range), zero biases, unit
        LayerNorms) saved with save_pretrained into OUT with the run's vocabulary: the start of both runs.
  train INIT BATCHES --steps N --warmup W --lr LR --weight-decay WD --clip C --eval-every E --out LOG.jsonl
        trains that model on BATCHES/batch_NNNNNN.safetensors (step n uses batch n) with the same recipe as
        ponet: torch.optim.AdamW (0.9, 0.999, eps 1e-8), no decay on biases and LayerNorms, the linear
        warmup-then-decay schedule (lr 0 at the first step, as ponet and transformers' scheduler), global
        gradient-norm clipping; MLM loss only. Held-out MLM accuracy on BATCHES/eval_*.safetensors every E
        steps. Writes one JSON line per step: step, loss, lr, grad_norm (and mlm_accuracy, eval_loss).
  report OURS_RUN THEIRS.jsonl --svg OUT.svg [--name NAME]
        the two curves side by side: the first steps' losses (equal to float rounding when both start from
        the same weights and batches), training loss averaged over 100 steps, held-out MLM accuracy.
        Needs the standard library only.
  order HF_DIR BATCHES
        does a trained BERT (a `ponet export` directory) use word order? Held-out MLM accuracy on
        BATCHES/eval_*.safetensors with the true positions, with each row's position ids permuted, and with
        its tokens (and their labels) permuted.
"""
import argparse
import glob
import json
import math
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from svg_chart import line_chart  # noqa: E402


def bert_config(ponet_config, vocab_size):
    from transformers import BertConfig
    c = json.load(open(ponet_config))
    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=c["hidden_size"],
        num_hidden_layers=c["num_hidden_layers"],
        num_attention_heads=c["num_attention_heads"],
        intermediate_size=c["intermediate_size"],
        max_position_embeddings=c["max_position_embeddings"],
        hidden_dropout_prob=c.get("hidden_dropout_prob", 0.1),
        attention_probs_dropout_prob=c.get("attention_probs_dropout_prob", c.get("hidden_dropout_prob", 0.1)),
        initializer_range=c.get("initializer_range", 0.02),
        type_vocab_size=2,
        pad_token_id=0,
    )


def cmd_init(a):
    import torch
    from transformers import BertForPreTraining
    vocab = [line.rstrip("\n") for line in open(a.vocab, encoding="utf-8")]
    torch.manual_seed(a.seed)
    model = BertForPreTraining(bert_config(a.config, len(vocab)))
    os.makedirs(a.out, exist_ok=True)
    model.save_pretrained(a.out, safe_serialization=True)
    shutil.copy(a.vocab, os.path.join(a.out, "vocab.txt"))
    print(f"init: {sum(p.numel() for p in model.parameters())} parameters -> {a.out}")


def load_batch(path):
    from safetensors.torch import load_file
    t = load_file(path)
    return {k: t[k] for k in ("input_ids", "attention_mask", "token_type_ids", "labels")}


def mlm_logits(model, b):
    out = model.bert(input_ids=b["input_ids"], attention_mask=b["attention_mask"], token_type_ids=b["token_type_ids"])
    return model.cls.predictions(out.last_hidden_state)


def evaluate(model, eval_batches):
    import torch
    model.eval()
    correct = total = 0
    loss_sum = 0.0
    with torch.no_grad():
        for b in eval_batches:
            logits = mlm_logits(model, b)
            scored = b["labels"] != -100
            lab = b["labels"][scored]
            lg = logits[scored]
            loss_sum += torch.nn.functional.cross_entropy(lg, lab, reduction="sum").item()
            correct += (lg.argmax(-1) == lab).sum().item()
            total += lab.numel()
    model.train()
    return correct / total, loss_sum / total


def lr_at(step, warmup, total, peak):  # ponet's linear_warmup_decay (train/schedule.cpp), step counted from 0
    if step < warmup:
        return peak * step / warmup
    if warmup == total:
        return 0.0
    return peak * max(0.0, (total - step) / (total - warmup))


def cmd_train(a):
    import torch
    from transformers import BertForPreTraining
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    model = BertForPreTraining.from_pretrained(a.init)
    model.train()
    decay = [p for n, p in model.named_parameters() if not n.endswith("bias") and "LayerNorm" not in n]
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    eval_batches = [load_batch(p) for p in sorted(glob.glob(os.path.join(a.batches, "eval_*.safetensors")))]
    if not eval_batches:
        sys.exit(f"bert_side_by_side: no eval_*.safetensors in {a.batches}")
    with open(a.out, "w") as log:
        for step in range(a.steps):
            path = os.path.join(a.batches, f"batch_{step + 1:06d}.safetensors")
            if not os.path.exists(path):
                sys.exit(f"bert_side_by_side: {path} is missing (the ponet run dumped fewer batches than --steps)")
            b = load_batch(path)
            logits = mlm_logits(model, b)
            loss = torch.nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), b["labels"].view(-1),
                                                     ignore_index=-100)
            if not math.isfinite(loss.item()):
                sys.exit(f"bert_side_by_side: loss became {loss.item()} at step {step + 1}")
            loss.backward()
            params = [p for p in model.parameters() if p.grad is not None]
            norm = torch.nn.utils.clip_grad_norm_(params, a.clip) if a.clip > 0 else \
                torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in params]))
            lr = lr_at(step, a.warmup, a.steps, a.lr)
            for g in opt.param_groups:
                g["lr"] = lr
            opt.step()
            opt.zero_grad(set_to_none=True)
            rec = {"step": step + 1, "loss": loss.item(), "lr": lr, "grad_norm": float(norm)}
            if (step + 1) % a.eval_every == 0 or step + 1 == a.steps:
                acc, eval_loss = evaluate(model, eval_batches)
                rec.update({"mlm_accuracy": acc, "eval_loss": eval_loss})
                print(f"step {step + 1}: loss {loss.item():.4f}, held-out MLM {100 * acc:.1f} %", flush=True)
            log.write(json.dumps(rec) + "\n")


def cmd_order(a):
    import torch
    from transformers import BertForMaskedLM
    torch.manual_seed(a.seed)
    model = BertForMaskedLM.from_pretrained(a.model).eval()
    paths = sorted(glob.glob(os.path.join(a.batches, "eval_*.safetensors")))
    if not paths:
        sys.exit(f"bert_side_by_side: no eval_*.safetensors in {a.batches}")
    for mode in ("true order", "positions permuted", "tokens permuted"):
        correct = total = 0
        for path in paths:
            b = load_batch(path)
            ids, mask, types, labels = b["input_ids"], b["attention_mask"], b["token_type_ids"], b["labels"]
            pos = torch.arange(ids.shape[1]).repeat(ids.shape[0], 1)
            for r in range(ids.shape[0]) if mode != "true order" else []:
                n = int(mask[r].sum())
                perm = torch.randperm(n)
                if mode == "positions permuted":
                    pos[r, :n] = perm
                else:
                    ids[r, :n], labels[r, :n], types[r, :n] = ids[r, :n][perm], labels[r, :n][perm], types[r, :n][perm]
            with torch.no_grad():
                logits = model(input_ids=ids, attention_mask=mask, token_type_ids=types, position_ids=pos).logits
            scored = labels != -100
            correct += (logits[scored].argmax(-1) == labels[scored]).sum().item()
            total += scored.sum().item()
        print(f"{mode}: held-out MLM accuracy {100 * correct / total:.1f} % ({total} masked tokens)")


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def cmd_report(a):
    ours_log = read_jsonl(os.path.join(a.ours, "log.jsonl"))
    ours_train = {r["step"]: r["loss"] for r in ours_log if r.get("kind") == "train"}
    ours_eval = {r["step"]: r["mlm_accuracy"] for r in ours_log if r.get("kind") == "eval"}
    theirs = read_jsonl(a.theirs)
    theirs_train = {r["step"]: r["loss"] for r in theirs}
    theirs_eval = {r["step"]: r["mlm_accuracy"] for r in theirs if "mlm_accuracy" in r}
    for name, d in (("ours", ours_train), ("transformers", theirs_train)):
        bad = [s for s, v in d.items() if not math.isfinite(v)]
        if bad:
            sys.exit(f"bert_side_by_side: the {name} loss is not finite at step {bad[0]}")
    steps = sorted(set(ours_train) & set(theirs_train))
    if not steps:
        sys.exit("bert_side_by_side: the two runs share no logged step (log every step: --log-every 1)")
    first = [s for s in steps if s <= 10]
    diff = max(abs(ours_train[s] - theirs_train[s]) for s in first)
    print(f"{a.name}: steps 1-{first[-1]}: largest |loss difference| {diff:.2e} "
          f"(losses near {ours_train[first[0]]:.3f})")
    worst = max(steps, key=lambda s: abs(ours_train[s] - theirs_train[s]))
    print(f"{a.name}: all {len(steps)} steps: largest |loss difference| "
          f"{abs(ours_train[worst] - theirs_train[worst]):.2e} at step {worst}")

    def smooth(d, w=100):
        keys = sorted(d)
        return [(k, sum(d[j] for j in keys[max(0, i - w + 1):i + 1]) / len(keys[max(0, i - w + 1):i + 1]))
                for i, k in enumerate(keys)]

    print("| step | held-out MLM, ours | held-out MLM, transformers | train loss (mean of 100), ours | transformers |")
    print("|---|---|---|---|---|")
    so, st = dict(smooth(ours_train)), dict(smooth(theirs_train))
    for s in sorted(set(ours_eval) & set(theirs_eval)):
        print(f"| {s} | {100 * ours_eval[s]:.1f} % | {100 * theirs_eval[s]:.1f} % | "
              f"{so.get(s, float('nan')):.3f} | {st.get(s, float('nan')):.3f} |")
    panels = [
        {"title": "training loss (mean of 100 steps)", "xlabel": "step", "ylabel": "MLM loss",
         "series": [("ponet.cpp", "#1f77b4", smooth(ours_train), False),
                    ("transformers BertForMaskedLM", "#d62728", smooth(theirs_train), True)]},
        {"title": "held-out MLM accuracy", "xlabel": "step", "ylabel": "accuracy",
         "series": [("ponet.cpp", "#1f77b4", sorted(ours_eval.items()), False),
                    ("transformers BertForMaskedLM", "#d62728", sorted(theirs_eval.items()), True)]},
    ]
    line_chart(a.svg, panels, f"tiny BERT, same weights and batches: {a.name}")
    print(f"chart: {a.svg}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("init")
    i.add_argument("out")
    i.add_argument("--vocab", required=True)
    i.add_argument("--config", required=True)
    i.add_argument("--seed", type=int, default=0)
    t = sub.add_parser("train")
    t.add_argument("init")
    t.add_argument("batches")
    t.add_argument("--steps", type=int, required=True)
    t.add_argument("--warmup", type=int, required=True)
    t.add_argument("--lr", type=float, required=True)
    t.add_argument("--weight-decay", type=float, default=0.01)
    t.add_argument("--clip", type=float, default=1.0)
    t.add_argument("--eval-every", type=int, default=100)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("ours")
    r.add_argument("theirs")
    r.add_argument("--svg", required=True)
    r.add_argument("--name", default="")
    o = sub.add_parser("order")
    o.add_argument("model")
    o.add_argument("batches")
    o.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    {"init": cmd_init, "train": cmd_train, "report": cmd_report, "order": cmd_order}[a.cmd](a)


if __name__ == "__main__":
    main()
