"""Make the safetensors test fixtures with PyTorch (Debian python3-torch 1.13).

The `safetensors` Python package is not packaged for Debian, so the files are
written by hand following the format specification
(https://github.com/huggingface/safetensors#format) and the reference
serializer's layout: an 8-byte little-endian header length, the compact JSON
header with "__metadata__" first and the tensors sorted by element size
(descending) then name, padded with spaces to a multiple of 8 bytes, then the
tensors' bytes in header order. (The reference sorts by its dtype enum, which
can order mixed-dtype files differently; readers accept any order. For the
all-F32 file, both give name order, which golem's writer must match byte for
byte.)

Outputs:
  mixed.safetensors   F32, F16, BF16, F64, I64, I32, U8, BOOL tensors made with torch
  mixed.json          the float32 value torch gives for each (tensor.float())
  f32.safetensors     F32 tensors as golem's WriteFile must write them, byte for byte
  f32.json            their names, shapes and values

Run: /usr/bin/python3 gen_fixture.py   (from this folder)
"""
import json
import struct

import torch

torch.manual_seed(0)

DTYPE = {
    torch.float32: ("F32", 4), torch.float16: ("F16", 2), torch.bfloat16: ("BF16", 2),
    torch.float64: ("F64", 8), torch.int64: ("I64", 8), torch.int32: ("I32", 4),
    torch.uint8: ("U8", 1), torch.bool: ("BOOL", 1),
}


def tensor_bytes(t):
    t = t.contiguous()
    if t.dtype in (torch.float16, torch.bfloat16):
        # numpy has no bfloat16: reinterpret the 16-bit patterns as int16.
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().newbyteorder("<").tobytes() if t.dtype != torch.bool else t.numpy().astype("u1").tobytes()


def serialize(tensors, metadata):
    names = sorted(tensors, key=lambda n: (-DTYPE[tensors[n].dtype][1], n))
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    off = 0
    blobs = []
    for n in names:
        t = tensors[n]
        b = tensor_bytes(t)
        header[n] = {"dtype": DTYPE[t.dtype][0], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def finite_or_str(v):
    # JSON has no Inf/NaN: write those as the strings "inf", "-inf", "nan".
    return v if v == v and abs(v) != float("inf") else str(v)


def values(tensors):
    return {n: {"shape": list(t.shape), "values": [finite_or_str(v) for v in t.float().flatten().tolist()]}
            for n, t in tensors.items()}


special = torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6.1035156e-05, 5.9604645e-08, 1e-6,
                        float("inf"), float("-inf"), 3.14159, -1e-3])
mixed = {
    "layer.weight": torch.randn(3, 4),
    "layer.bias": torch.randn(4).to(torch.float16),
    "half.special": special.to(torch.float16),
    "bf16.weight": (torch.randn(2, 3) * 100).to(torch.bfloat16),
    "bf16.special": special.to(torch.bfloat16),
    "double": torch.randn(5, dtype=torch.float64),
    "ids": torch.tensor([[0, -7, 123456], [1, 2, 3]], dtype=torch.int64),
    "i32": torch.tensor([-2147483648, 2147483647, 0], dtype=torch.int32),
    "bytes": torch.tensor([0, 255, 7], dtype=torch.uint8),
    "mask": torch.tensor([True, False, True]),
    "scalar": torch.tensor(2.5),
    "empty": torch.zeros(0, 3),
}
with open("mixed.safetensors", "wb") as f:
    f.write(serialize(mixed, {"format": "pt", "source": "gen_fixture.py <golem> & co"}))
with open("mixed.json", "w") as f:
    json.dump(values(mixed), f, indent=1, allow_nan=False)

f32 = {
    "wte": torch.randn(5, 3),
    "b": torch.randn(3),
    "a.long.name/with.dots": torch.arange(6, dtype=torch.float32).reshape(1, 2, 3),
    "z": torch.tensor(-1.5),
}
with open("f32.safetensors", "wb") as f:
    f.write(serialize(f32, {"format": "pt"}))
with open("f32.json", "w") as f:
    json.dump(values(f32), f, indent=1)
