"""Weights for BatchedKModel: recovered from the shipped int8 ONNX, or from the official checkpoint.

From the ONNX every weight is dequantised as (w_q - zero_point) * scale and named by where it is
used: KModel-style initializer names when the exporter kept them, otherwise the scoped name of the
node that consumes the tensor (folded weight-norm convs, LSTMs, anonymous MatMul weights).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

_LSTM_ORDER = (0, 2, 3, 1)  # ONNX gates i,o,f,c -> PyTorch i,f,g(c),o


def _module_path(node_name: str) -> str:
    """'/decoder/decoder/generator/resblocks.1/convs1.0/Conv_quant' -> 'decoder.generator.resblocks.1.convs1.0'."""
    parts: list[str] = []
    for comp in node_name.strip("/").split("/")[:-1]:
        if parts and comp.startswith(parts[-1] + "."):
            parts[-1] = comp  # 'cnn.0' then 'cnn.0.0': the scope repeats its parent
        else:
            parts.append(comp)
    return _kmodel_name(".".join(parts))


def _kmodel_name(name: str) -> str:
    if name.startswith("decoder.decoder."):
        return "decoder." + name[len("decoder.decoder."):]
    if name.startswith("encoder."):
        rest = name[len("encoder."):]
        if re.match(r"(F0|N)\.\d|shared\b", rest):  # F0Ntrain ran outside the predictor scope
            rest = "predictor." + rest
        return rest
    return name


def onnx_state_dict(source_onnx: Path) -> dict[str, np.ndarray]:
    """KModel-style state dict (float32 numpy arrays) recovered from the kokoro-onnx int8 export."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(source_onnx))
    g = model.graph
    init = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    consumers: dict[str, list] = {}
    for node in g.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def deq(w_name: str, zp_name: str | None = None, axis: int | None = None) -> np.ndarray:
        w = init[w_name]
        if not w_name.endswith("_quantized"):
            return w.astype(np.float32)
        base = w_name[: -len("_quantized")]
        scale = init[base + "_scale"].astype(np.float32)
        zp = init.get(zp_name or base + "_zero_point", None)
        if zp is None:
            zp = np.zeros_like(scale, dtype=np.int32)
        zp = zp.astype(np.float32)
        if scale.ndim and axis is not None:  # per-channel along `axis`
            shape = [1] * w.ndim
            shape[axis] = -1
            scale, zp = scale.reshape(shape), zp.reshape(shape)
        return (w.astype(np.float32) - zp) * scale

    out: dict[str, np.ndarray] = {}
    for node in g.node:
        op = node.op_type
        if op in ("ConvInteger", "Conv", "ConvTranspose"):
            wn = node.input[1]
            if wn not in init:
                continue
            zp = node.input[3] if op == "ConvInteger" and len(node.input) > 3 else None
            key = _kmodel_name(wn[: -len("_quantized")] if wn.endswith("_quantized") else wn) \
                if not wn.startswith(("/", "onnx::")) else _module_path(node.name) + ".weight"
            if key.endswith(".weight.weight"):
                key = key[: -len(".weight")]
            out.setdefault(key, deq(wn, zp, axis=0))
        elif op in ("MatMulInteger", "MatMul"):
            wn = node.input[1]
            if wn not in init:
                continue
            zp = node.input[3] if op == "MatMulInteger" and len(node.input) > 3 else None
            if wn.startswith(("/", "onnx::")):
                key = re.sub(r"_\d+$", "", _module_path(node.name)) + ".weight"
            else:
                key = _kmodel_name(wn[: -len("_quantized")] if wn.endswith("_quantized") else wn)
            out.setdefault(key, deq(wn, zp, axis=-1).T.copy())
        elif op == "DynamicQuantizeLSTM" or op == "LSTM":
            path = _module_path(node.name)
            if op == "DynamicQuantizeLSTM":
                # inputs: X W R B seq_lens h0 c0 P W_scale W_zp R_scale R_zp; W,R are [dir, in, 4H]
                def lstm_w(i_w, i_s, i_z):
                    w = init[node.input[i_w]].astype(np.float32)
                    s = init[node.input[i_s]].astype(np.float32).reshape(-1, 1, 1)
                    z = init[node.input[i_z]].astype(np.float32).reshape(-1, 1, 1)
                    return np.transpose((w - z) * s, (0, 2, 1))  # -> [dir, 4H, in]
                W, R = lstm_w(1, 8, 9), lstm_w(2, 10, 11)
            else:
                W, R = init[node.input[1]], init[node.input[2]]
            B = init[node.input[3]]
            hidden = R.shape[2]

            def reorder(a: np.ndarray) -> np.ndarray:
                gates = np.split(a, 4, axis=0)
                return np.concatenate([gates[i] for i in _LSTM_ORDER], axis=0)

            for d, tag in enumerate(("fw", "bw")):
                out[f"{path}.{tag}.weight_ih_l0"] = reorder(W[d])
                out[f"{path}.{tag}.weight_hh_l0"] = reorder(R[d])
                out[f"{path}.{tag}.bias_ih_l0"] = reorder(B[d, : 4 * hidden])
                out[f"{path}.{tag}.bias_hh_l0"] = reorder(B[d, 4 * hidden:])
        elif op == "Gather" and node.input[0] in init and init[node.input[0]].ndim == 2:
            wn = node.input[0]
            key = _kmodel_name(wn[: -len("_quantized")] if wn.endswith("_quantized") else wn)
            dq = [c for c in consumers.get(node.output[0], []) if c.op_type == "DequantizeLinear"]
            zp = dq[0].input[2] if dq and len(dq[0].input) > 2 else None
            out.setdefault(key, deq(wn, zp))
    # every remaining float initializer with a KModel-style name (biases, norms, alphas)
    for name, arr in init.items():
        if name.startswith(("/", "onnx::")) or name.endswith(("_scale", "_zero_point", "_quantized")):
            continue
        if arr.dtype != np.float32:
            continue
        key = _kmodel_name(name)
        out.setdefault(key, arr.astype(np.float32))
    return out


