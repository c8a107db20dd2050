"""Generates gpt/testdata/torch: the parity model's weights (parity/,
written by gen_parity.py) as Hugging Face's GPT2LMHeadModel state dict
written by torch.save, the pytorch_model.bin of checkpoints from before
safetensors.

Run from gpt/testdata with Debian's interpreter and torch (1.13 here):
    /usr/bin/python3 gen_torch_bin.py
The state dict is laid out as transformers 4.x saved it: names with the
"transformer." prefix, Conv1D weights [in, out], lm_head.weight tied to
(the same tensor as) wte, and each block's attn.bias causal mask and
attn.masked_bias buffers. Writes
    torch/zip.bin       float32, zip format (torch.save's default since 1.6)
    torch/legacy.bin    float32, the format before it
    torch/f16.bin       float16, zip format
    torch/shard1.bin, torch/shard2.bin, torch/index.json
                        float32 in two shards and their weight_map, as
                        pytorch_model-0000k-of-00002.bin and
                        pytorch_model.bin.index.json"""
import collections, json, struct
import torch

raw = open("parity/model.safetensors", "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
body = raw[8 + n:]
cfg = json.load(open("parity/config.json"))
T = cfg["n_positions"]

sd = collections.OrderedDict()
for name, info in header.items():
    if name == "__metadata__" or name.endswith(".attn.bias"):
        continue
    assert info["dtype"] == "F32"
    a, b = info["data_offsets"]
    t = torch.frombuffer(bytearray(body[a:b]), dtype=torch.float32).reshape(info["shape"]).clone()
    sd["transformer." + name] = t
for i in range(cfg["n_layer"]):
    sd[f"transformer.h.{i}.attn.bias"] = torch.tril(torch.ones(T, T)).view(1, 1, T, T)
    sd[f"transformer.h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
sd["lm_head.weight"] = sd["transformer.wte.weight"]

torch.save(sd, "torch/zip.bin")
torch.save(sd, "torch/legacy.bin", _use_new_zipfile_serialization=False)
torch.save(collections.OrderedDict((k, v.half()) for k, v in sd.items()), "torch/f16.bin")

names = list(sd)
half = len(names) // 2
shards = {"pytorch_model-00001-of-00002.bin": names[:half], "pytorch_model-00002-of-00002.bin": names[half:]}
for i, (shard, keys) in enumerate(shards.items()):
    torch.save(collections.OrderedDict((k, sd[k]) for k in keys), f"torch/shard{i + 1}.bin")
with open("torch/index.json", "w") as f:
    json.dump({"metadata": {}, "weight_map": {k: s for s, keys in shards.items() for k in keys}}, f, indent=1)
    f.write("\n")
