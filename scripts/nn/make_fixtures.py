#!/usr/bin/env python3
"""Writes the PyTorch fixtures of Tests/PrepNNTests/Fixtures (the Swift tests need no torch).

Run from anywhere (needs torch and safetensors; CPU only):

    pip install torch safetensors
    python3 scripts/nn/make_fixtures.py

Deterministic: fixed seeds, one thread, deterministic algorithms, so re-running in the same
environment gives byte-identical files. Every tensor is stored as float32 (ids and timesteps as
int64; one float64 noise schedule). Inputs and parameters are drawn as float32; every expected
output and gradient is then computed in float64 from those float32 values and rounded once to
float32, so the fixtures are the exact answer for the stored inputs, not PyTorch's float32
rounding. (How far PyTorch's own float32 arithmetic lands from them is in the JSON sidecars, as a
guide for tolerances.)

Files (format version 1, also in each file's `__metadata__` as `prep_fixture_version`):

* layers.safetensors + layers.json: one case per layer kind, every key `<case>.<name>`:
  inputs (`x`, and `ctx` / `ids` / `target` / `t` where the layer takes them), parameters under
  their PyTorch `state_dict()` names (`weight`, `bias`, `in_proj_weight`, `out_proj.weight`, ...),
  the output `y`, a random upstream gradient `dy`, and gradients `d<name>` for every input and
  parameter (`dx`, `dctx`, `dweight`, `din_proj_weight`, `dout_proj.weight`, ...) of
  sum(y * dy). `mse` has `loss` (rank 0) and `dx`, `dtarget` of the loss itself (no `dy`).
  The JSON gives each case's kind, hyperparameters and key shapes, plus `checks`: the first
  values and float64 sum of some stored tensors.

* tiny_model.safetensors + tiny_model.json: a small config of the mirror in torch_mirror.py,
  batch 2. Parameters `unet.<name>`, `text.<name>`, `control.<name>`; inputs `x0` (clean latent),
  `noise`, `t`, `x` (= add_noise(x0, noise, t), the U-Net input), `ids`, `cond`,
  `schedule.alphas_cumprod` (float64); outputs `text.ctx`, `unet.eps`, `base.loss`
  (= mse(unet(x, t, text(ids)), noise)) with `grad.unet.<name>`, `grad.text.<name>`, `grad.x`;
  `control.residual.<i>`, `control.eps`, `control.loss` (= mse(unet(x, t, ctx, control), noise),
  base and text encoder locked) with `grad.control.<name>`.
"""
import copy
import hashlib
import json
import os
import sys
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_mirror as M  # noqa: E402

VERSION = 1
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "PrepNNTests", "Fixtures")
# One key only: the safetensors package writes `__metadata__` in hash-map order, which varies
# from run to run once there are two keys. The generator is named in the JSON sidecars.
METADATA = {"prep_fixture_version": str(VERSION)}

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def stored(t):
    """What goes into a file: a detached contiguous copy, float tensors as float32."""
    t = t.detach()
    if t.is_floating_point(): t = t.to(torch.float32)
    return t.clone().contiguous()


def check(t, n=4):
    """First values and float64 sum of a stored tensor, for the Swift tests."""
    flat = t.reshape(-1)
    vals = flat[:n].tolist() if t.dtype == torch.int64 else [float(v) for v in flat[:n].to(torch.float64)]
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""), "first": vals,
            "sum": float(flat.to(torch.float64).sum())}


def max_diff(a, b):
    return float((a.detach().to(torch.float64) - b.detach().to(torch.float64)).abs().max())


def seed_for(name):
    torch.manual_seed(zlib.crc32(name.encode()))


# ---------------------------------------------------------------- layers

class Cases:
    def __init__(self):
        self.tensors = {}; self.cases = {}

    def module_case(self, name, kind, module, inputs, forward, hyper, perturb=True):
        """module: float32 with parameters as stored; inputs: {name: float32/int64 tensor};
        forward(module, **inputs) -> y. Grads of sum(y * dy) for float inputs and parameters."""
        if perturb and module is not None: perturb_defaults(module)
        m32 = copy.deepcopy(module)
        ref = evaluate(module.double() if module is not None else None, inputs, forward, torch.float64)
        dy = torch.randn(ref["y"].shape, dtype=torch.float32)
        ref = evaluate(module, inputs, forward, torch.float64, dy)
        f32 = evaluate(m32, inputs, forward, torch.float32, dy)
        keys = {}

        def put(k, t):
            self.tensors[f"{name}.{k}"] = stored(t); keys[k] = list(t.shape)
        for k, v in inputs.items(): put(k, v)
        for k, p in ref["parameters"].items(): put(k, p)
        put("y", ref["y"]); put("dy", dy)
        for k, g in ref["grads"].items(): put("d" + k, g)
        diffs = {k: max_diff(ref["grads"][k], f32["grads"][k]) for k in ref["grads"]}
        diffs["y"] = max_diff(ref["y"], f32["y"])
        self.cases[name] = {"kind": kind, **hyper, "inputs": list(inputs), "parameters": list(ref["parameters"]),
                            "shapes": keys, "float32_torch_max_abs_diff": max(diffs.values())}