def _fold_weight_norm(sd: dict) -> dict:
    """weight_g/weight_v (or parametrizations.weight.original0/1) -> weight = g * v / ||v||."""
    out = {}
    pairs = {}
    for k, v in sd.items():
        for g_suf, v_suf in ((".weight_g", ".weight_v"),
                             (".parametrizations.weight.original0", ".parametrizations.weight.original1")):
            if k.endswith(g_suf):
                pairs.setdefault(k[: -len(g_suf)], {})["g"] = v
                break
            if k.endswith(v_suf):
                pairs.setdefault(k[: -len(v_suf)], {})["v"] = v
                break
        else:
            out[k] = v
    for base, gv in pairs.items():
        g, v = gv["g"].float(), gv["v"].float()
        norm = v.flatten(1).norm(dim=1).view(-1, *([1] * (v.dim() - 1)))
        out[base + ".weight"] = g * v / norm
    return out


def checkpoint_state_dict(pth: Path) -> dict:
    """The official kokoro-v1_0.pth ({'bert': sd, 'predictor': sd, ...}, keys maybe 'module.'-prefixed)."""
    import torch

    raw = torch.load(str(pth), map_location="cpu", weights_only=True)
    out = {}
    for part, sd in raw.items():
        sd = {(k[7:] if k.startswith("module.") else k): v for k, v in sd.items()}
        for k, v in _fold_weight_norm(sd).items():
            out[f"{part}.{k}"] = v
    fixed = {}
    for k, v in out.items():  # nn.LSTM(bidirectional) keys -> BiLSTM's fw / bw halves
        m = re.match(r"(.*)\.(weight_ih_l0|weight_hh_l0|bias_ih_l0|bias_hh_l0)(_reverse)?$", k)
        if m:
            k = f"{m.group(1)}.{'bw' if m.group(3) else 'fw'}.{m.group(2)}"
        fixed[k] = v
    return fixed


def load_into(model, source: Path) -> dict[str, list[str]]:
    """Fill `model` from an .onnx (shipped int8 export) or .pth (official checkpoint).

    Returns {'missing': [...], 'unexpected': [...]} (after dropping known-unused keys).
    """
    import torch

    source = Path(source)
    if source.suffix == ".onnx":
        sd = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in onnx_state_dict(source).items()}
    else:
        sd = checkpoint_state_dict(source)
    own = model.state_dict()
    # known extras: ALBERT pooler, position_ids buffers, instance-norm affines (unused: identity)
    sd = {k: v for k, v in sd.items() if k in own or not re.search(r"pooler|position_ids|\.norm\d?\.(weight|bias)$|"
                                                                   r"\.norm\.(weight|bias)$|stft", k)}
    unexpected = sorted(k for k in sd if k not in own)
    missing = sorted(k for k in own if k not in sd)
    bad = []
    for k, v in sd.items():
        if k in own:
            if tuple(own[k].shape) != tuple(v.shape):
                if [d for d in own[k].shape if d != 1] == [d for d in v.shape if d != 1]:
                    v = v.reshape(own[k].shape)
                else:
                    bad.append(f"{k}: {tuple(v.shape)} vs {tuple(own[k].shape)}")
                    continue
            own[k].copy_(v.to(own[k].dtype))
    if bad:
        raise ValueError("shape mismatch: " + "; ".join(bad[:10]))
    return {"missing": missing, "unexpected": unexpected}
