"""Generates torchsave/testdata: one state dict written by torch.save in both
of PyTorch's formats, and the values the reader must find in it.

Run from torchsave/testdata with Debian's interpreter and torch (1.13 here):
    /usr/bin/python3 gen_cases.py
Writes cases_zip.pt (the zip format, torch.save's default since 1.6),
cases_legacy.pt (_use_new_zipfile_serialization=False, the format before
it), cases_p4.pt (zip, pickle protocol 4) and cases.json: for every tensor its dtype (safetensors' name), shape and
values in row-major order, as float64."""
import collections, json
import torch

torch.manual_seed(7)
base = torch.randn(3, 5)
sd = collections.OrderedDict()
sd["f32"] = torch.randn(3, 4)
sd["f16"] = torch.randn(2, 3).half()
sd["bf16"] = torch.randn(5).bfloat16()
sd["f64"] = torch.randn(2, 2).double()
sd["i64"] = torch.arange(6).view(2, 3)
sd["i32"] = torch.tensor([-3, 0, 9], dtype=torch.int32)
sd["i16"] = torch.tensor([-300, 2], dtype=torch.int16)
sd["i8"] = torch.tensor([-7, 5], dtype=torch.int8)
sd["u8"] = torch.tensor([0, 255, 7], dtype=torch.uint8)
sd["bool"] = torch.tensor([True, False, True])
sd["base"] = base
sd["transposed"] = base.t()           # a strided view of base's storage
sd["narrow"] = base[1:3]              # an offset view of it
sd["column"] = base[:, 2]             # strided and offset
sd["scalar"] = torch.tensor(2.5)
sd["param"] = torch.nn.Parameter(torch.randn(2))
sd["empty"] = torch.zeros(0, 3)
sd["step"] = 7                        # not tensors: the reader skips them
sd["note"] = "plain values beside tensors"
sd["nested"] = {"inner": torch.randn(2), "f": 0.5, "t": (1, 2.0, None, True)}

torch.save(sd, "cases_zip.pt")
torch.save(sd, "cases_legacy.pt", _use_new_zipfile_serialization=False)
torch.save(sd, "cases_p4.pt", pickle_protocol=4)  # FRAME, MEMOIZE, SHORT_BINUNICODE, ...

names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
         torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
         torch.uint8: "U8", torch.bool: "BOOL"}
out = {}
for k, v in sd.items():
    if isinstance(v, torch.Tensor):
        out[k] = {"dtype": names[v.dtype], "shape": list(v.shape),
                  "values": v.detach().double().reshape(-1).tolist()}
with open("cases.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
