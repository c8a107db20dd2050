"""Generates gpt/testdata/parity: a tiny GPT-2 in PyTorch (nanoGPT's model.py,
Hugging Face parameter names), one forward and backward pass, and everything
golem's parity test compares against.

Run from gpt/testdata with Debian's interpreter and torch 1.13:
    /usr/bin/python3 gen_parity.py
Writes parity/config.json and parity/model.safetensors (Hugging Face layout:
Conv1D weights [in, out], no lm_head since it is tied, plus an attn.bias
causal-mask buffer as old checkpoints carry, which loaders must ignore), and
parity/expected.safetensors (logits, and every gradient under "grad.<name>"
in the same layout as the weights) and parity/expected.json (tokens,
targets, loss). The reference runs in float64 on the float32 weights."""
import json, math, os, struct
import torch, torch.nn as nn, torch.nn.functional as F

L, NH, C, BLOCK, V, B, T = 2, 2, 32, 16, 50, 2, 8
torch.manual_seed(1234)

class CausalSelfAttention(nn.Module):
    def __init__(s):
        super().__init__()
        s.c_attn = nn.Linear(C, 3 * C); s.c_proj = nn.Linear(C, C)
    def forward(s, x):
        B, T, _ = x.shape
        q, k, v = s.c_attn(x).split(C, dim=2)
        q, k, v = [t.view(B, T, NH, C // NH).transpose(1, 2) for t in (q, k, v)]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // NH)
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        return s.c_proj(y)

class MLP(nn.Module):
    def __init__(s):
        super().__init__()
        s.c_fc = nn.Linear(C, 4 * C); s.c_proj = nn.Linear(4 * C, C)
    def forward(s, x):
        return s.c_proj(F.gelu(s.c_fc(x), approximate="tanh"))

class Block(nn.Module):
    def __init__(s):
        super().__init__()
        s.ln_1 = nn.LayerNorm(C, eps=1e-5); s.attn = CausalSelfAttention()
        s.ln_2 = nn.LayerNorm(C, eps=1e-5); s.mlp = MLP()
    def forward(s, x):
        x = x + s.attn(s.ln_1(x))
        return x + s.mlp(s.ln_2(x))

class GPT(nn.Module):
    def __init__(s):
        super().__init__()
        s.wte = nn.Embedding(V, C); s.wpe = nn.Embedding(BLOCK, C)
        s.h = nn.ModuleList(Block() for _ in range(L)); s.ln_f = nn.LayerNorm(C, eps=1e-5)
    def forward(s, idx, targets):
        x = s.wte(idx) + s.wpe(torch.arange(idx.shape[1]))
        for b in s.h:
            x = b(x)
        logits = s.ln_f(x) @ s.wte.weight.t()  # lm_head tied to wte
        loss = F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=-1)
        return logits, loss

m = GPT()
# Larger-than-GPT-2 random values so that every path matters; rounded to
# float32 (what the file holds), then the reference runs in float64.
with torch.no_grad():
    for name, p in m.named_parameters():
        if name.endswith("bias"):
            p.copy_(torch.randn_like(p) * 0.1)
        elif "ln" in name:
            p.copy_(1 + torch.randn_like(p) * 0.1)
        else:
            p.copy_(torch.randn_like(p) * 0.2)
        p.copy_(p.float().double())
m = m.double()

idx = torch.randint(0, V, (B, T))
tgt = torch.randint(0, V, (B, T))
tgt[0, 3] = -1; tgt[1, 7] = -1  # ignored positions
logits, loss = m(idx, tgt)
loss.backward()

conv1d = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
def hf(name, t):
    t = t.detach().float()
    return t.t().contiguous() if name.endswith(conv1d) else t.contiguous()

def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b); off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h))); f.write(h)
        for b in blobs:
            f.write(b)

os.makedirs("parity", exist_ok=True)
weights = {n: hf(n, p) for n, p in m.named_parameters()}
weights["h.0.attn.bias"] = torch.ones(BLOCK, BLOCK).tril().view(1, 1, BLOCK, BLOCK)
write_safetensors("parity/model.safetensors", weights)
exp = {"logits": logits.detach().float()}
for n, p in m.named_parameters():
    exp["grad." + n] = hf(n, p.grad)
write_safetensors("parity/expected.safetensors", exp)
with open("parity/config.json", "w") as f:
    json.dump({"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_layer": L, "n_head": NH,
               "n_embd": C, "n_positions": BLOCK, "n_ctx": BLOCK, "vocab_size": V,
               "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new"}, f, indent=1)
with open("parity/expected.json", "w") as f:
    json.dump({"B": B, "T": T, "tokens": idx.view(-1).tolist(), "targets": tgt.view(-1).tolist(),
               "loss": loss.item()}, f)
print("loss", loss.item())
