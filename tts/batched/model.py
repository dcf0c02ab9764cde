"""Kokoro-82M (StyleTTS2 + iSTFTNet) as a batch-aware PyTorch model, for export to ONNX.

Build-time only: needs torch. The architecture follows hexgrad/kokoro, written for padded
batches: every sequence carries its own length and every stage keeps the padded tail at zero,
so a convolution at the end of an item sees the same zeros it would see if the item ran alone.

    forward(input_ids [B,T] int64, input_lengths [B] int64, styles [B,256] float32, speed [1] float32)
        -> audio [B,N] float32 (zero past each item's end), audio_lengths [B] int64

Time scales (F_b = sum of item b's durations, in 40 Hz frames):
    tokens T_b -> frames F_b -> predictor/decoder 2F_b -> generator 20F_b, 120F_b (+1) -> samples 600F_b

Differences from the reference implementation, all deliberate:
  * no torch.rand/randn: the harmonic source is deterministic (the shipped kokoro-onnx export has no
    noise there either), so a batch item equals its solo run and the graph is static;
  * BiLSTMs run the backward direction on each sequence reversed within its own length;
  * instance norms take statistics over the valid frames only; ALBERT masks padded keys;
  * the alignment is built from a cumulative sum (no repeat_interleave) and applied with bmm;
  * weight norm is folded into plain conv weights (the loader folds it).
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from tts.fast_model import SIN2 as _SIN2  # sin^2(pi r) = poly(r^2), |r| <= 1/2: shared with the graph rewrite

CONFIG = {
    "n_token": 178,
    "hidden_dim": 512,
    "style_dim": 128,
    "n_layer": 3,
    "max_dur": 50,
    "text_encoder_kernel_size": 5,
    "plbert": {"embedding_size": 128, "hidden_size": 768, "num_attention_heads": 12,
               "intermediate_size": 2048, "num_hidden_layers": 12, "max_position_embeddings": 512},
    "istftnet": {"upsample_rates": [10, 6], "upsample_kernel_sizes": [20, 12],
                 "upsample_initial_channel": 512, "resblock_kernel_sizes": [3, 7, 11],
                 "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
                 "gen_istft_n_fft": 20, "gen_istft_hop_size": 5},
}
SAMPLE_RATE = 24000
SAMPLES_PER_FRAME = 600  # 2 (decoder upsample) * 10 * 6 (generator) * 5 (iSTFT hop)


def masked(x: torch.Tensor, m: torch.Tensor | None) -> torch.Tensor:
    """Zero the padded tail; a solo (batch of one, unpadded) graph passes m=None and skips the pass."""
    return x if m is None else x * m


def time_mask(lengths: torch.Tensor, n: int | torch.Tensor) -> torch.Tensor:
    """[B] lengths -> [B,1,n] float mask (1 inside each item)."""
    steps = torch.arange(n, device=lengths.device)
    return (steps[None, :] < lengths[:, None]).to(torch.float32).unsqueeze(1)


def _snake(x: torch.Tensor, alpha: torch.Tensor, inv_alpha: torch.Tensor) -> torch.Tensor:
    """x + sin(alpha x)^2 / alpha, with sin^2 as a polynomial after range reduction.

    onnxruntime's Sin runs on one thread at ~2 ns per value; with 48 Snakes over [C, 4800 Hz]
    tensors it was a fifth of the model's time once the convolutions were int8. Round, Sub, Mul and
    Add are vectorised and threaded: the polynomial costs about half, and its error is far below
    the int8 convolutions' rounding. The constants fold into the graph at export.
    """
    u = x * (alpha / math.pi)
    r = u - torch.round(u)
    t = r * r
    c1, c2, c3, c4 = (c * inv_alpha for c in _SIN2)
    return x + (((c4 * t + c3) * t + c2) * t + c1) * t


# ---------------------------------------------------------------------------------------------
# ALBERT (PL-BERT), written out so padded keys can be masked and no transformers is needed
# ---------------------------------------------------------------------------------------------
class _Embeddings(nn.Module):
    def __init__(self, n_token: int, emb: int, max_pos: int) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(n_token, emb)
        self.position_embeddings = nn.Embedding(max_pos, emb)
        self.token_type_embeddings = nn.Embedding(2, emb)
        self.LayerNorm = nn.LayerNorm(emb, eps=1e-12)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1], device=ids.device)
        x = self.word_embeddings(ids) + self.position_embeddings(pos)[None] + self.token_type_embeddings.weight[0]
        return self.LayerNorm(x)


class _Attention(nn.Module):
    def __init__(self, hidden: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.dense = nn.Linear(hidden, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        d = c // self.heads

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.heads, d).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(d)) + bias
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2).reshape(b, t, c)
        return self.LayerNorm(x + self.dense(ctx))


class _AlbertLayer(nn.Module):
    def __init__(self, hidden: int, heads: int, inter: int) -> None:
        super().__init__()
        self.attention = _Attention(hidden, heads)
        self.ffn = nn.Linear(hidden, inter)
        self.ffn_output = nn.Linear(inter, hidden)
        self.full_layer_layer_norm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        a = self.attention(x, bias)
        h = self.ffn_output(F.gelu(self.ffn(a), approximate="tanh"))
        return self.full_layer_layer_norm(h + a)


class _AlbertGroup(nn.Module):
    def __init__(self, hidden: int, heads: int, inter: int) -> None:
        super().__init__()
        self.albert_layers = nn.ModuleList([_AlbertLayer(hidden, heads, inter)])


class _AlbertEncoder(nn.Module):
    def __init__(self, emb: int, hidden: int, heads: int, inter: int, layers: int) -> None:
        super().__init__()
        self.layers = layers
        self.embedding_hidden_mapping_in = nn.Linear(emb, hidden)
        self.albert_layer_groups = nn.ModuleList([_AlbertGroup(hidden, heads, inter)])

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        x = self.embedding_hidden_mapping_in(x)
        layer = self.albert_layer_groups[0].albert_layers[0]
        for _ in range(self.layers):  # ALBERT shares one layer's weights across all 12
            x = layer(x, bias)
        return x


class Albert(nn.Module):
    def __init__(self, n_token: int, cfg: dict) -> None:
        super().__init__()
        self.embeddings = _Embeddings(n_token, cfg["embedding_size"], cfg["max_position_embeddings"])
        self.encoder = _AlbertEncoder(cfg["embedding_size"], cfg["hidden_size"], cfg["num_attention_heads"],
                                      cfg["intermediate_size"], cfg["num_hidden_layers"])

    def forward(self, ids: torch.Tensor, token_mask: torch.Tensor) -> torch.Tensor:
        """token_mask [B,T] float (1 = real token)."""
        bias = ((1.0 - token_mask) * -1e9)[:, None, None, :]
        return self.encoder(self.embeddings(ids), bias)


# ---------------------------------------------------------------------------------------------
# Length-aware bidirectional LSTM
# ---------------------------------------------------------------------------------------------
class BiLSTM(nn.Module):
    """Bidirectional LSTM over padded [B,T,C]; the backward pass starts at each item's own end."""

    def __init__(self, n_in: int, hidden: int) -> None:
        super().__init__()
        self.fw = nn.LSTM(n_in, hidden, 1, batch_first=True)
        self.bw = nn.LSTM(n_in, hidden, 1, batch_first=True)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        t = torch.arange(x.shape[1], device=x.device)[None, :]
        ln = lengths[:, None]
        rev = torch.where(t < ln, ln - 1 - t, t)  # an involution: reverse inside, identity outside
        idx = rev[:, :, None].expand(-1, -1, x.shape[2])
        fw, _ = self.fw(x)
        bw, _ = self.bw(torch.gather(x, 1, idx))
        bw = torch.gather(bw, 1, rev[:, :, None].expand(-1, -1, bw.shape[2]))
        return torch.cat([fw, bw], dim=2)


