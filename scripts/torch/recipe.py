#!/usr/bin/python3
"""Recipe experiments on the PyTorch replica of our model (replica.py), fast on a GPU.

Trains the graph that `node dist/src/bench/scripts/torch-parity.js --graph-only --arch vN --dir D` wrote,
with our recipe (Adam, lr warm-up over 3% of the steps (at most 200) then cosine to 0, batch 128,
softmax cross-entropy from logits) and each lever switchable: decoupled weight decay, label smoothing,
shifts / flips / random erasing, EMA of the weights, precise BN, and the PyTorch conventions of
replica.Conventions. After every epoch it prints one JSON line: train loss/accuracy, test accuracy with
the moving (EMA) BN statistics, with precise BN, and of the EMA weights (precise BN on them).

  /usr/bin/python3 scripts/torch/recipe.py --graph D/graph.json --data DIR [--dataset mnist] [options]
"""
import argparse
import copy
import gzip
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replica import BatchNorm, Conventions, Graph  # noqa: E402


def read_idx(path):
    raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(d, stem):
    names = sorted(os.listdir(d))
    img = next(n for n in names if n.startswith(stem + "-images"))
    lab = next(n for n in names if n.startswith(stem + "-labels"))
    return read_idx(os.path.join(d, img)), read_idx(os.path.join(d, lab))


def shift(x, s, gen):
    """Random integer shifts in [-s, s] in x and y, uncovered pixels 0 (background). x [B, C, H, W] in 0..1."""
    b, c, h, w = x.shape
    p = F.pad(x, (s, s, s, s))  # [B, C, H + 2s, W + 2s]
    dy = torch.randint(0, 2 * s + 1, (b,), device=x.device, generator=gen)
    dx = torch.randint(0, 2 * s + 1, (b,), device=x.device, generator=gen)
    rows = dy[:, None] + torch.arange(h, device=x.device)  # [B, H]
    cols = dx[:, None] + torch.arange(w, device=x.device)  # [B, W]
    out = p[torch.arange(b, device=x.device)[:, None, None], :, rows[:, :, None], cols[:, None, :]]  # [B, H, W, C]
    return out.permute(0, 3, 1, 2)


def flip(x, gen):
    """Horizontal flip of half the images."""
    m = torch.rand(x.shape[0], device=x.device, generator=gen) < 0.5
    return torch.where(m[:, None, None, None], x.flip(3), x)


def erase(x, p, gen):
    """Random erasing (torchvision's defaults: area 2-33%, aspect 0.3-3.3) with value 0, on normalised x."""
    b, _, h, w = x.shape
    dev = x.device
    u = lambda: torch.rand(b, device=dev, generator=gen)  # noqa: E731
    area = (0.02 + 0.31 * u()) * h * w
    ratio = torch.exp(math.log(0.3) + (math.log(3.3) - math.log(0.3)) * u())
    eh = torch.sqrt(area * ratio).round().clamp(1, h)
    ew = torch.sqrt(area / ratio).round().clamp(1, w)
    y0 = (u() * (h - eh + 1)).floor()
    x0 = (u() * (w - ew + 1)).floor()
    ys = torch.arange(h, device=dev)[None, :, None]
    xs = torch.arange(w, device=dev)[None, None, :]
    box = (ys >= y0[:, None, None]) & (ys < (y0 + eh)[:, None, None]) & (xs >= x0[:, None, None]) & (xs < (x0 + ew)[:, None, None])
    box = box & (u() < p)[:, None, None]  # [B, H, W]
    return x.masked_fill(box[:, None], 0.0)


def lr_at(a, step, total):
    warm = min(200, int(0.03 * total)) if a.warmup is None else min(a.warmup, total)
    if step < warm:
        return a.lr * (step + 1) / warm
    if a.schedule == "constant":
        return a.lr
    t = (step - warm) / max(1, total - warm)
    return 0.5 * a.lr * (1 + math.cos(math.pi * min(1.0, t)))


@torch.no_grad()
def precise_bn(model, xtr, mean, std, n, batch, seed):
    """Moving statistics := population mean / biased variance over n training images, training mode."""
    bns = [m for m in model.modules() if isinstance(m, BatchNorm)]
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(xtr.shape[0], generator=g)[:n].sort().values.to(xtr.device)
    for m in bns:
        m.collect = []
    model.train()
    for i in range(0, n - 1, batch):
        xb = (xtr[idx[i:i + batch]].float() / 255 - mean) / std
        if xb.shape[0] >= 2:
            model(xb)
    for m in bns:
        rows = sum(c[2] for c in m.collect)
        mu = sum(c[0] * c[2] for c in m.collect) / rows
        var = sum((c[1] + (c[0] - mu) ** 2) * c[2] for c in m.collect) / rows
        m.running_mean.copy_(mu)
        m.running_var.copy_(var)
        m.collect = None


@torch.no_grad()
def accuracy(model, x, y, mean, std):
    model.eval()
    correct = 0
    for i in range(0, x.shape[0], 1000):
        out = model((x[i:i + 1000].float() / 255 - mean) / std)
        correct += (out.argmax(1) == y[i:i + 1000]).sum().item()
    return correct / x.shape[0]


