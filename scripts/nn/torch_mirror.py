"""The PyTorch mirror of PrepNN's tiny SD-shaped U-Net, ControlNet and text encoder.

A module, not a script: `scripts/nn/make_fixtures.py` imports it to write the fixtures of
Tests/PrepNNTests/Fixtures. Needs torch (CPU is enough):

    pip install torch safetensors
    python3 scripts/nn/make_fixtures.py

It is /work/shared/reference/torch_tiny_controlnet.py made configurable (`Config`), with the same
module structure and attribute names, so `state_dict()` names are the reference's:

    Res:        n1, c1, e, n2, c2, skip       (skip only when in != out channels)
    Attn:       n, sa, n2, ca, n3, ff         (ff = Sequential(Linear, GELU, Linear): ff.0, ff.2)
    Block:      r, a                          (a only on attention levels)
    Encoder:    t, conv_in, blocks, mid1, mid2
    UNet:       enc, dec, out                 (dec.i.0 = Block, dec.i.1 = conv after upsampling)
    ControlNet: enc, hint, zc, zmid

plus a CLIP-shaped `TextEncoder` (tok, pos, layers.i.{ln1, attn, ln2, mlp}, ln_f) and its
tokenizer, and the Stable Diffusion noise schedule.

Naming trap inherited from nn.MultiheadAttention: a cross-attention `ca` whose channel count
equals `ctx_dim` stores a packed `ca.in_proj_weight` [3c, c]; otherwise it stores
`ca.q_proj_weight` [c, c], `ca.k_proj_weight` [c, ctx], `ca.v_proj_weight` [c, ctx]. Both have
`ca.in_proj_bias` [3c]. With the default config, level 1 (64 channels == ctx 64) is packed and
level 2 (128 channels) is not.
"""
import copy
import math
from dataclasses import dataclass, asdict, field

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    width: int = 32                       # C0: channels of level 0; the time embedding has 4 * width
    mult: tuple = (1, 2, 4)               # channel multiplier per level
    attn: tuple = (False, True, True)     # whether a level's blocks have attention
    blocks: int = 2                       # encoder blocks per level (the decoder has blocks + 1)
    groups: int = 8                       # GroupNorm groups everywhere
    heads: int = 4                        # attention heads (U-Net and text encoder)
    ctx_dim: int = 64                     # text encoder width = cross-attention key/value width
    text_len: int = 16                    # tokens per caption
    vocab: int = 4096                     # token ids 0..<vocab; 0 is padding
    latent: int = 48                      # latent channels: pixel-unshuffle x4 of RGB = 3 * 16
    text_layers: int = 2                  # transformer layers of the text encoder
    hint_channels: tuple = (16, 32, 96)   # the ControlNet hint encoder's widths (reference: fixed)

    def as_json(self):
        d = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


class Res(nn.Module):
    """GroupNorm-SiLU-conv, plus the projected time embedding, GroupNorm-SiLU-conv, plus skip."""

    def __init__(s, i, o, e, cfg):
        super().__init__()
        s.n1 = nn.GroupNorm(cfg.groups, i); s.c1 = nn.Conv2d(i, o, 3, padding=1); s.e = nn.Linear(e, o)
        s.n2 = nn.GroupNorm(cfg.groups, o); s.c2 = nn.Conv2d(o, o, 3, padding=1)
        s.skip = nn.Conv2d(i, o, 1) if i != o else nn.Identity()

    def forward(s, x, emb):
        h = s.c1(F.silu(s.n1(x))) + s.e(F.silu(emb))[:, :, None, None]
        return s.skip(x) + s.c2(F.silu(s.n2(h)))


class Attn(nn.Module):
    """Spatial transformer: self-attention, cross-attention to the text, feed-forward."""

    def __init__(s, c, cfg):
        super().__init__()
        s.n = nn.GroupNorm(cfg.groups, c); s.sa = nn.MultiheadAttention(c, cfg.heads, batch_first=True)
        s.n2 = nn.LayerNorm(c)
        s.ca = nn.MultiheadAttention(c, cfg.heads, kdim=cfg.ctx_dim, vdim=cfg.ctx_dim, batch_first=True)
        s.n3 = nn.LayerNorm(c)
        s.ff = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))

    def forward(s, x, ctx):
        B, Cc, H, W = x.shape
        h = s.n(x).flatten(2).transpose(1, 2)                      # [B, H*W, C]
        h = h + s.sa(h, h, h, need_weights=False)[0]
        q = s.n2(h)
        h = h + s.ca(q, ctx, ctx, need_weights=False)[0]
        h = h + s.ff(s.n3(h))
        return x + h.transpose(1, 2).reshape(B, Cc, H, W)


