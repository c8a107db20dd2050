"""Peer for `golem bench optim`: milliseconds per torch.optim step on one
float32 parameter of n values (PyTorch's default single-tensor CPU path).

Embedded in the golem binary and run with /usr/bin/python3:
    python3 bench_optim_peer.py --optim adamw --n 10000000 --iters 10 --threads 2
prints {"ms": <median ms per step>}.
"""
import argparse
import json
import statistics
import time

import torch

p = argparse.ArgumentParser()
p.add_argument("--optim", default="adamw")
p.add_argument("--n", type=int, default=10_000_000)
p.add_argument("--iters", type=int, default=10)
p.add_argument("--threads", type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
w = torch.nn.Parameter(torch.randn(a.n))
w.grad = torch.randn(a.n) * 0.01
make = {
    "adamw": lambda: torch.optim.AdamW([w], lr=1e-3),
    "adam": lambda: torch.optim.Adam([w], lr=1e-3),
    "sgd": lambda: torch.optim.SGD([w], lr=1e-2, momentum=0.9),
    "rmsprop": lambda: torch.optim.RMSprop([w], lr=1e-3),
    "adagrad": lambda: torch.optim.Adagrad([w], lr=1e-3),
}
opt = make[a.optim]()
for _ in range(2):
    opt.step()
times = []
for _ in range(a.iters):
    t0 = time.perf_counter()
    opt.step()
    times.append(time.perf_counter() - t0)
print(json.dumps({"ms": statistics.median(times) * 1e3}))