# ---------------------------------------------------------------------------------------------
# Text side: TextEncoder, DurationEncoder, ProsodyPredictor
# ---------------------------------------------------------------------------------------------
class ChannelLayerNorm(nn.Module):
    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.channels, self.eps = channels, eps
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B,C,T]
        y = F.layer_norm(x.transpose(1, 2), (self.channels,), self.gamma, self.beta, self.eps)
        return y.transpose(1, 2)


class _ConvBlock(nn.Module):
    """Stands in for hexgrad's Sequential(conv, LayerNorm, act, dropout): keys cnn.i.0 / cnn.i.1."""

    def __init__(self, channels: int, kernel: int) -> None:
        super().__init__()
        self.add_module("0", nn.Conv1d(channels, channels, kernel, padding=(kernel - 1) // 2))
        self.add_module("1", ChannelLayerNorm(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(getattr(self, "1")(getattr(self, "0")(x)), 0.2)


class TextEncoder(nn.Module):
    def __init__(self, channels: int, kernel: int, depth: int, n_symbols: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(n_symbols, channels)
        self.cnn = nn.ModuleList([_ConvBlock(channels, kernel) for _ in range(depth)])
        self.lstm = BiLSTM(channels, channels // 2)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        x = self.embedding(ids).transpose(1, 2) * m  # [B,C,T]
        for block in self.cnn:
            x = block(x) * m
        x = self.lstm(x.transpose(1, 2), lengths).transpose(1, 2)
        return x * m


class AdaLayerNorm(nn.Module):
    def __init__(self, style_dim: int, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.channels, self.eps = channels, eps
        self.fc = nn.Linear(style_dim, channels * 2)

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:  # x [B,T,C], s [B,S]
        gamma, beta = self.fc(s)[:, None, :].chunk(2, dim=-1)
        return (1 + gamma) * F.layer_norm(x, (self.channels,), eps=self.eps) + beta


class DurationEncoder(nn.Module):
    def __init__(self, sty_dim: int, d_model: int, nlayers: int) -> None:
        super().__init__()
        self.lstms = nn.ModuleList()
        for _ in range(nlayers):
            self.lstms.append(BiLSTM(d_model + sty_dim, d_model // 2))
            self.lstms.append(AdaLayerNorm(sty_dim, d_model))

    def forward(self, x: torch.Tensor, s: torch.Tensor, lengths: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        """x [B,T,d_model], s [B,S], m [B,T,1] -> [B,T,d_model+S]."""
        s_t = s[:, None, :].expand(-1, x.shape[1], -1)
        x = torch.cat([x, s_t], dim=-1) * m
        for block in self.lstms:
            if isinstance(block, AdaLayerNorm):
                x = torch.cat([block(x, s), s_t], dim=-1) * m
            else:
                x = block(x, lengths)
        return x


class AdaIN1d(nn.Module):
    """Instance norm over the valid frames only, then a style-driven affine (m=None: one
    InstanceNormalization op over the whole, unpadded item of a batch of one)."""

    def __init__(self, style_dim: int, channels: int) -> None:
        super().__init__()
        self.fc = nn.Linear(style_dim, channels * 2)

    def forward(self, x: torch.Tensor, s: torch.Tensor, m: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.fc(s)[:, :, None].chunk(2, dim=1)
        if m is None:
            return F.instance_norm(x, weight=(1 + gamma).reshape(-1), bias=beta.reshape(-1), eps=1e-5)
        mean = (x * m).sum(dim=2, keepdim=True) / n
        xc = (x - mean) * m
        var = (xc * xc).sum(dim=2, keepdim=True) / n
        return ((1 + gamma) * (xc * torch.rsqrt(var + 1e-5)) + beta) * m


class AdainResBlk1d(nn.Module):
    def __init__(self, dim_in: int, dim_out: int, style_dim: int, upsample: bool = False) -> None:
        super().__init__()
        self.upsample = upsample
        self.learned_sc = dim_in != dim_out
        self.conv1 = nn.Conv1d(dim_in, dim_out, 3, 1, 1)
        self.conv2 = nn.Conv1d(dim_out, dim_out, 3, 1, 1)
        self.norm1 = AdaIN1d(style_dim, dim_in)
        self.norm2 = AdaIN1d(style_dim, dim_out)
        if self.learned_sc:
            self.conv1x1 = nn.Conv1d(dim_in, dim_out, 1, 1, 0, bias=False)
        if upsample:
            self.pool = nn.ConvTranspose1d(dim_in, dim_in, 3, stride=2, groups=dim_in, padding=1, output_padding=1)

    def forward(self, x, s, m_in, n_in, m_out, n_out):
        r = F.leaky_relu(self.norm1(x, s, m_in, n_in), 0.2)
        if self.upsample:
            r = masked(self.pool(r), m_out)
        r = masked(self.conv1(r), m_out)
        r = F.leaky_relu(self.norm2(r, s, m_out, n_out), 0.2)
        r = self.conv2(r)
        sc = F.interpolate(x, scale_factor=2.0, mode="nearest") if self.upsample else x
        if self.learned_sc:
            sc = self.conv1x1(sc)
        return (r + sc) * (1.0 / math.sqrt(2.0) if m_out is None else m_out * (1.0 / math.sqrt(2.0)))


class ProsodyPredictor(nn.Module):
    def __init__(self, style_dim: int, d_hid: int, nlayers: int, max_dur: int) -> None:
        super().__init__()
        self.text_encoder = DurationEncoder(style_dim, d_hid, nlayers)
        self.lstm = BiLSTM(d_hid + style_dim, d_hid // 2)
        self.duration_proj = nn.Module()
        self.duration_proj.linear_layer = nn.Linear(d_hid, max_dur)
        self.shared = BiLSTM(d_hid + style_dim, d_hid // 2)
        self.F0 = nn.ModuleList([AdainResBlk1d(d_hid, d_hid, style_dim),
                                 AdainResBlk1d(d_hid, d_hid // 2, style_dim, upsample=True),
                                 AdainResBlk1d(d_hid // 2, d_hid // 2, style_dim)])
        self.N = nn.ModuleList([AdainResBlk1d(d_hid, d_hid, style_dim),
                                AdainResBlk1d(d_hid, d_hid // 2, style_dim, upsample=True),
                                AdainResBlk1d(d_hid // 2, d_hid // 2, style_dim)])
        self.F0_proj = nn.Conv1d(d_hid // 2, 1, 1, 1, 0)
        self.N_proj = nn.Conv1d(d_hid // 2, 1, 1, 1, 0)

    def durations(self, d: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.lstm(d, lengths)
        return torch.sigmoid(self.duration_proj.linear_layer(x)).sum(dim=-1)

    def f0n(self, en: torch.Tensor, s: torch.Tensor, f_len: torch.Tensor, m1, n1, m2, n2):
        """en [B,C,F] -> F0, N curves [B,1,2F] (zero past each item's end)."""
        x = self.shared(en.transpose(1, 2), f_len).transpose(1, 2) * m1
        out = []
        for blocks, proj in ((self.F0, self.F0_proj), (self.N, self.N_proj)):
            y = blocks[0](x, s, m1, n1, m1, n1)
            y = blocks[1](y, s, m1, n1, m2, n2)
            y = blocks[2](y, s, m2, n2, m2, n2)
            out.append(proj(y) * m2)
        return out[0], out[1]


# ---------------------------------------------------------------------------------------------
# Decoder: iSTFTNet generator with a deterministic harmonic source
# ---------------------------------------------------------------------------------------------
class AdaINResBlock1(nn.Module):
    def __init__(self, channels: int, kernel: int, dilation, style_dim: int) -> None:
        super().__init__()
        pad = lambda d: (kernel * d - d) // 2  # noqa: E731
        self.convs1 = nn.ModuleList([nn.Conv1d(channels, channels, kernel, 1, dilation=d, padding=pad(d))
                                     for d in dilation])
        self.convs2 = nn.ModuleList([nn.Conv1d(channels, channels, kernel, 1, dilation=1, padding=pad(1))
                                     for _ in dilation])
        self.adain1 = nn.ModuleList([AdaIN1d(style_dim, channels) for _ in dilation])
        self.adain2 = nn.ModuleList([AdaIN1d(style_dim, channels) for _ in dilation])
        self.alpha1 = nn.ParameterList([nn.Parameter(torch.ones(1, channels, 1)) for _ in dilation])
        self.alpha2 = nn.ParameterList([nn.Parameter(torch.ones(1, channels, 1)) for _ in dilation])

    def forward(self, x, s, m, n):
        for c1, c2, n1, n2, a1, a2 in zip(self.convs1, self.convs2, self.adain1, self.adain2,
                                          self.alpha1, self.alpha2):
            xt = _snake(n1(x, s, m, n), a1, 1.0 / a1)
            xt = masked(c1(xt), m)
            xt = _snake(n2(xt, s, m, n), a2, 1.0 / a2)
            xt = masked(c2(xt), m)
            x = xt + x
        return x


def _hann(n: int) -> torch.Tensor:
    k = torch.arange(n, dtype=torch.float64)
    return 0.5 - 0.5 * torch.cos(2 * math.pi * k / n)  # periodic


class Generator(nn.Module):
    def __init__(self, style_dim, resblock_kernel_sizes, upsample_rates, upsample_initial_channel,
                 resblock_dilation_sizes, upsample_kernel_sizes, gen_istft_n_fft, gen_istft_hop_size):
        super().__init__()
        self.solo = False  # set by BatchedKModel(solo=True)
        self.num_kernels = len(resblock_kernel_sizes)
        self.rates = list(upsample_rates)
        self.n_fft, self.hop = gen_istft_n_fft, gen_istft_hop_size
        self.scale = math.prod(upsample_rates) * gen_istft_hop_size  # samples per generator input step
        self.harmonics = 9
        self.m_source = nn.Module()
        self.m_source.l_linear = nn.Linear(self.harmonics, 1)
        self.noise_convs = nn.ModuleList()
        self.noise_res = nn.ModuleList()
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        for i, (u, k) in enumerate(zip(upsample_rates, upsample_kernel_sizes)):
            c_in, c_out = upsample_initial_channel // 2 ** i, upsample_initial_channel // 2 ** (i + 1)
            self.ups.append(nn.ConvTranspose1d(c_in, c_out, k, u, padding=(k - u) // 2))
            for kk, d in zip(resblock_kernel_sizes, resblock_dilation_sizes):
                self.resblocks.append(AdaINResBlock1(c_out, kk, d, style_dim))
            if i + 1 < len(upsample_rates):
                st = math.prod(upsample_rates[i + 1:])
                self.noise_convs.append(nn.Conv1d(self.n_fft + 2, c_out, st * 2, st, padding=(st + 1) // 2))
                self.noise_res.append(AdaINResBlock1(c_out, 7, [1, 3, 5], style_dim))
            else:
                self.noise_convs.append(nn.Conv1d(self.n_fft + 2, c_out, 1))
                self.noise_res.append(AdaINResBlock1(c_out, 11, [1, 3, 5], style_dim))
        self.conv_post = nn.Conv1d(c_out, self.n_fft + 2, 7, 1, padding=3)
        # STFT / iSTFT as convolutions with fixed bases
        win = _hann(self.n_fft)
        nb = self.n_fft // 2 + 1
        kk = torch.arange(nb, dtype=torch.float64)[:, None]
        nn_ = torch.arange(self.n_fft, dtype=torch.float64)[None, :]
        ang = 2 * math.pi * kk * nn_ / self.n_fft
        sin = torch.sin(ang)
        sin[0] = 0.0
        sin[-1] = 0.0  # DC and Nyquist have exactly zero imaginary part, as in torch.stft
        fwd = torch.cat([torch.cos(ang) * win, -sin * win + 0.0], 0)[:, None, :]
        self.register_buffer("stft_basis", fwd.float(), persistent=False)
        # inverse basis as in StyleTTS2's conv iSTFT: pinv of the unwindowed basis, windowed
        basis = torch.cat([torch.cos(ang), -torch.sin(ang)], 0)  # [2nb, n_fft]
        inv = torch.linalg.pinv(basis * (self.n_fft / self.hop)).T  # [2nb, n_fft]
        inv = (inv * win)[:, None, :]
        self.register_buffer("istft_basis", inv.float(), persistent=False)
        # the shipped export normalises only the first n_fft samples by the window sum (traced with
        # one frame); reproduce that so the rebuilt model matches it
        wsum = win ** 2
        self.register_buffer("istft_head", torch.where(wsum > 1.1754944e-38, 1.0 / wsum, torch.ones_like(wsum)).float(),
                             persistent=False)

    # -- harmonic source -------------------------------------------------------------------------
    def source(self, f0: torch.Tensor) -> torch.Tensor:
        """f0 [B,L] (zero past each end) -> harmonic excitation [B, L*scale].

        Same signal as the reference SineGen (phase = cumulative sum of per-step increments, spread
        linearly over each step with half-pixel centres, clamped at the ends), but the phase is kept
        in turns modulo 1 before it grows: the reference's float32 phase reaches ~1e4 rad within a
        few seconds and carries ~0.1 rad of rounding noise that differs between runtimes and shapes.
        """
        n_steps, scale = f0.shape[1], self.scale
        h = torch.arange(1, self.harmonics + 1, device=f0.device, dtype=f0.dtype)
        rad = torch.remainder(f0[:, :, None] * h / SAMPLE_RATE, 1.0)  # turns per sample, per step [B,L,H]
        step = torch.remainder(rad * scale, 1.0)  # turns per step, modulo 1
        start = torch.remainder(torch.cumsum(step, dim=1), 1.0)  # phase at each step centre, mod 1
        i = torch.arange(n_steps * scale, device=f0.device, dtype=f0.dtype)
        pos = (i + 0.5) / scale - 0.5  # source coordinate of each sample (half-pixel)
        j0 = torch.floor(pos)
        w = pos - j0
        last = (n_steps - 1) * torch.ones_like(j0)
        j1 = torch.minimum(j0 + 1, last)
        w = torch.where(j0 < 0, torch.zeros_like(w), w)
        w = torch.where(j0 >= last, torch.zeros_like(w), w)
        j0 = torch.minimum(j0.clamp(min=0), last).long()
        j1 = j1.clamp(min=0).long()
        turns = start.index_select(1, j0) + w[None, :, None] * (rad.index_select(1, j1) * scale)
        uv = (f0.index_select(1, torch.div(i.long(), scale, rounding_mode="floor")) > 10.0).to(f0.dtype)
        sines = torch.sin(2 * math.pi * torch.remainder(turns, 1.0)) * 0.1 * uv[:, :, None]  # [B,N,H]
        return torch.tanh(self.m_source.l_linear(sines)).squeeze(2)  # [B,N]

    def stft(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Centred STFT with each item reflect-padded at its own end -> [B, 2*bins, frames]."""
        pad = self.n_fft // 2
        n = x.shape[1]
        t = torch.arange(n + 2 * pad, device=x.device)[None, :] - pad
        ln = lengths[:, None]
        idx = torch.where(t < 0, -t, t)
        idx = torch.where(idx >= ln, 2 * (ln - 1) - idx, idx)
        idx = torch.minimum(idx, ln - 1).clamp(min=0)  # (no clamp to x.shape: tracing would freeze it)
        xp = torch.gather(x, 1, idx)
        spec = F.conv1d(xp[:, None, :], self.stft_basis, stride=self.hop)
        nb = self.n_fft // 2 + 1
        re, im = spec[:, :nb], spec[:, nb:]
        # torch.angle gives +pi for (re < 0, im == 0); ONNX's atan2 lowering gives -pi there
        # (and 0 for re == im == 0, where the lowered atan2 would divide 0 by 0)
        phase = torch.where((im == 0) & (re < 0), torch.full_like(re, math.pi), torch.atan2(im, re))
        phase = torch.where((im == 0) & (re == 0), torch.zeros_like(re), phase)
        return torch.cat([torch.sqrt(re * re + im * im), phase], dim=1)

    def istft(self, mag: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        x = torch.cat([mag * torch.cos(phase), mag * torch.sin(phase)], dim=1)
        y = F.conv_transpose1d(x, self.istft_basis, stride=self.hop)[:, 0]  # [B, (fr-1)*hop + n_fft]
        head = y[:, : self.n_fft] * self.istft_head
        y = torch.cat([head, y[:, self.n_fft:]], dim=1) * (self.n_fft / self.hop)
        pad = self.n_fft // 2
        return y[:, pad: y.shape[1] - pad]

    def forward(self, x, s, f0, g_len, m):
        """x [B,C,L], f0 [B,L], g_len [B] valid steps (L = 2F), m [B,1,L] -> audio [B, L*scale]."""
        n_samp = g_len * self.scale
        har_src = self.source(f0)
        frames_len = n_samp // self.hop + 1
        har = self.stft(har_src, n_samp)
        m_fr = None if self.solo else time_mask(frames_len, har.shape[2])
        har = masked(har, m_fr)
        last = len(self.ups) - 1
        for i in range(len(self.ups)):
            extra = 1 if i == last else 0  # the reflection pad before the last stage's sum
            n_i = g_len * math.prod(self.rates[: i + 1]) + extra
            mi = None if self.solo else time_mask(n_i, x.shape[2] * self.rates[i] + extra)
            ni = n_i.to(torch.float32)[:, None, None]
            x = F.leaky_relu(x, 0.1)
            xs = self.noise_res[i](masked(self.noise_convs[i](har), mi), s, mi, ni)
            x = self.ups[i](x)
            if i == last:
                x = F.pad(x, (1, 0), mode="reflect")
            x = masked(x + xs, mi)
            acc = None
            for j in range(self.num_kernels):
                r = self.resblocks[i * self.num_kernels + j](x, s, mi, ni)
                acc = r if acc is None else acc + r
            x = acc / self.num_kernels
        x = self.conv_post(F.leaky_relu(x, 0.01))
        nb = self.n_fft // 2 + 1
        mag = masked(torch.exp(x[:, :nb]), m_fr)
        phase = torch.sin(x[:, nb:])
        audio = self.istft(mag, phase)
        return audio if self.solo else audio * time_mask(n_samp, audio.shape[1])[:, 0]


class Decoder(nn.Module):
    def __init__(self, dim_in: int, style_dim: int, **ist) -> None:
        super().__init__()
        self.encode = AdainResBlk1d(dim_in + 2, 1024, style_dim)
        self.decode = nn.ModuleList([AdainResBlk1d(1024 + 2 + 64, 1024, style_dim) for _ in range(3)]
                                    + [AdainResBlk1d(1024 + 2 + 64, 512, style_dim, upsample=True)])
        self.F0_conv = nn.Conv1d(1, 1, 3, 2, 1)
        self.N_conv = nn.Conv1d(1, 1, 3, 2, 1)
        self.asr_res = nn.ModuleList([nn.Conv1d(512, 64, 1)])
        self.generator = Generator(style_dim, **ist)

    def forward(self, asr, f0_curve, n_curve, s, f_len, m1, n1, m2, n2):
        if self.generator.solo:
            m1 = m2 = None
        f0 = masked(self.F0_conv(f0_curve), m1)
        nn_ = masked(self.N_conv(n_curve), m1)
        x = self.encode(torch.cat([asr, f0, nn_], dim=1), s, m1, n1, m1, n1)
        asr_res = masked(self.asr_res[0](asr), m1)
        for i, block in enumerate(self.decode):
            x = torch.cat([x, asr_res, f0, nn_], dim=1)
            if i < 3:
                x = block(x, s, m1, n1, m1, n1)
            else:
                x = block(x, s, m1, n1, m2, n2)
        return self.generator(x, s, f0_curve[:, 0], 2 * f_len, m2)


# ---------------------------------------------------------------------------------------------
class BatchedKModel(nn.Module):
    def __init__(self, config: dict | None = None, solo: bool = False) -> None:
        """`solo`: for a graph that only ever runs one unpadded item (the streaming engine's).
        Its decoder then skips the mask passes and normalises with InstanceNormalization: at the
        generator's 4800 Hz rate the masks and the hand-written masked norms were ~10 elementwise
        passes per convolution."""
        super().__init__()
        cfg = config or CONFIG
        self.config = cfg
        self.bert = Albert(cfg["n_token"], cfg["plbert"])
        self.bert_encoder = nn.Linear(cfg["plbert"]["hidden_size"], cfg["hidden_dim"])
        self.predictor = ProsodyPredictor(cfg["style_dim"], cfg["hidden_dim"], cfg["n_layer"], cfg["max_dur"])
        self.text_encoder = TextEncoder(cfg["hidden_dim"], cfg["text_encoder_kernel_size"], cfg["n_layer"],
                                        cfg["n_token"])
        self.decoder = Decoder(cfg["hidden_dim"], cfg["style_dim"], **cfg["istftnet"])
        self.decoder.generator.solo = solo

    def predict_durations(self, input_ids, input_lengths, styles, speed):
        """-> (durations [B,T] int64, d [B,T,640], token mask [B,1,T])."""
        T = input_ids.shape[1]
        m_tok = time_mask(input_lengths, T)  # [B,1,T]
        s_pro = styles[:, 128:]
        bert = self.bert(input_ids, m_tok[:, 0])
        d_en = self.bert_encoder(bert)  # [B,T,512]
        d = self.predictor.text_encoder(d_en, s_pro, input_lengths, m_tok.transpose(1, 2))
        dur = self.predictor.durations(d, input_lengths) / speed
        dur = torch.clamp(torch.round(dur), min=1.0) * m_tok[:, 0]
        return dur.to(torch.int64), d, m_tok

    def forward(self, input_ids, input_lengths, styles, speed):
        dur, d, m_tok = self.predict_durations(input_ids, input_lengths, styles, speed)
        s_pro, s_dec = styles[:, 128:], styles[:, :128]
        f_len = dur.sum(dim=1)  # [B] frames
        n_frames = f_len.max()
        # alignment [B,T,F]: token t covers frames [cum_t - dur_t, cum_t)
        cum = torch.cumsum(dur, dim=1)
        frames = torch.arange(n_frames, device=dur.device)[None, None, :]
        aln = ((frames >= (cum - dur)[:, :, None]) & (frames < cum[:, :, None])).to(torch.float32)
        en = torch.bmm(d.transpose(1, 2), aln)  # [B,640,F]
        m1 = time_mask(f_len, n_frames)
        m2 = time_mask(2 * f_len, 2 * n_frames)
        n1 = f_len.to(torch.float32)[:, None, None]
        n2 = 2.0 * n1
        f0_curve, n_curve = self.predictor.f0n(en, s_pro, f_len, m1, n1, m2, n2)
        t_en = self.text_encoder(input_ids, input_lengths, m_tok)  # [B,512,T]
        asr = torch.bmm(t_en, aln)  # [B,512,F]
        audio = self.decoder(asr, f0_curve, n_curve, s_dec, f_len, m1, n1, m2, n2)
        return audio, f_len * SAMPLES_PER_FRAME
