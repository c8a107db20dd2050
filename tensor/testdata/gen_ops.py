# Regenerates ops.json: forward values and gradients from PyTorch for the
# tensor package's reference-defined ops. Run with the system interpreter:
#   /usr/bin/python3 gen_ops.py > ops.json
# Each case holds inputs x (and y), a weighting w, torch's output, and the
# gradients of sum(out * w) with respect to the inputs.
import json
import torch

torch.manual_seed(0)
X = (torch.randn(3, 5) * 2).float()
Y = torch.rand(3, 5).float() * 2 + 0.1   # positive, for Pow exponents/bases
POS = torch.rand(3, 5).float() * 3 + 0.2

cases = [
    ("GELU", lambda x: torch.nn.functional.gelu(x), [X]),
    ("GELUTanh", lambda x: torch.nn.functional.gelu(x, approximate="tanh"), [X]),
    ("Sigmoid", torch.sigmoid, [X]),
    ("Softmax1", lambda x: torch.softmax(x, dim=1), [X]),
    ("Softmax0", lambda x: torch.softmax(x, dim=0), [X]),
    ("LogSoftmax1", lambda x: torch.log_softmax(x, dim=1), [X]),
    ("LogSoftmax0", lambda x: torch.log_softmax(x, dim=0), [X]),
    ("VarUnbiased1", lambda x: torch.var(x, dim=1, unbiased=True), [X]),
    ("VarBiasedAll", lambda x: torch.var(x, unbiased=False), [X]),
    ("Max1", lambda x: torch.amax(x, dim=1), [X]),
    ("Min0", lambda x: torch.amin(x, dim=0), [X]),
    ("Pow", lambda x, y: torch.pow(x, y), [POS, Y]),
    ("Sqrt", torch.sqrt, [POS]),
    ("Clamp", lambda x: torch.clamp(x, -1.0, 1.5), [X]),
    ("Abs", torch.abs, [X]),
]

out = {}
for name, f, ins in cases:
    ins = [t.clone().requires_grad_(True) for t in ins]
    o = f(*ins)
    w = torch.linspace(-1, 1, o.numel()).reshape(o.shape)
    (o * w).sum().backward()
    out[name] = {
        "inputs": [t.detach().flatten().tolist() for t in ins],
        "shape": list(ins[0].shape),
        "out": o.detach().flatten().tolist(),
        "out_shape": list(o.shape),
        "w": w.flatten().tolist(),
        "grads": [t.grad.flatten().tolist() for t in ins],
    }
print(json.dumps(out, separators=(",", ":")))
