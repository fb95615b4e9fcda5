"""A PyTorch replica of one of our TF.js layers models, built from the graph JSON that
src/bench/torch-graph.ts writes (layer list with configs and inbound layers), optionally with its
weights (weights.bin + manifest). Tensors are NCHW here; TF.js kernels are transposed on load.

Conventions are switchable, so the effect of each difference between Keras/TF.js and PyTorch can be
measured on its own (Conventions below). The defaults reproduce our TF.js model exactly:
  pad      'tf': 'same' pads (total // 2) before and the rest after, so a stride-2 3x3 conv on an
           even size pads 0 top/left and 1 bottom/right; 'torch': padding k // 2 on both sides.
  init     'glorot': Keras glorot_uniform with TF.js fans (depthwise [kh,kw,C,m]: fan_in 9C,
           fan_out 9m); 'kaiming': torchvision's (conv kaiming_normal fan_out, Linear N(0, 0.01)).
  bn_eps   the layer's epsilon (1e-3) unless overridden (torchvision: 1e-5).
  bn_var   'biased': moving variance from the biased batch variance (TF.js); 'unbiased': n/(n-1)
           (PyTorch, and TF's fused batch norm).
  dropout  extra dropout before the classifier (torchvision V2 has 0.2; Keras V2 none).
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Conventions:
    def __init__(self, pad="tf", init="glorot", bn_eps=None, bn_var="biased", bn_momentum=None, dropout=0.0):
        self.pad, self.init, self.bn_eps, self.bn_var = pad, init, bn_eps, bn_var
        self.bn_momentum, self.dropout = bn_momentum, dropout


def same_pad(size, k, s):
    """TF 'same' padding (before, after) for one spatial dimension."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class Conv(nn.Module):
    """Conv2D or DepthwiseConv2D (no dilation), TF or PyTorch padding."""

    def __init__(self, cfg, cin, depthwise, conv):
        super().__init__()
        self.k, self.s = cfg["kernelSize"][0], cfg["strides"][0]
        self.groups = cin if depthwise else 1
        cout = cin * cfg.get("depthMultiplier", 1) if depthwise else cfg["filters"]
        self.weight = nn.Parameter(torch.empty(cout, cin // self.groups, self.k, self.k))
        self.bias = nn.Parameter(torch.zeros(cout)) if cfg.get("useBias", False) else None
        self.valid = cfg["padding"] == "valid"
        self.pad = conv.pad
        self.depthwise = depthwise

    def forward(self, x):
        if self.valid:
            return F.conv2d(x, self.weight, self.bias, self.s, 0, 1, self.groups)
        if self.pad == "torch":
            return F.conv2d(x, self.weight, self.bias, self.s, self.k // 2, 1, self.groups)
        ph, pw = same_pad(x.shape[2], self.k, self.s), same_pad(x.shape[3], self.k, self.s)
        if ph[0] == ph[1] and pw[0] == pw[1]:
            return F.conv2d(x, self.weight, self.bias, self.s, (ph[0], pw[0]), 1, self.groups)
        x = F.pad(x, (pw[0], pw[1], ph[0], ph[1]))  # [B, C, H + ph, W + pw]
        return F.conv2d(x, self.weight, self.bias, self.s, 0, 1, self.groups)


class BatchNorm(nn.Module):
    """BatchNormalization over channels with Keras momentum (moving = m * moving + (1 - m) * batch).
    `collect`, when a list, receives (mean, biased variance, rows) of every training-mode batch."""

    def __init__(self, c, momentum, eps, var):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.register_buffer("running_mean", torch.zeros(c))
        self.register_buffer("running_var", torch.ones(c))
        self.momentum, self.eps, self.var = momentum, eps, var
        self.collect = None

    def forward(self, x):
        if not self.training:
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)
        if self.var == "unbiased" and self.collect is None:  # PyTorch's own fast path
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, True,
                                1 - self.momentum, self.eps)
        y = F.batch_norm(x, None, None, self.weight, self.bias, True, 0.0, self.eps)
        with torch.no_grad():
            dims = [0] + list(range(2, x.dim()))
            n = x.numel() // x.shape[1]
            var, mean = torch.var_mean(x, dims, correction=0)  # [C], [C]
            if self.collect is not None:
                self.collect.append((mean, var, n))
            else:
                self.running_mean.mul_(self.momentum).add_(mean, alpha=1 - self.momentum)
                self.running_var.mul_(self.momentum).add_(var, alpha=1 - self.momentum)
        return y


class Dense(nn.Module):
    def __init__(self, cfg, fin):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(cfg["units"], fin))
        self.bias = nn.Parameter(torch.zeros(cfg["units"])) if cfg.get("useBias", True) else None

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


