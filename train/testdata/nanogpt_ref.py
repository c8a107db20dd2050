"""nanoGPT's train.py + model.py, cut to the CPU "baby shakespeare" run, as the
reference for golem train's acceptance figure (README: val loss 1.88).

    /usr/bin/python3 train/testdata/nanogpt_ref.py ../shared/data/tinyshakespeare/input.txt [--bias 0|1] [--eval-iters 200]

Same recipe as golem train --config baby --iters 2000 --batch 12 --lr 1e-3
--min-lr 1e-4 --warmup 100 --beta2 0.99 --dropout 0: char tokens, 90/10 split,
random windows, AdamW (decay on params with dim >= 2), warmup + cosine,
clip 1.0, float32 on the CPU. Prints the val loss every 250 steps.
"""
import argparse, math, time
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("data")
p.add_argument("--bias", type=int, default=1)
p.add_argument("--eval-iters", type=int, default=100)
p.add_argument("--iters", type=int, default=2000)
p.add_argument("--seed", type=int, default=1337)
a = p.parse_args()
torch.manual_seed(a.seed)
torch.set_num_threads(int(__import__("os").environ.get("THREADS", "1")))

text = open(a.data, encoding="utf-8").read()
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
n = int(0.9 * len(data))
train_data, val_data = data[:n], data[n:]
B, T, C, L, H, V = 12, 64, 128, 4, 4, len(chars)


def get_batch(d):
    ix = torch.randint(len(d) - T, (B,))
    return torch.stack([d[i:i + T] for i in ix]), torch.stack([d[i + 1:i + 1 + T] for i in ix])


class LayerNorm(nn.Module):
    def __init__(self, n, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.bias = nn.Parameter(torch.zeros(n)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class Block(nn.Module):
    def __init__(self, bias):
        super().__init__()
        self.ln_1, self.ln_2 = LayerNorm(C, bias), LayerNorm(C, bias)
        self.c_attn = nn.Linear(C, 3 * C, bias=bias)
        self.c_proj = nn.Linear(C, C, bias=bias)
        self.c_fc = nn.Linear(C, 4 * C, bias=bias)
        self.mlp_proj = nn.Linear(4 * C, C, bias=bias)
        self.register_buffer("mask", torch.tril(torch.ones(T, T)).view(1, 1, T, T))

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = [z.view(b, t, H, c // H).transpose(1, 2) for z in (q, k, v)]
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = F.softmax(att.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf")), dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, bias):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(T, C)
        self.h = nn.ModuleList([Block(bias) for _ in range(L)])
        self.ln_f = LayerNorm(C, bias)
        self.lm_head = nn.Linear(C, V, bias=False)
        self.wte.weight = self.lm_head.weight
        self.apply(self._init)
        for pn, p_ in self.named_parameters():
            if pn.endswith("c_proj.weight") or pn.endswith("mlp_proj.weight"):
                torch.nn.init.normal_(p_, mean=0.0, std=0.02 / math.sqrt(2 * L))

    def _init(self, m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            torch.nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                torch.nn.init.zeros_(m.bias)

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.size(1)))
        for blk in self.h:
            x = blk(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, V), targets.view(-1))


model = GPT(bool(a.bias))
params = [p_ for p_ in model.parameters() if p_.requires_grad]
opt = torch.optim.AdamW([{"params": [p_ for p_ in params if p_.dim() >= 2], "weight_decay": 0.1},
                         {"params": [p_ for p_ in params if p_.dim() < 2], "weight_decay": 0.0}],
                        lr=1e-3, betas=(0.9, 0.99))


def get_lr(it, lr=1e-3, min_lr=1e-4, warmup=100, decay=2000):
    if it < warmup:
        return lr * (it + 1) / (warmup + 1)
    if it > decay:
        return min_lr
    r = (it - warmup) / (decay - warmup)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * r)) * (lr - min_lr)


@torch.no_grad()
def val_loss():
    model.eval()
    out = sum(model(*get_batch(val_data)).item() for _ in range(a.eval_iters)) / a.eval_iters
    model.train()
    return out


t0 = time.time()
for it in range(a.iters + 1):
    if it % 250 == 0 or it == a.iters:
        print(f"step {it}: val loss {val_loss():.4f}  ({time.time() - t0:.0f}s)", flush=True)
    if it == a.iters:
        break
    for g in opt.param_groups:
        g["lr"] = get_lr(it)
    loss = model(*get_batch(train_data))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