def evaluate(module, inputs, forward, dtype, dy=None):
    """y = forward(module, inputs in dtype); with dy, the gradients of sum(y * dy) of float
    inputs and of parameters (module already in dtype)."""
    ins = {k: v.detach().to(dtype).clone().requires_grad_(True) if v.is_floating_point() else v
           for k, v in inputs.items()}
    params = dict(module.named_parameters()) if module is not None else {}
    for p in params.values(): p.grad = None
    y = forward(module, **ins)
    grads = {}
    if dy is not None:
        (y * dy.to(dtype)).sum().backward()
        grads = {k: v.grad for k, v in ins.items() if v.is_floating_point()}
        grads.update({k: p.grad for k, p in params.items()})
    return {"y": y, "parameters": params, "grads": grads}


def perturb_defaults(module):
    """Default inits of ones (norm scales) and zeros (biases) would hide a missing multiply or
    add; fixtures draw them around those values instead."""
    with torch.no_grad():
        for p in module.parameters():
            if torch.all(p == 1): p.copy_(1 + 0.1 * torch.randn(p.shape))
            elif torch.all(p == 0): p.copy_(0.05 * torch.randn(p.shape))


def make_layers():
    c = Cases()
    # Each case draws from its own seed (crc32 of its name): adding a case changes no other.
    seed_for("conv3x3_s1")
    m = nn.Conv2d(8, 12, 3, stride=1, padding=1)
    c.module_case("conv3x3_s1", "conv2d", m, {"x": torch.randn(2, 8, 6, 6)}, lambda m, x: m(x),
                  {"in_channels": 8, "out_channels": 12, "kernel": 3, "stride": 1, "padding": 1})
    seed_for("conv3x3_s2")
    m = nn.Conv2d(8, 12, 3, stride=2, padding=1)
    c.module_case("conv3x3_s2", "conv2d", m, {"x": torch.randn(2, 8, 8, 8)}, lambda m, x: m(x),
                  {"in_channels": 8, "out_channels": 12, "kernel": 3, "stride": 2, "padding": 1})
    seed_for("conv1x1")
    m = nn.Conv2d(16, 8, 1)
    c.module_case("conv1x1", "conv2d", m, {"x": torch.randn(2, 16, 6, 6)}, lambda m, x: m(x),
                  {"in_channels": 16, "out_channels": 8, "kernel": 1, "stride": 1, "padding": 0})
    seed_for("group_norm")
    m = nn.GroupNorm(8, 16)
    c.module_case("group_norm", "group_norm", m, {"x": 2 * torch.randn(2, 16, 6, 6) + 0.5}, lambda m, x: m(x),
                  {"groups": 8, "channels": 16, "eps": m.eps})
    seed_for("layer_norm")
    m = nn.LayerNorm(16)
    c.module_case("layer_norm", "layer_norm", m, {"x": 2 * torch.randn(2, 5, 16) + 0.5}, lambda m, x: m(x),
                  {"features": 16, "eps": m.eps})
    seed_for("silu")
    c.module_case("silu", "silu", None, {"x": 3 * torch.randn(2, 8, 6, 6)}, lambda m, x: F.silu(x), {})
    seed_for("gelu")
    c.module_case("gelu", "gelu", None, {"x": 3 * torch.randn(2, 5, 16)}, lambda m, x: F.gelu(x),
                  {"approximate": "none"})
    seed_for("linear")
    m = nn.Linear(16, 12)
    c.module_case("linear", "linear", m, {"x": torch.randn(2, 5, 16)}, lambda m, x: m(x),
                  {"in_features": 16, "out_features": 12})
    seed_for("self_attention")
    m = nn.MultiheadAttention(16, 4, batch_first=True)
    c.module_case("self_attention", "multihead_attention", m, {"x": torch.randn(2, 9, 16)},
                  lambda m, x: m(x, x, x, need_weights=False)[0],
                  {"embed_dim": 16, "heads": 4, "kdim": 16, "vdim": 16, "packed_in_proj": True, "mask": None})
    seed_for("cross_attention")
    m = nn.MultiheadAttention(16, 4, kdim=12, vdim=12, batch_first=True)
    c.module_case("cross_attention", "multihead_attention", m, {"x": torch.randn(2, 9, 16), "ctx": torch.randn(2, 5, 12)},
                  lambda m, x, ctx: m(x, ctx, ctx, need_weights=False)[0],
                  {"embed_dim": 16, "heads": 4, "kdim": 12, "vdim": 12, "packed_in_proj": False, "mask": None})
    seed_for("upsample_nearest2x")
    c.module_case("upsample_nearest2x", "upsample_nearest", None, {"x": torch.randn(2, 8, 4, 4)},
                  lambda m, x: F.interpolate(x, scale_factor=2), {"scale": 2})
    seed_for("pixel_unshuffle4")
    c.module_case("pixel_unshuffle4", "pixel_unshuffle", None, {"x": torch.randn(2, 3, 8, 8)},
                  lambda m, x: F.pixel_unshuffle(x, 4), {"factor": 4})
    seed_for("pixel_shuffle4")
    c.module_case("pixel_shuffle4", "pixel_shuffle", None, {"x": torch.randn(2, 48, 2, 2)},
                  lambda m, x: F.pixel_shuffle(x, 4), {"factor": 4})
    seed_for("embedding")
    m = nn.Embedding(20, 8)
    ids = torch.tensor([[3, 0, 7, 3, 19], [0, 0, 11, 3, 5]], dtype=torch.int64)  # repeats accumulate
    c.module_case("embedding", "embedding", m, {"ids": ids}, lambda m, ids: m(ids),
                  {"vocab": 20, "features": 8})
    seed_for("timestep_embedding")
    t = torch.tensor([0, 1, 17, 999], dtype=torch.int64)
    c.tensors["timestep_embedding.t"] = stored(t)
    c.tensors["timestep_embedding.y"] = stored(M.temb(t, 16, torch.float64))
    c.cases["timestep_embedding"] = {"kind": "timestep_embedding", "dim": 16, "inputs": ["t"], "parameters": [],
                                     "shapes": {"t": [4], "y": [4, 16]},
                                     "formula": "cat(cos(t*f), sin(t*f)), f_k = exp(-ln(10000) * k / (dim/2)), k < dim/2"}
    seed_for("res_block")
    cfg = M.Config(groups=4)
    m = M.Res(8, 16, 32, cfg)
    c.module_case("res_block", "res_block", m, {"x": torch.randn(2, 8, 6, 6), "emb": torch.randn(2, 32)},
                  lambda m, x, emb: m(x, emb), {"in_channels": 8, "out_channels": 16, "emb_dim": 32, "groups": 4})
    seed_for("attn_block")
    cfg = M.Config(groups=4, heads=2, ctx_dim=12)
    m = M.Attn(16, cfg)
    c.module_case("attn_block", "attn_block", m, {"x": torch.randn(2, 16, 4, 4), "ctx": torch.randn(2, 5, 12)},
                  lambda m, x, ctx: m(x, ctx), {"channels": 16, "groups": 4, "heads": 2, "ctx_dim": 12})
    seed_for("mse")
    x = torch.randn(2, 8, 4, 4); target = torch.randn(2, 8, 4, 4)
    x64 = x.double().requires_grad_(True); tg64 = target.double().requires_grad_(True)
    loss = F.mse_loss(x64, tg64); loss.backward()
    for k, v in {"x": x, "target": target, "loss": loss, "dx": x64.grad, "dtarget": tg64.grad}.items():
        c.tensors[f"mse.{k}"] = stored(v)
    c.cases["mse"] = {"kind": "mse", "reduction": "mean", "inputs": ["x", "target"], "parameters": [],
                      "shapes": {"x": [2, 8, 4, 4], "target": [2, 8, 4, 4], "loss": [], "dx": [2, 8, 4, 4],
                                 "dtarget": [2, 8, 4, 4]}}

    checked = ["conv3x3_s1.y", "conv3x3_s2.dweight", "group_norm.dx", "self_attention.din_proj_weight",
               "cross_attention.dctx", "embedding.dweight", "embedding.ids", "mse.loss", "timestep_embedding.y",
               "pixel_unshuffle4.y"]
    doc = {"version": VERSION, "generator": "scripts/nn/make_fixtures.py", "torch": torch.__version__,
           "computed_in": "float64 from the stored float32 inputs and parameters; stored as float32",
           "gradients": "d<name> = gradient of sum(y * dy) with respect to <name> (mse: of loss)",
           "default_inits_perturbed": "parameters PyTorch initialises to all ones or all zeros are drawn as "
                                      "1 + 0.1 N(0,1) and 0.05 N(0,1)",
           "cases": c.cases, "checks": {k: check(c.tensors[k]) for k in checked}}
    return c.tensors, doc