class Graph(nn.Module):
    """Runs the layers in the JSON's (topological) order; returns the last layer's output (logits)."""

    def __init__(self, graph, conv=None):
        super().__init__()
        conv = conv or Conventions()
        self.conv = conv
        self.order = []
        self.mods = nn.ModuleDict()
        channels = {}
        for layer in graph["layers"]:
            name, cls, cfg, ins = layer["name"], layer["className"], layer["config"], layer["inbound"]
            cin = channels[ins[0]] if ins else graph["inputShape"][-1]
            cout = cin
            if cls in ("Conv2D", "DepthwiseConv2D"):
                self.mods[name] = Conv(cfg, cin, cls == "DepthwiseConv2D", conv)
                cout = self.mods[name].weight.shape[0]
            elif cls == "BatchNormalization":
                m = cfg["momentum"] if conv.bn_momentum is None else conv.bn_momentum
                eps = cfg["epsilon"] if conv.bn_eps is None else conv.bn_eps
                self.mods[name] = BatchNorm(cin, m, eps, conv.bn_var)
            elif cls == "Dense":
                if conv.dropout > 0:
                    self.mods[name + "_extra_dropout"] = nn.Dropout(conv.dropout)
                self.mods[name] = Dense(cfg, cin)
                cout = cfg["units"]
            elif cls == "Reshape":
                cout = cfg["targetShape"][-1]
            self.order.append((name, cls, cfg, ins))
            channels[name] = cout
        self.reset_parameters(conv.init)

    def forward(self, x):
        env = {}
        for name, cls, cfg, ins in self.order:
            a = env[ins[0]] if ins else x
            if cls == "InputLayer":
                y = x
            elif cls in ("Conv2D", "DepthwiseConv2D", "BatchNormalization"):
                y = self.mods[name](a)
            elif cls == "Dense":
                if name + "_extra_dropout" in self.mods:
                    a = self.mods[name + "_extra_dropout"](a)
                y = self.mods[name](a)
            elif cls == "ReLU":
                mx = cfg.get("maxValue")
                y = F.relu(a) if mx is None else F.hardtanh(a, 0.0, float(mx))
            elif cls == "Add":
                y = env[ins[0]] + env[ins[1]]
            elif cls == "GlobalAveragePooling2D":
                y = a.mean((2, 3))  # [B, C]
            elif cls == "Reshape":
                y = reshape_nhwc(a, cfg["targetShape"])
            elif cls == "Dropout":
                y = F.dropout(a, cfg["rate"], self.training)
            elif cls == "Activation":
                if cfg["activation"] not in ("linear", None):
                    raise ValueError("replica: only linear Activation (logits) is supported")
                y = a
            else:
                raise ValueError("replica: unsupported layer class %s" % cls)
            env[name] = y
        return env[self.order[-1][0]]

    def batch_norms(self):
        return [m for m in self.mods.values() if isinstance(m, BatchNorm)]

    def reset_parameters(self, init):
        for m in self.mods.values():
            if isinstance(m, Conv):
                if init == "glorot":
                    o, i, kh, kw = m.weight.shape
                    # TF.js fans: conv [kh,kw,in,out]; depthwise [kh,kw,C,mult]
                    fan_in, fan_out = (kh * kw * m.groups, kh * kw * (o // m.groups)) if m.depthwise else (kh * kw * i, kh * kw * o)
                    lim = math.sqrt(6.0 / (fan_in + fan_out))
                    nn.init.uniform_(m.weight, -lim, lim)
                else:
                    nn.init.kaiming_normal_(m.weight, mode="fan_out")
            elif isinstance(m, Dense):
                if init == "glorot":
                    lim = math.sqrt(6.0 / sum(m.weight.shape))
                    nn.init.uniform_(m.weight, -lim, lim)
                else:
                    nn.init.normal_(m.weight, 0, 0.01)


def reshape_nhwc(x, target):
    """Keras Reshape (channels-last semantics) on an NCHW tensor."""
    if x.dim() == 4:
        x = x.permute(0, 2, 3, 1)
    x = x.reshape([x.shape[0]] + list(target))
    return x.permute(0, 3, 1, 2) if x.dim() == 4 else x


def to_torch_kernel(name, arr, mod):
    """TF.js kernel layout -> PyTorch: conv [kh,kw,in,out] -> [out,in,kh,kw]; depthwise [kh,kw,C,m] ->
    [C*m,1,kh,kw]; dense [in,out] -> [out,in]."""
    t = torch.from_numpy(arr)
    if isinstance(mod, Conv) and t.dim() == 4:
        if mod.depthwise:
            kh, kw, c, mult = t.shape
            return t.permute(2, 3, 0, 1).reshape(c * mult, 1, kh, kw)
        return t.permute(3, 2, 0, 1)
    if isinstance(mod, Dense) and t.dim() == 2:
        return t.t()
    return t


WEIGHT_FIELD = {"kernel": "weight", "depthwise_kernel": "weight", "bias": "bias", "gamma": "weight", "beta": "bias",
                "moving_mean": "running_mean", "moving_variance": "running_var"}


def read_weights(d, stem="weights"):
    """{name: np.ndarray} from DIR/<stem>.json ([{name, shape, offset}]) and DIR/<stem>.bin (float32)."""
    with open(os.path.join(d, stem + ".json")) as f:
        manifest = json.load(f)
    raw = np.fromfile(os.path.join(d, stem + ".bin"), dtype=np.float32)
    return {w["name"]: raw[w["offset"]: w["offset"] + int(np.prod(w["shape"]))].reshape(w["shape"]) for w in manifest}


def load_weights(model, weights):
    """Copies TF.js weights ('layer/field') into the replica."""
    with torch.no_grad():
        for key, arr in weights.items():
            layer, field = key.rsplit("/", 1)
            mod = model.mods[layer]
            getattr(mod, WEIGHT_FIELD[field]).copy_(to_torch_kernel(key, arr, mod))


def tf_name(model, layer, field):
    """Our weight name for a replica parameter (inverse of WEIGHT_FIELD)."""
    mod = model.mods[layer]
    if isinstance(mod, BatchNorm):
        return layer + "/" + {"weight": "gamma", "bias": "beta", "running_mean": "moving_mean",
                              "running_var": "moving_variance"}[field]
    if isinstance(mod, Conv) and field == "weight":
        return layer + ("/depthwise_kernel" if mod.depthwise else "/kernel")
    return layer + "/" + ("kernel" if field == "weight" else field)


def from_torch_kernel(t, mod):
    """PyTorch layout -> TF.js layout (inverse of to_torch_kernel), as numpy."""
    t = t.detach().cpu()
    if isinstance(mod, Conv) and t.dim() == 4:
        if mod.depthwise:
            cm, _, kh, kw = t.shape
            c = mod.groups
            return t.reshape(c, cm // c, kh, kw).permute(2, 3, 0, 1).numpy()
        return t.permute(2, 3, 1, 0).numpy()
    if isinstance(mod, Dense) and t.dim() == 2:
        return t.t().numpy()
    return t.numpy()


def export_weights(model):
    """{our weight name: np.ndarray in TF.js layout} for every parameter and BN buffer."""
    out = {}
    for layer, mod in model.mods.items():
        for field, t in list(mod.named_parameters(recurse=False)) + list(mod.named_buffers(recurse=False)):
            out[tf_name(model, layer, field)] = from_torch_kernel(t, mod)
    return out
