#!/usr/bin/python3
"""PyTorch peer of `mobilenet train --from … --fine-tune-epochs N`'s phase 2 (bench:transfer's speed-224 row).

torchvision's MobileNetV2 (the same network as Keras's and ours: ReLU6, 1280 features) with a new 10-class head,
fine-tuned as Keras's transfer-learning guide and our phase 2 do: the layers below block 11 frozen (Keras
`block_11_expand` is torchvision `features[12]`), every BatchNormalization in inference mode with its gamma/beta
frozen (ours in phase 2; `model.eval()` for the backbone, as Keras's `base(x, training=False)`), Dropout 0.2 in the head training, Adam. Random data,
--warmup untimed steps, then --steps timed steps of forward + backward + Adam step; prints images/s (one JSON line
with --json). channels_last by default (PyTorch's recommended CPU layout, ~2x NCHW here for V1/V2).

    python3 scripts/torch/finetune.py --input 224 --batch 32 --threads 2 --steps 10 --json
"""
import argparse
import json
import time

import torch
import torch.nn as nn


def build(classes, first_trainable):
    import torchvision
    m = torchvision.models.mobilenet_v2(num_classes=classes)
    m.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, classes))
    for i, block in enumerate(m.features):
        for p in block.parameters():
            p.requires_grad = i >= first_trainable
    for mod in m.modules():  # BN layers frozen too (ours: gamma/beta not trained in phase 2; 1,907,722 trainable)
        if isinstance(mod, nn.BatchNorm2d):
            for p in mod.parameters():
                p.requires_grad = False
    return m


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--input", type=int, default=224)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--first-trainable", type=int, default=12, help="features[i] trainable from this i (12: Keras block_11)")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--memory-format", choices=["channels_last", "contiguous"], default="channels_last")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = build(a.classes, a.first_trainable)
    x = torch.randn(a.batch, 3, a.input, a.input)
    y = torch.randint(0, a.classes, (a.batch,))
    if a.memory_format == "channels_last":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    model.features.eval()  # every BN in inference mode, as Keras's base(x, training=False)
    model.classifier.train()
    params = [q for q in model.parameters() if q.requires_grad]
    opt = torch.optim.Adam(params, lr=a.lr)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    dt = time.perf_counter() - t0
    res = {"torch": torch.__version__, "mode": "fine-tune", "trainable_params": sum(q.numel() for q in params),
           "batch": a.batch, "threads": a.threads, "steps": a.steps, "images_per_s": a.batch * a.steps / dt,
           "ms_per_step": 1000 * dt / a.steps, "memory_format": a.memory_format}
    print(json.dumps(res) if a.json else f"{res['images_per_s']:.1f} images/s ({res['trainable_params']} trainable parameters)")


if __name__ == "__main__":
    main()