# ---------------------------------------------------------------- tiny model

TINY = M.Config(width=4, mult=(1, 2, 4), attn=(False, True, True), blocks=2, groups=2, heads=2, ctx_dim=16,
                text_len=8, vocab=64, latent=48, text_layers=1, hint_channels=(8, 16, 32))
RES = 32
BATCH = 2
CAPTIONS = ["A red bicycle leaning on a brick wall", "portrait photo of an old man, 35mm, f/1.8"]
CONTROL_INIT_STD = 0.05
TOKENIZER_EXAMPLES = CAPTIONS + ["", "  Crème brûlée -- naïve CAFÉ_42 x2y!", "\u212aelvin 3\u00b2 ĲSSEL",
                                 "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                                 "fifteen sixteen seventeen eighteen"]


def run_tiny(unet, text, cn, x, t, ids, cond, noise):
    """Everything the fixture holds, for models of one dtype (inputs converted to it)."""
    dt = next(unet.parameters()).dtype
    x = x.detach().to(dt).clone().requires_grad_(True); cond = cond.to(dt); noise = noise.to(dt)
    for p in list(unet.parameters()) + list(text.parameters()): p.requires_grad_(True); p.grad = None
    ctx = text(ids)
    eps = unet(x, t, ctx)
    loss = F.mse_loss(eps, noise); loss.backward()
    r = {"text.ctx": ctx, "unet.eps": eps, "base.loss": loss, "grad.x": x.grad}
    r.update({f"grad.unet.{k}": p.grad for k, p in unet.named_parameters()})
    r.update({f"grad.text.{k}": p.grad for k, p in text.named_parameters()})
    # ControlNet training: base U-Net and text encoder locked.
    for p in list(unet.parameters()) + list(text.parameters()): p.requires_grad_(False)
    ctx = ctx.detach(); xc = x.detach()
    res = cn(xc, t, ctx, cond)
    eps_c = unet(xc, t, ctx, control=res)
    loss_c = F.mse_loss(eps_c, noise); loss_c.backward()
    r.update({f"control.residual.{i}": v for i, v in enumerate(res)})
    r.update({"control.eps": eps_c, "control.loss": loss_c})
    r.update({f"grad.control.{k}": p.grad for k, p in cn.named_parameters()})
    return r


def make_tiny():
    torch.manual_seed(0)
    cfg = TINY
    unet = M.UNet(cfg); text = M.TextEncoder(cfg)
    perturb_defaults(unet); perturb_defaults(text)
    cn = M.ControlNet(unet, cfg)  # its encoder starts as a copy of the (perturbed) U-Net encoder
    zeroed = ["hint.10"] + [f"zc.{i}" for i in range(len(cn.zc))] + ["zmid"]
    with torch.no_grad():  # non-zero, so the fixture exercises the control path
        for m in [cn.hint[10], *cn.zc, cn.zmid]:
            for p in m.parameters(): p.copy_(CONTROL_INIT_STD * torch.randn(p.shape))
    image = 2 * torch.rand(BATCH, 3, RES, RES) - 1
    x0 = F.pixel_unshuffle(image, 4)
    noise = torch.randn_like(x0)
    t = torch.randint(0, 1000, (BATCH,), dtype=torch.int64)
    ids = torch.tensor([M.tokenize(s, cfg) for s in CAPTIONS], dtype=torch.int64)
    cond = torch.rand(BATCH, 3, RES, RES)
    acp = M.alphas_cumprod()
    x = stored(M.add_noise(x0.double(), noise.double(), t, acp))

    ref = run_tiny(copy_dtype(unet, torch.float64), copy_dtype(text, torch.float64),
                   copy_dtype(cn, torch.float64), x.double(), t, ids, cond.double(), noise.double())
    f32 = run_tiny(copy_dtype(unet, torch.float32), copy_dtype(text, torch.float32),
                   copy_dtype(cn, torch.float32), x, t, ids, cond, noise)

    tensors = {}
    for k, p in unet.state_dict().items(): tensors[f"unet.{k}"] = stored(p)
    for k, p in text.state_dict().items(): tensors[f"text.{k}"] = stored(p)
    for k, p in cn.state_dict().items(): tensors[f"control.{k}"] = stored(p)
    tensors.update({"x0": stored(x0), "noise": stored(noise), "t": t.clone(), "x": x, "ids": ids.clone(),
                    "cond": stored(cond), "schedule.alphas_cumprod": acp.clone()})
    for k, v in ref.items(): tensors[k] = stored(v)

    def groups_diff(prefix):
        ks = [k for k in ref if k.startswith(prefix)]
        return {"max_abs_diff": max(max_diff(ref[k], f32[k]) for k in ks),
                "max_abs_value": max(float(ref[k].detach().abs().max()) for k in ks)}
    n_res = len(cn.zc) + 1
    residuals = []
    for i in range(n_res):
        if i < len(cn.zc):
            j = len(unet.dec) - 1 - i
            residuals.append({"key": f"control.residual.{i}", "source": f"zc.{i}(hs[{i}])",
                              "added_to": f"the skip hs[{i}] concatenated by dec.{j}",
                              "shape": list(ref[f'control.residual.{i}'].shape)})
        else:
            residuals.append({"key": f"control.residual.{i}", "source": "zmid(middle)",
                              "added_to": "the middle output h, before dec.0",
                              "shape": list(ref[f'control.residual.{i}'].shape)})
    doc = {
        "version": VERSION, "generator": "scripts/nn/make_fixtures.py", "torch": torch.__version__,
        "config": cfg.as_json(), "resolution": RES, "batch": BATCH,
        "computed_in": "float64 from the stored float32 inputs and parameters; stored as float32",
        "captions": CAPTIONS, "ids": ids.tolist(), "t": t.tolist(),
        "x": "add_noise(x0, noise, t) with schedule.alphas_cumprod (SD scaled-linear betas, 1000 steps), "
             "rounded to float32; x0 = pixel_unshuffle(image in [-1, 1], 4)",
        "losses": {"base.loss": "mse(unet(x, t, text(ids)), noise), mean",
                   "control.loss": "mse(unet(x, t, ctx, control=controlnet(x, t, ctx, cond)), noise), "
                                   "U-Net and text encoder locked"},
        "default_inits_perturbed": "U-Net and text encoder parameters PyTorch initialises to all ones or all "
                                   "zeros are drawn as 1 + 0.1 N(0,1) and 0.05 N(0,1); the ControlNet encoder "
                                   "is a copy of the U-Net encoder",
        "control_nonzero_init": {"modules": zeroed, "std": CONTROL_INIT_STD,
                                 "note": "zero-initialised in the reference; N(0, std) here so that the "
                                         "control path is exercised"},
        "control_scales": cn.control_scales,
        "control_residuals": residuals,
        "unet_parameters": [[k, list(p.shape)] for k, p in unet.state_dict().items()],
        "text_parameters": [[k, list(p.shape)] for k, p in text.state_dict().items()],
        "control_parameters": [[k, list(p.shape)] for k, p in cn.state_dict().items()],
        "float32_torch_vs_reference": {g: groups_diff(g) for g in
                                       ["text.ctx", "unet.eps", "base.loss", "grad.unet.", "grad.text.", "grad.x",
                                        "control.residual.", "control.eps", "control.loss", "grad.control."]},
        "checks": {k: check(tensors[k]) for k in ["ids", "t", "x", "text.ctx", "unet.eps", "base.loss",
                                                  "control.eps", "control.loss", "grad.x",
                                                  "grad.unet.out.2.weight", "grad.control.zmid.weight"]},
        "tokenizer_examples": [{"text": s, "ids": M.tokenize(s, cfg), "ids_default_config": M.tokenize(s, M.Config())}
                               for s in TOKENIZER_EXAMPLES],
        "values": {"base.loss": float(tensors["base.loss"]), "control.loss": float(tensors["control.loss"])},
    }
    return tensors, doc


def copy_dtype(module, dtype):
    return copy.deepcopy(module).to(dtype)


def write(name, tensors, doc):
    path = os.path.join(OUT, name + ".safetensors")
    save_file(tensors, path, metadata=METADATA)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f, indent=1); f.write("\n")
    size = os.path.getsize(path)
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()[:16]
    print(f"{path}: {len(tensors)} tensors, {size / 1024:.0f} KiB, sha256 {digest}")
    assert size < 1.5 * 2 ** 20, f"{name} is larger than 1.5 MiB"


def main():
    os.makedirs(OUT, exist_ok=True)
    write("layers", *make_layers())
    write("tiny_model", *make_tiny())


if __name__ == "__main__":
    main()