class Block(nn.Module):
    def __init__(s, i, o, e, attn, cfg):
        super().__init__(); s.r = Res(i, o, e, cfg); s.a = Attn(o, cfg) if attn else None

    def forward(s, x, emb, ctx):
        x = s.r(x, emb)
        return s.a(x, ctx) if s.a else x


def temb(t, d, dtype=torch.float32):
    """Sinusoidal timestep embedding [B, d]: cos of t * f_k, then sin, f_k = 10000^(-k / (d/2)).
    In float32 this is the reference's arithmetic exactly; the fixtures compute it in float64."""
    # reference: Ho et al. 2020 (DDPM) / Vaswani et al. 2017, cos-first as in the anchor script.
    f = torch.exp(-math.log(10000) * torch.arange(d // 2, dtype=dtype) / (d // 2))
    a = t[:, None].to(dtype) * f[None]
    return torch.cat([a.cos(), a.sin()], 1)


class Encoder(nn.Module):
    """conv_in, then per level `blocks` Blocks and a stride-2 conv (not after the last), then middle."""

    def __init__(s, cfg):
        super().__init__(); C0 = cfg.width; E = 4 * C0; s.E = E; s.C0 = C0
        s.t = nn.Sequential(nn.Linear(C0, E), nn.SiLU(), nn.Linear(E, E))
        s.conv_in = nn.Conv2d(cfg.latent, C0, 3, padding=1); s.blocks = nn.ModuleList(); s.chans = [C0]; c = C0
        for l, m in enumerate(cfg.mult):
            for _ in range(cfg.blocks):
                s.blocks.append(Block(c, C0 * m, E, cfg.attn[l], cfg)); c = C0 * m; s.chans.append(c)
            if l < len(cfg.mult) - 1:
                s.blocks.append(nn.Conv2d(c, c, 3, stride=2, padding=1)); s.chans.append(c)
        s.mid1 = Block(c, c, E, True, cfg); s.mid2 = Res(c, c, E, cfg); s.c = c

    def forward(s, x, t, ctx, hint=None):
        emb = s.t(temb(t, s.C0, x.dtype)); h = s.conv_in(x)
        if hint is not None: h = h + hint
        hs = [h]
        for b in s.blocks:
            h = b(h) if isinstance(b, nn.Conv2d) else b(h, emb, ctx); hs.append(h)
        h = s.mid2(s.mid1(h, emb, ctx), emb)
        return h, hs, emb


class UNet(nn.Module):
    def __init__(s, cfg):
        super().__init__(); s.enc = Encoder(cfg); E = s.enc.E; c = s.enc.c; C0 = cfg.width
        s.dec = nn.ModuleList(); skips = list(s.enc.chans)
        for l in reversed(range(len(cfg.mult))):
            for i in range(cfg.blocks + 1):
                sc = skips.pop(); blk = Block(c + sc, C0 * cfg.mult[l], E, cfg.attn[l], cfg); c = C0 * cfg.mult[l]
                up = l > 0 and i == cfg.blocks
                s.dec.append(nn.ModuleList([blk] + ([nn.Conv2d(c, c, 3, padding=1)] if up else [])))
        s.out = nn.Sequential(nn.GroupNorm(cfg.groups, c), nn.SiLU(), nn.Conv2d(c, cfg.latent, 3, padding=1))

    def forward(s, x, t, ctx, control=None):
        """`control`: the ControlNet's residuals in its output order; consumed from the end
        (middle first, then the skips from the deepest), as in the reference."""
        if control is not None: control = list(control)
        h, hs, emb = s.enc(x, t, ctx)
        if control is not None: h = h + control.pop()
        for m in s.dec:
            sk = hs.pop()
            if control is not None: sk = sk + control.pop()
            h = m[0](torch.cat([h, sk], 1), emb, ctx)
            if len(m) > 1: h = m[1](F.interpolate(h, scale_factor=2))
        return s.out(h)


def zero(m):
    for p in m.parameters(): nn.init.zeros_(p)
    return m


class ControlNet(nn.Module):
    """A trainable copy of the U-Net's encoder, a hint encoder for the condition image (down x4 to
    the latent grid), and zero-initialised 1x1 convs: one per encoder feature (`zc`) and the
    middle (`zmid`). Output: [zc[i](hs[i]) for each skip] + [zmid(middle)], times control_scales."""

    def __init__(s, unet, cfg, control_scales=None):
        super().__init__(); s.enc = copy.deepcopy(unet.enc); h1, h2, h3 = cfg.hint_channels
        s.hint = nn.Sequential(nn.Conv2d(3, h1, 3, padding=1), nn.SiLU(), nn.Conv2d(h1, h1, 3, padding=1), nn.SiLU(),
                               nn.Conv2d(h1, h2, 3, padding=1, stride=2), nn.SiLU(), nn.Conv2d(h2, h2, 3, padding=1), nn.SiLU(),
                               nn.Conv2d(h2, h3, 3, padding=1, stride=2), nn.SiLU(), zero(nn.Conv2d(h3, cfg.width, 3, padding=1)))
        s.zc = nn.ModuleList([zero(nn.Conv2d(c, c, 1)) for c in s.enc.chans]); s.zmid = zero(nn.Conv2d(s.enc.c, s.enc.c, 1))
        n = len(s.enc.chans) + 1
        s.control_scales = [1.0] * n if control_scales is None else list(control_scales)
        assert len(s.control_scales) == n, f"control_scales needs {n} values"

    def forward(s, x, t, ctx, cond):
        h, hs, _ = s.enc(x, t, ctx, hint=s.hint(cond))
        outs = [z(f) for z, f in zip(s.zc, hs)] + [s.zmid(h)]
        return [o * k for o, k in zip(outs, s.control_scales)]


class TextLayer(nn.Module):
    """Pre-norm transformer layer: h + attn(ln1(h)), then h + mlp(ln2(h)); no causal mask."""

    def __init__(s, cfg):
        super().__init__(); D = cfg.ctx_dim
        s.ln1 = nn.LayerNorm(D); s.attn = nn.MultiheadAttention(D, cfg.heads, batch_first=True)
        s.ln2 = nn.LayerNorm(D); s.mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(), nn.Linear(4 * D, D))

    def forward(s, h):
        a = s.ln1(h)
        h = h + s.attn(a, a, a, need_weights=False)[0]
        return h + s.mlp(s.ln2(h))


class TextEncoder(nn.Module):
    """ids [B, text_len] -> context [B, text_len, ctx_dim]."""

    def __init__(s, cfg):
        super().__init__()
        s.tok = nn.Embedding(cfg.vocab, cfg.ctx_dim)
        s.pos = nn.Parameter(torch.randn(cfg.text_len, cfg.ctx_dim) * 0.02)
        s.layers = nn.ModuleList([TextLayer(cfg) for _ in range(cfg.text_layers)])
        s.ln_f = nn.LayerNorm(cfg.ctx_dim)

    def forward(s, ids):
        h = s.tok(ids) + s.pos
        for layer in s.layers: h = layer(h)
        return s.ln_f(h)


def fnv1a64(data: bytes) -> int:
    # reference: Fowler-Noll-Vo FNV-1a, 64-bit offset basis and prime.
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def tokenize(text: str, cfg: Config) -> list:
    """ASCII-lowercase (only A-Z change); words are maximal runs of ASCII [a-z0-9], every other
    character separates; the first text_len words; id = 1 + FNV-1a-64(utf8(word)) % (vocab - 1);
    padded with 0 to text_len. (Not str.lower(): that maps e.g. the Kelvin sign U+212A to "k".)"""
    words, cur = [], []
    for ch in text:
        if "A" <= ch <= "Z": ch = chr(ord(ch) + 32)
        if ("a" <= ch <= "z") or ("0" <= ch <= "9"):
            cur.append(ch)
        elif cur:
            words.append("".join(cur)); cur = []
    if cur: words.append("".join(cur))
    ids = [1 + fnv1a64(w.encode("utf-8")) % (cfg.vocab - 1) for w in words[:cfg.text_len]]
    return ids + [0] * (cfg.text_len - len(ids))


def sd_betas(steps=1000):
    """Stable Diffusion's "scaled linear" schedule: linspace(sqrt(0.00085), sqrt(0.012))^2 (float64)."""
    return torch.linspace(math.sqrt(0.00085), math.sqrt(0.012), steps, dtype=torch.float64) ** 2


def alphas_cumprod(steps=1000):
    return torch.cumprod(1.0 - sd_betas(steps), 0)


def add_noise(x0, noise, t, acp=None):
    """x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) noise, abar from `alphas_cumprod` (float64)."""
    # reference: Ho et al. 2020, eq. 4.
    acp = alphas_cumprod() if acp is None else acp
    a = acp[t].to(x0.dtype)[:, None, None, None]
    return a.sqrt() * x0 + (1 - a).sqrt() * noise
