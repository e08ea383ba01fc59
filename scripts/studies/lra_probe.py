#!/usr/bin/env python3
# A linear probe of LRA encoders on the Image task (Fashion-MNIST): how much of the class the MEAN-pooled
# encoder output already holds, before any fine-tuning. It answers whether a self-pretrained encoder
# (`ponet lra image --self-pretrain`) hands fine-tuning better features than a fresh one.
#
# Each encoder is run by the official LRA code (lxchtan/PoNet examples/LRA/code: --official names the
# folder holding model.py, model_wrapper.py and the attention files) with the `model.*` weights of a
# ponet.cpp checkpoint (the parameter names are the official ones), in eval mode. "fresh" is the official
# model's own initialisation with --seed. For each encoder it prints
#   spread  the mean over feature dimensions of the std across images of the pooled vector, over the
#           norm of its mean: how much the pooled vector changes from one image to the next
#   probe   the dev accuracy of a ridge-regression classifier (one-hot targets, closed form, standardised
#           features) fitted on --train training images and tested on --dev dev images
#
#   scripts/studies/lra_probe.py --official DIR --config RUN/config.json \
#       fresh RUN/self_pretrain/checkpoint.safetensors RUN/best.safetensors
import argparse, gzip, json, os, struct, sys

import torch

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("--official", required=True, help="folder with the official LRA code (model.py, model_wrapper.py, ...)")
ap.add_argument("--config", required=True, help="the run's config.json (ponet.cpp's LRA config: the official keys)")
ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
ap.add_argument("--train", type=int, default=2000, help="training images the probe is fitted on")
ap.add_argument("--dev", type=int, default=1000, help="dev images it is tested on (the last 10 %% of the training file)")
ap.add_argument("--ridge", type=float, default=1e-2)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("encoders", nargs="+", help="'fresh' or a checkpoint.safetensors / best.safetensors")
args = ap.parse_args()
torch.set_num_threads(1)


def read_idx(path, count, offset=0):
    with gzip.open(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        dims = [struct.unpack(">I", f.read(4))[0] for _ in range(magic & 0xFF)]
        per = 1
        for d in dims[1:]:
            per *= d
        if offset + count > dims[0]:
            sys.exit(f"lra_probe: {path} holds {dims[0]} items, asked for {offset + count}")
        f.seek(4 + 4 * len(dims) + offset * per)
        return torch.frombuffer(bytearray(f.read(count * per)), dtype=torch.uint8).reshape(count, per)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, h in header.items():
        if name == "__metadata__" or not name.startswith("model."):
            continue
        if h["dtype"] != "F32":
            sys.exit(f"lra_probe: {path}: {name} is {h['dtype']}, expected F32")
        a, b = h["data_offsets"]
        out[name[len("model."):]] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(h["shape"])
    if not out:
        sys.exit(f"lra_probe: {path} holds no model.* tensor")
    return out


sys.path.insert(0, os.path.abspath(args.official))
from model import Model  # noqa: E402  (the official encoder)

config = json.load(open(args.config))
total_train = 60000
n_train_file = total_train - total_train // 10  # dev is the last tenth of the training file
images = {
    "train": read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz"), args.train),
    "dev": read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz"), args.dev, n_train_file),
}
labels = {
    "train": read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz"), args.train).reshape(-1).long(),
    "dev": read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz"), args.dev, n_train_file).reshape(-1).long(),
}


@torch.no_grad()
def pooled(model, pixels):
    ids = pixels.long() + 1  # ponet.cpp's pixel tokens: intensity + 1, id 0 is padding (data/pixel_tokens.h)
    out = []
    for i in range(0, len(ids), 50):
        batch = ids[i:i + 50]
        mask = (batch != 0).float()
        out.append(model(batch, mask).mean(dim=1))  # the official MEAN pooling
    return torch.cat(out).double()


def probe(train_x, train_y, dev_x, dev_y):
    mu, sd = train_x.mean(0), train_x.std(0).clamp_min(1e-8)
    a, b = (train_x - mu) / sd, (dev_x - mu) / sd
    a = torch.cat([a, torch.ones(len(a), 1, dtype=a.dtype)], 1)
    b = torch.cat([b, torch.ones(len(b), 1, dtype=b.dtype)], 1)
    y = torch.nn.functional.one_hot(train_y, 10).double()
    w = torch.linalg.solve(a.T @ a + args.ridge * len(a) * torch.eye(a.shape[1], dtype=a.dtype), a.T @ y)
    return (b @ w).argmax(1).eq(dev_y).double().mean().item()


print(f"| encoder | spread | linear probe, dev accuracy (fit on {args.train}, test on {args.dev}) |")
print("|---|---|---|")
for spec in args.encoders:
    torch.manual_seed(args.seed)
    model = Model(config)
    if spec != "fresh":
        state = read_safetensors(spec)
        missing, unexpected = model.load_state_dict(state, strict=False)
        needed = [k for k in missing if not k.startswith("transformer_") or "mha" not in k or config["attn_type"] != "fnet"]
        if needed or unexpected:
            sys.exit(f"lra_probe: {spec}: missing {needed}, unexpected {unexpected}")
    model.eval()
    tx, dx = pooled(model, images["train"]), pooled(model, images["dev"])
    spread = (tx.std(0).mean() / tx.mean(0).norm()).item()
    acc = probe(tx, labels["train"], dx, labels["dev"])
    print(f"| {spec} | {spread:.4f} | {100 * acc:.1f} % |")
