#!/usr/bin/python3
"""Training-step parity: our TF.js step against a PyTorch replica on identical weights and data.

The reference is the replica in float64; ours (float32) and the replica in float32 are both measured
against it, so the float32 rounding noise of a 52-BN network (which grows towards the input) is visible
beside any real difference. Convention effects are measured in float64.

Reads what src/bench/scripts/torch-parity.ts wrote into DIR (graph.json, init and final weights,
batches, our losses, step-1 gradients, inference logits), replays the same steps in PyTorch with our
conventions (replica.Conventions defaults: TF padding, BN eps 1e-3, biased moving variance, Adam
eps 1e-7), and prints one JSON object: how far apart the two are (parity), and how much each PyTorch
convention changes the same steps when switched on alone (conventions).
"""
import copy
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replica import Conventions, Graph, export_weights, load_weights, read_weights  # noqa: E402


def rel(a, b):
    """||a - b|| / ||b|| (0 when both are 0)."""
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    nb = np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / nb) if nb > 0 else float(np.linalg.norm(a))


def worst(ours, theirs, keys):
    """Median and largest relative difference (and where) over `keys`, `ours` being the reference; tensors
    whose reference is ~0 (a statistic that is 0 analytically) are skipped: relative noise says nothing."""
    keys = [k for k in keys if np.linalg.norm(ours[k]) > 1e-4 * np.sqrt(ours[k].size)]
    r = max(((rel(theirs[k], ours[k]), k) for k in keys), default=(0.0, ""))
    return {"maxRel": r[0], "at": r[1], "medianRel": float(np.median([rel(theirs[k], ours[k]) for k in keys]))}


def load(d):
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    with open(os.path.join(d, "graph.json")) as f:
        graph = json.load(f)
    h, w, c = graph["inputShape"]
    x = np.fromfile(os.path.join(d, "x.bin"), dtype=np.float32).reshape(meta["steps"], meta["batch"], h, w, c)
    y = np.fromfile(os.path.join(d, "y.bin"), dtype=np.int32).reshape(meta["steps"], meta["batch"])
    xs = torch.from_numpy(x).permute(0, 1, 4, 2, 3).contiguous()  # [S, B, C, H, W]
    return meta, graph, xs, torch.from_numpy(y.astype(np.int64))


def run(graph, init, xs, ys, meta, conv, adam_eps, dtype=torch.float64):
    """Step-1 gradients (on a copy: no statistics update), then the training steps; returns the results."""
    torch.manual_seed(0)
    model = Graph(graph, conv).to(dtype)
    load_weights(model, {k: v.astype(np.float64 if dtype == torch.float64 else np.float32) for k, v in init.items()})
    xs = xs.to(dtype)
    probe = copy.deepcopy(model).train()
    logits0 = probe(xs[0])  # [B, K]
    loss0 = F.cross_entropy(logits0, ys[0])
    loss0.backward()
    grads = {}
    for layer, mod in probe.mods.items():
        for field, p in mod.named_parameters(recurse=False):
            if p.grad is not None:
                grads[(layer, field)] = p.grad
    opt = torch.optim.Adam(model.parameters(), lr=meta["lr"], betas=(0.9, 0.999), eps=adam_eps)
    losses = []
    model.train()
    for s in range(meta["steps"]):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xs[s]), ys[s])
        loss.backward()
        opt.step()
        losses.append(float(loss))
    model.eval()
    with torch.no_grad():
        logits_eval = model(xs[0]).numpy()
    g = {}
    from replica import tf_name, from_torch_kernel  # noqa: E402
    for (layer, field), t in grads.items():
        g[tf_name(model, layer, field)] = from_torch_kernel(t, model.mods[layer])
    return {"loss0": float(loss0), "logits0": logits0.detach().numpy(), "grads": g, "losses": losses,
            "weights": export_weights(model), "logitsEval": logits_eval}


def main():
    d = sys.argv[1]
    torch.set_num_threads(int(os.environ.get("PARITY_THREADS", "2")))
    meta, graph, xs, ys = load(d)
    init = read_weights(d, "init")
    ours_final = read_weights(d, "final")
    ours_grads = read_weights(d, "grads")
    k = graph["inputShape"]
    ours_logits0 = np.fromfile(os.path.join(d, "logits0.bin"), dtype=np.float32).reshape(meta["batch"], -1)
    ours_eval = np.fromfile(os.path.join(d, "logits_eval.bin"), dtype=np.float32).reshape(meta["batch"], -1)
    same = run(graph, init, xs, ys, meta, Conventions(), 1e-7)  # float64: the reference
    fp32 = run(graph, init, xs, ys, meta, Conventions(), 1e-7, torch.float32)
    # gradients that are 0 analytically (a projection BN's beta: the next BN removes a constant shift)
    # hold only rounding noise; relative differences of those say nothing
    trainable = [n for n in ours_grads if np.linalg.norm(same["grads"][n]) > 1e-4]
    stats = [n for n in ours_final if n.endswith("moving_mean") or n.endswith("moving_variance")]
    def against_reference(loss0, losses, logits0, grads, weights, logits_eval):
        return {
            "loss0": loss0, "losses": losses,
            "logits0Rel": rel(logits0, same["logits0"]),
            "gradsStep1": worst(same["grads"], grads, trainable),
            "weightsAfter": worst(same["weights"], weights, trainable),
            "movingStatsAfter": worst(same["weights"], weights, stats),
            "evalLogitsRel": rel(logits_eval, same["logitsEval"]),
            "evalArgmaxAgree": float((logits_eval.argmax(1) == same["logitsEval"].argmax(1)).mean()),
        }
    parity = {
        "reference": {"loss0": same["loss0"], "losses": same["losses"]},
        "ours": against_reference(meta["loss0"], meta["losses"], ours_logits0, ours_grads, ours_final, ours_eval),
        "torchFloat32": against_reference(fp32["loss0"], fp32["losses"], fp32["logits0"], fp32["grads"],
                                          fp32["weights"], fp32["logitsEval"]),
        "leftOut": [n for n in ours_grads if n not in trainable],
    }
    variants = {
        "pad torch (symmetric k//2)": (Conventions(pad="torch"), 1e-7),
        "BN eps 1e-5": (Conventions(bn_eps=1e-5), 1e-7),
        "moving variance unbiased": (Conventions(bn_var="unbiased"), 1e-7),
        "Adam eps 1e-8": (Conventions(), 1e-8),
    }
    conventions = {}
    for name, (conv, eps) in variants.items():
        r = run(graph, init, xs, ys, meta, conv, eps)
        conventions[name] = {
            "loss0": r["loss0"], "lossLast": r["losses"][-1],
            "logits0Rel": rel(r["logits0"], same["logits0"]),
            "gradsStep1MedianRel": worst(same["grads"], r["grads"], trainable)["medianRel"],
            "weightsAfterMedianRel": worst(same["weights"], r["weights"], trainable)["medianRel"],
            "movingVarAfterMedianRel": worst(same["weights"], r["weights"],
                                             [n for n in stats if n.endswith("variance")])["medianRel"],
            "evalLogitsRel": rel(r["logitsEval"], same["logitsEval"]),
        }
    print(json.dumps({"arch": meta["arch"], "steps": meta["steps"], "batch": meta["batch"], "lr": meta["lr"],
                      "inputShape": k, "torch": torch.__version__, "parity": parity, "conventions": conventions}))


if __name__ == "__main__":
    main()
