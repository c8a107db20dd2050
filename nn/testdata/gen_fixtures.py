"""Reference outputs and gradients for golem's nn layers, from PyTorch.

Run with Debian's python3-torch (1.13): /usr/bin/python3 gen_fixtures.py
It writes torch_fixtures.json next to this script.

Each case holds the input x, the weights converted to golem's (Keras's)
layout, a random cotangent r, the layer output y, and the gradients of
L = sum(y * r) with respect to x and to each weight, again in Keras's layout.
The reference is computed in float64 so that the float32 Go code is compared
with the exact values. Layout conversions (see each layer's doc comment):
  Dense:   kernel = Linear.weight.T
  LSTM:    kernel = weight_ih.T, recurrent_kernel = weight_hh.T,
           bias = bias_ih + bias_hh (gate order i,f,g,o = Keras's i,f,c,o)
  GRU:     Keras gate order z,r,h vs torch r,z,n: blocks 0 and 1 swapped;
           bias = [bias_ih; bias_hh] reordered the same way
  Conv2D:  NHWC input, kernel = weight.permute(2,3,1,0) (OIHW -> HWIO)
  BatchNorm, LayerNorm: gamma = weight, beta = bias (channels last)
  MHA:     query/key/value kernels = in_proj_weight blocks .T reshaped
           [C, heads, key_dim]; output kernel = out_proj.weight.T reshaped
           [heads, key_dim, C]
"""
import json, math, os
import torch, torch.nn as nn, torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
cases = {}


