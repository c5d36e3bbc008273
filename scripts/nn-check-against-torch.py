#!/usr/bin/env python3
"""Loads what Tests/PrepNNTests/TorchCrossCheckDump.swift wrote into the reference PyTorch modules
(/work/shared/reference/torch_tiny_controlnet.py, plus a text encoder written from PrepNN's spec),
runs the same batch and prints, for the context, the prediction, the loss and the gradients of
every model, the largest difference and the relative L2 error. Needs torch and numpy.
Usage: scripts/nn-check-against-torch.py DUMP_DIR [REFERENCE_SCRIPT]"""
import sys, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
D = sys.argv[1].rstrip('/') + '/'
reference = sys.argv[2] if len(sys.argv) > 2 else '/work/shared/reference/torch_tiny_controlnet.py'
sys.argv = ['ref', '--steps', '0', '--mode', 'none']
ns = {"__name__": "ref"}
exec(open(reference).read(), ns)
torch.set_num_threads(2)
def load(name): return torch.from_numpy(np.fromfile(D + name + '.f32', dtype=np.float32).copy())
def fill(model, flat):
    sd = model.state_dict(); off = 0; new = {}
    for k, v in sd.items():
        n = v.numel(); new[k] = flat[off:off+n].reshape(v.shape); off += n
    assert off == flat.numel(), (off, flat.numel())
    model.load_state_dict(new)
def grads(model):
    return torch.cat([p.grad.reshape(-1) if p.grad is not None else torch.zeros(p.numel()) for p in model.parameters()])
class TextLayer(nn.Module):
    def __init__(s, d, h):
        super().__init__(); s.ln1 = nn.LayerNorm(d); s.attn = nn.MultiheadAttention(d, h, batch_first=True); s.ln2 = nn.LayerNorm(d)
        s.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
    def forward(s, h):
        a = s.ln1(h); h = h + s.attn(a, a, a, need_weights=False)[0]; return h + s.mlp(s.ln2(h))
class TextEncoder(nn.Module):
    def __init__(s, V=4096, T=16, d=64, L=2, h=4):
        super().__init__(); s.tok = nn.Embedding(V, d); s.pos = nn.Parameter(torch.zeros(T, d))
        s.layers = nn.ModuleList([TextLayer(d, h) for _ in range(L)]); s.ln_f = nn.LayerNorm(d)
    def forward(s, ids):
        h = s.tok(ids) + s.pos
        for l in s.layers: h = l(h)
        return s.ln_f(h)
text = TextEncoder()
names = list(text.state_dict().keys()); swift_names = open(D + 'text_names.txt').read().split('\n')
print("text names match:", names == swift_names)
unet = ns['UNet'](); cn = ns['ControlNet'](unet)
fill(unet, load('unet_params')); fill(cn, load('cn_params')); fill(text, load('text_params'))
x = load('x').reshape(8, 48, 16, 16); noise = load('noise').reshape(8, 48, 16, 16); cond = load('cond').reshape(8, 3, 64, 64)
ids = load('ids').long().reshape(8, 16); t = load('t').long()
ctx = text(ids)
def report(name, a, b):
    a = a.detach().reshape(-1); b = b.reshape(-1)
    print(f"{name:12s} max|diff| {(a-b).abs().max().item():.3e}  max|ref| {a.abs().max().item():.3e}  rel-L2 {((a-b).norm()/a.norm().clamp_min(1e-30)).item():.3e}")
report("context", ctx, load('context'))
control = cn(x, t, ctx, cond)
pred = unet(x, t, ctx, control=list(control))
report("prediction", pred, load('prediction'))
loss = F.mse_loss(pred, noise); print("loss torch", loss.item(), "swift", load('loss').item())
loss.backward()
for name, model, g in (("unet grads", unet, 'unet_grads'), ("cn grads", cn, 'cn_grads'), ("text grads", text, 'text_grads')):
    report(name, grads(model), load(g))
    # worst parameters
    ours = load(g); off = 0; worst = []
    for k, p in model.named_parameters():
        n = p.numel(); a = p.grad.reshape(-1) if p.grad is not None else torch.zeros(n); b = ours[off:off+n]; off += n
        worst.append((((a-b).norm() / a.norm().clamp_min(1e-12)).item(), k))
    worst.sort(reverse=True); print("   worst rel:", [(f"{w:.1e}", k) for w, k in worst[:3]])