def make_optimizer(model, a):
    decay = [p for p in model.parameters() if p.dim() > 1]  # conv / dense kernels
    rest = [p for p in model.parameters() if p.dim() <= 1]  # BN gamma/beta, biases
    groups = [{"params": decay, "weight_decay": a.wd}, {"params": rest, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=a.lr, betas=(0.9, 0.999), eps=a.adam_eps)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--graph", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--tag", default="run")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--warmup", type=int, default=None)
    p.add_argument("--schedule", choices=["cosine", "constant"], default="cosine")
    p.add_argument("--wd", type=float, default=0.0, help="decoupled (AdamW) weight decay on kernels")
    p.add_argument("--adam-eps", type=float, default=1e-7)
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--shift", type=int, default=0)
    p.add_argument("--flip", action="store_true")
    p.add_argument("--erase", type=float, default=0.0)
    p.add_argument("--ema", type=float, default=0.0, help="EMA decay of the weights (0: off)")
    p.add_argument("--precise-bn", type=int, default=2048)
    p.add_argument("--pad", choices=["tf", "torch"], default="tf")
    p.add_argument("--init", choices=["glorot", "kaiming"], default="glorot")
    p.add_argument("--bn-eps", type=float, default=None)
    p.add_argument("--bn-momentum", type=float, default=None, help="Keras convention (0.9 = PyTorch 0.1)")
    p.add_argument("--bn-var", choices=["biased", "unbiased"], default="biased")
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--limit-train", type=int, default=0)
    p.add_argument("--limit-test", type=int, default=0)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=None, help="also append each epoch's JSON line to this file")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    torch.backends.cudnn.benchmark = True
    dev = torch.device(a.device)
    with open(a.graph) as f:
        graph = json.load(f)
    conv = Conventions(pad=a.pad, init=a.init, bn_eps=a.bn_eps, bn_var=a.bn_var, bn_momentum=a.bn_momentum, dropout=a.dropout)
    model = Graph(graph, conv).to(dev)
    xtr, ytr = load_split(a.data, "train")
    xte, yte = load_split(a.data, "t10k")
    if a.limit_train:
        xtr, ytr = xtr[:a.limit_train], ytr[:a.limit_train]
    if a.limit_test:
        xte, yte = xte[:a.limit_test], yte[:a.limit_test]
    mean = float(xtr.mean() / 255)
    std = float((xtr / 255.0).std())
    xtr = torch.from_numpy(xtr.copy()).unsqueeze(1).to(dev)  # [N, 1, H, W] uint8
    ytr = torch.from_numpy(ytr.astype(np.int64)).to(dev)
    xte = torch.from_numpy(xte.copy()).unsqueeze(1).to(dev)
    yte = torch.from_numpy(yte.astype(np.int64)).to(dev)
    opt = make_optimizer(model, a)
    ema = copy.deepcopy(model) if a.ema > 0 else None
    gen = torch.Generator(device=dev).manual_seed(a.seed)
    order_gen = torch.Generator().manual_seed(a.seed)
    n = xtr.shape[0]
    steps = math.ceil(n / a.batch)
    total = steps * a.epochs
    step = 0
    t_start = time.perf_counter()
    for ep in range(a.epochs):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=order_gen).to(dev)
        loss_sum = torch.zeros((), device=dev)
        correct = torch.zeros((), device=dev)
        for i in range(0, n, a.batch):
            idx = perm[i:i + a.batch]
            if idx.numel() < 2:
                continue
            xb = xtr[idx].float() / 255  # [B, 1, H, W]
            if a.shift:
                xb = shift(xb, a.shift, gen)
            if a.flip:
                xb = flip(xb, gen)
            xb = (xb - mean) / std
            if a.erase > 0:
                xb = erase(xb, a.erase, gen)
            for g in opt.param_groups:
                g["lr"] = lr_at(a, step, total)
            out = model(xb)
            loss = F.cross_entropy(out, ytr[idx], label_smoothing=a.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            if ema is not None:
                d = min(a.ema, (1 + step) / (10 + step))
                with torch.no_grad():
                    ep_, mp_ = list(ema.parameters()), list(model.parameters())
                    torch._foreach_mul_(ep_, d)
                    torch._foreach_add_(ep_, [t.detach() for t in mp_], alpha=1 - d)
            loss_sum += loss.detach() * idx.numel()
            correct += (out.argmax(1) == ytr[idx]).sum()
        train_s = time.perf_counter() - t0
        row = {"tag": a.tag, "epoch": ep + 1, "trainLoss": loss_sum.item() / n, "trainAcc": correct.item() / n,
               "seconds": train_s}
        row["testEmaBn"] = accuracy(model, xte, yte, mean, std)
        if a.precise_bn:
            precise_bn(model, xtr, mean, std, min(a.precise_bn, n), a.batch, a.seed + 2)
            row["testPreciseBn"] = accuracy(model, xte, yte, mean, std)
        if ema is not None:
            precise_bn(ema, xtr, mean, std, min(max(a.precise_bn, 2048), n), a.batch, a.seed + 2)
            row["testEmaWeights"] = accuracy(ema, xte, yte, mean, std)
        row["elapsed"] = time.perf_counter() - t_start
        print(json.dumps(row), flush=True)
        if a.out:
            with open(a.out, "a") as f:
                f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