def arr(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": [round(float(v), 12) for v in t.reshape(-1)]}


def run(name, x, params, fwd, keras, extra=None):
    """params: dict of torch leaves; keras: name -> fn(dict of tensors) giving
    the Keras-layout tensor for each golem weight (applied to values and to
    gradients alike)."""
    x = x.clone().requires_grad_(True)
    y = fwd(x)
    r = torch.randn_like(y)
    (y * r).sum().backward()
    c = {"x": arr(x), "y": arr(y), "r": arr(r), "grad_x": arr(x.grad)}
    vals = {k: p.detach() for k, p in params.items()}
    grads = {k: p.grad for k, p in params.items()}
    for k, f in keras.items():
        c[k] = arr(f(vals))
        c["grad_" + k] = arr(f(grads))
    if extra:
        c.update(extra)
    cases[name] = c


def leaf(t):
    return t.detach().clone().requires_grad_(True)


# Dense(5, gelu) on [2, 3, 4].
lin = nn.Linear(4, 5)
p = {"w": leaf(lin.weight), "b": leaf(lin.bias + 0.1 * torch.randn(5))}
run("dense_gelu", torch.randn(2, 3, 4), p, lambda x: F.gelu(x @ p["w"].T + p["b"]),
    {"kernel": lambda v: v["w"].T, "bias": lambda v: v["b"]})

# LSTM(4, return_sequences) on [2, 5, 3]; also the final h and c.
lstm = nn.LSTM(3, 4, batch_first=True)
p = dict(lstm.named_parameters())


def lstm_fwd(x):
    out, (h, c) = lstm(x)
    return torch.cat([out.reshape(-1), h.reshape(-1), c.reshape(-1)])


lstm_keras = {"kernel": lambda v: v["weight_ih_l0"].T, "recurrent_kernel": lambda v: v["weight_hh_l0"].T,
              "bias": lambda v: v["bias_ih_l0"] + v["bias_hh_l0"]}
run("lstm", torch.randn(2, 5, 3), p, lstm_fwd, lstm_keras)
# bias_ih + bias_hh: both get the same gradient, so grad_bias above is
# d/dbias_ih + d/dbias_hh = 2x; store the single gradient instead.
cases["lstm"]["grad_bias"] = arr(p["bias_ih_l0"].grad)

# Masked (pre-padded) LSTM, last state only: Keras's masking carries the
# state over the padding, which equals running each example on its valid
# suffix. Lengths 5 and 3.
lens = [5, 3]


def lstm_masked(x):
    hs = []
    for i, n in enumerate(lens):
        xi = x[i:i + 1, x.shape[1] - n:]
        out, (h, c) = lstm(xi)
        hs.append(h.reshape(-1))
    return torch.stack(hs)


for v in p.values():
    v.grad = None
run("lstm_masked", torch.randn(2, 5, 3), p, lstm_masked, lstm_keras,
    {"mask": {"shape": [2, 5], "data": [1, 1, 1, 1, 1, 0, 0, 1, 1, 1]}})
cases["lstm_masked"]["grad_bias"] = arr(p["bias_ih_l0"].grad)

# GRU(4, return_sequences) on [2, 5, 3]; also the final h.
gru = nn.GRU(3, 4, batch_first=True)
p = dict(gru.named_parameters())
H = 4


def zrh(t):  # torch r,z,n blocks along dim 0 -> Keras z,r,h
    return torch.cat([t[H:2 * H], t[:H], t[2 * H:]])


def gru_fwd(x):
    out, h = gru(x)
    return torch.cat([out.reshape(-1), h.reshape(-1)])


run("gru", torch.randn(2, 5, 3), p, gru_fwd,
    {"kernel": lambda v: zrh(v["weight_ih_l0"]).T, "recurrent_kernel": lambda v: zrh(v["weight_hh_l0"]).T,
     "bias": lambda v: torch.stack([zrh(v["bias_ih_l0"]), zrh(v["bias_hh_l0"])])})

# Conv2D: 3x3 "same" (stride 1) and 3x2 "valid" stride 2, NHWC input.
for name, k, stride, pad in [("conv2d_same", (3, 3), 1, 1), ("conv2d_valid_s2", (3, 2), 2, 0)]:
    conv = nn.Conv2d(3, 4, k, stride=stride, padding=pad)
    p = {"w": leaf(conv.weight), "b": leaf(conv.bias)}
    run(name, torch.randn(2, 5, 6, 3), p,
        lambda x, p=p, s=stride, q=pad: F.conv2d(x.permute(0, 3, 1, 2), p["w"], p["b"], stride=s, padding=q).permute(0, 2, 3, 1),
        {"kernel": lambda v: v["w"].permute(2, 3, 1, 0), "bias": lambda v: v["b"]})

# BatchNorm (training mode: batch statistics), eps 1e-3, on NHWC [4, 3, 2, 5].
p = {"g": leaf(1 + 0.2 * torch.randn(5)), "b": leaf(0.2 * torch.randn(5))}
bn_stats = {}


def bn_fwd(x):
    xc = x.permute(0, 3, 1, 2)
    rm, rv = torch.zeros(5), torch.ones(5)
    y = F.batch_norm(xc, rm, rv, p["g"], p["b"], training=True, momentum=0.01, eps=1e-3)
    bn_stats["moving_mean"] = arr(rm)
    return y.permute(0, 2, 3, 1)


run("batchnorm", torch.randn(4, 3, 2, 5) * 2 + 1, p, bn_fwd, {"gamma": lambda v: v["g"], "beta": lambda v: v["b"]})
cases["batchnorm"].update(bn_stats)

# LayerNorm over the last axis, eps 1e-3, on [2, 3, 6].
p = {"g": leaf(1 + 0.2 * torch.randn(6)), "b": leaf(0.2 * torch.randn(6))}
run("layernorm", torch.randn(2, 3, 6) * 3, p, lambda x: F.layer_norm(x, (6,), p["g"], p["b"], eps=1e-3),
    {"gamma": lambda v: v["g"], "beta": lambda v: v["b"]})

# MultiHeadAttention, 2 heads of 3 (E = C = 6), causal, on [2, 4, 6].
mha = nn.MultiheadAttention(6, 2, batch_first=True)
p = {"in_w": leaf(mha.in_proj_weight), "in_b": leaf(0.1 * torch.randn(18)),
     "out_w": leaf(mha.out_proj.weight), "out_b": leaf(0.1 * torch.randn(6))}
causal = torch.triu(torch.ones(4, 4, dtype=torch.bool), 1)


def mha_fwd(x):
    y, _ = F.multi_head_attention_forward(
        x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1), 6, 2, p["in_w"], p["in_b"], None, None, False, 0.0,
        p["out_w"], p["out_b"], training=False, need_weights=False, attn_mask=causal)
    return y.transpose(0, 1)


def blk(i):
    return lambda v: v["in_w"][6 * i:6 * (i + 1)].T.reshape(6, 2, 3)


def bblk(i):
    return lambda v: v["in_b"][6 * i:6 * (i + 1)].reshape(2, 3)


run("mha_causal", torch.randn(2, 4, 6), p, mha_fwd,
    {"query/kernel": blk(0), "key/kernel": blk(1), "value/kernel": blk(2),
     "query/bias": bblk(0), "key/bias": bblk(1), "value/bias": bblk(2),
     "attention_output/kernel": lambda v: v["out_w"].T.reshape(2, 3, 6),
     "attention_output/bias": lambda v: v["out_b"]})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_fixtures.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
print("wrote", out, os.path.getsize(out), "bytes")
