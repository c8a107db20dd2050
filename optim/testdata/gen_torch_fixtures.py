"""Fixtures for golem's optim package, made with torch.optim (PyTorch 1.13).

Each case builds two params (a 3x4 weight that takes weight decay and a
4-vector bias that does not, as two param groups: the second with
weight_decay=0, which is what golem's Param.Decay=false means), feeds the
same seeded gradients for STEPS steps and records the params after every
step. golem's optimizers must reproduce them (tolerance 1e-6 relative).

Also: clip_grad_norm_ (total norm and clipped grads) and StepLR rates.

Run: /usr/bin/python3 gen_torch_fixtures.py > torch_fixtures.json
"""
import json
import sys

import torch

STEPS = 6

OPTIMIZERS = [
    ("sgd", torch.optim.SGD, {"lr": 0.1}),
    ("sgd_wd", torch.optim.SGD, {"lr": 0.05, "weight_decay": 0.1}),
    ("sgd_momentum", torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    ("sgd_nesterov", torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd_dampening_wd", torch.optim.SGD, {"lr": 0.02, "momentum": 0.5, "dampening": 0.1, "weight_decay": 0.01}),
    ("adam", torch.optim.Adam, {"lr": 1e-3}),
    ("adam_wd", torch.optim.Adam, {"lr": 0.01, "weight_decay": 0.1}),
    ("adam_betas_eps", torch.optim.Adam, {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("adam_amsgrad", torch.optim.Adam, {"lr": 0.01, "amsgrad": True}),
    ("adamw", torch.optim.AdamW, {"lr": 1e-3}),
    ("adamw_wd", torch.optim.AdamW, {"lr": 0.01, "weight_decay": 0.1}),
    ("adamw_amsgrad", torch.optim.AdamW, {"lr": 0.01, "weight_decay": 0.05, "amsgrad": True}),
    ("rmsprop", torch.optim.RMSprop, {"lr": 0.01}),
    ("rmsprop_alpha", torch.optim.RMSprop, {"lr": 0.001, "alpha": 0.9, "eps": 1e-7}),
    ("rmsprop_momentum", torch.optim.RMSprop, {"lr": 0.01, "momentum": 0.9}),
    ("rmsprop_centered", torch.optim.RMSprop, {"lr": 0.01, "centered": True}),
    ("rmsprop_all", torch.optim.RMSprop, {"lr": 0.005, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("adagrad", torch.optim.Adagrad, {"lr": 0.01}),
    ("adagrad_all", torch.optim.Adagrad, {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.05, "initial_accumulator_value": 0.1}),
]


def make_data():
    g = torch.Generator().manual_seed(1234)
    w = torch.randn(3, 4, generator=g)
    b = torch.randn(4, generator=g) * 0.1
    # Gradients of mixed scale, a zero and a sign flip between steps.
    grads = []
    for s in range(STEPS):
        gw = torch.randn(3, 4, generator=g) * (10.0 ** (s % 3 - 1))
        gb = torch.randn(4, generator=g) * 0.01
        gw[0, 0] = 0.0
        grads.append((gw, gb))
    return w, b, grads


def flat(t):
    return t.detach().flatten().tolist()


def run(cls, kw):
    w0, b0, grads = make_data()
    w = torch.nn.Parameter(w0.clone())
    b = torch.nn.Parameter(b0.clone())
    groups = [{"params": [w]}, {"params": [b], "weight_decay": 0.0}]
    opt = cls(groups, **kw)
    steps = []
    for gw, gb in grads:
        w.grad = gw.clone()
        b.grad = gb.clone()
        opt.step()
        steps.append({"w": flat(w), "b": flat(b)})
    return steps


def main():
    w0, b0, grads = make_data()
    out = {
        "init": {"w": flat(w0), "b": flat(b0)},
        "grads": [{"w": flat(gw), "b": flat(gb)} for gw, gb in grads],
        "optimizers": [],
        "clip": [],
        "steplr": {},
    }
    for name, cls, kw in OPTIMIZERS:
        out["optimizers"].append({"name": name, "kind": cls.__name__, "hparams": {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()}, "steps": run(cls, kw)})

    for max_norm in [0.5, 1e3]:
        gw, gb = grads[2][0].clone(), grads[2][1].clone()
        w = torch.nn.Parameter(torch.zeros(3, 4))
        b = torch.nn.Parameter(torch.zeros(4))
        w.grad, b.grad = gw, gb
        total = torch.nn.utils.clip_grad_norm_([w, b], max_norm)
        out["clip"].append({"max_norm": max_norm, "in": {"w": flat(grads[2][0]), "b": flat(grads[2][1])},
                            "total": float(total), "out": {"w": flat(w.grad), "b": flat(b.grad)}})

    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    lrs = []
    for _ in range(10):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    out["steplr"] = {"initial": 0.1, "step_size": 3, "gamma": 0.5, "lrs": lrs}
    json.dump(out, sys.stdout, indent=None)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
