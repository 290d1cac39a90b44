"""Realistic expression weights β: visemes, smiles, blinks, brows, jaw up to fully open,
asymmetric single-sided shapes and sparse random mixes."""
import torch

# name → weight; `~` marks a shape mirrored to both sides (_L and _R).
PRESETS = {
    "aa": {"jawOpen": 0.8, "mouthLowerDown~": 0.3, "mouthUpperUp~": 0.1},
    "oh": {"jawOpen": 0.45, "mouthFunnel": 0.6},
    "uw": {"mouthPucker": 0.85, "jawOpen": 0.12, "mouthFunnel": 0.2},
    "ee": {"mouthStretch~": 0.5, "jawOpen": 0.25, "mouthSmile~": 0.25},
    "ih": {"jawOpen": 0.3, "mouthStretch~": 0.25},
    "mbp": {"mouthPress~": 0.6, "mouthRollLower": 0.2, "mouthRollUpper": 0.2},
    "fv": {"mouthRollLower": 0.6, "mouthUpperUp~": 0.3, "jawOpen": 0.08},
    "th": {"jawOpen": 0.2, "mouthShrugUpper": 0.2},
    "smile": {"mouthSmile~": 0.9, "cheekSquint~": 0.4, "eyeSquint~": 0.2},
    "open_smile": {"mouthSmile~": 0.8, "jawOpen": 0.35, "cheekSquint~": 0.3},
    "frown": {"mouthFrown~": 0.7, "browDown~": 0.5, "mouthShrugLower": 0.3},
    "blink": {"eyeBlink~": 1.0},
    "surprise": {"browInnerUp~": 0.8, "browOuterUp~": 0.7, "eyeWide~": 0.6, "jawOpen": 0.5},
    "jaw_full": {"jawOpen": 1.0},
    "jaw_half": {"jawOpen": 0.5},
    "sneer": {"noseSneer~": 0.7, "mouthUpperUp~": 0.4},
    "puff": {"cheekPuff~": 0.8, "mouthClose": 0.0},
    "jaw_side": {"jawLeft": 0.6, "jawOpen": 0.2},
}


def preset(names, spec, scale=1.0, side=None):
    """β for a preset; side '_L' or '_R' keeps only that side of the mirrored shapes."""
    beta = torch.zeros(len(names))
    for key, w in spec.items():
        sides = ("_L", "_R") if key.endswith("~") else ("",)
        for s in sides:
            if side and s and s != side:
                continue
            name = key.rstrip("~") + s
            if name in names:
                beta[names.index(name)] = w * scale
    return beta


def sample(names, n, gen, blink_rate=0.0):
    """n expression vectors [n, 53] in [0, 1]: presets (scaled, sometimes one-sided) plus random extras,
    a blink on top of a `blink_rate` share of them."""
    keys = list(PRESETS)
    out = torch.zeros(n, len(names))
    for i in range(n):
        r = torch.rand(4, generator=gen)
        if r[0] < 0.75:
            key = keys[int(torch.randint(len(keys), (1,), generator=gen))]
            side = None if r[1] < 0.7 else ("_L" if r[1] < 0.85 else "_R")
            out[i] = preset(names, PRESETS[key], 0.3 + 0.8 * float(r[2]), side)
        extra = int(torch.randint(0, 4, (1,), generator=gen))
        for j in torch.randint(len(names), (extra,), generator=gen):
            out[i, j] += 0.6 * float(torch.rand(1, generator=gen))
        if r[3] < 0.25:
            out[i, names.index("jawOpen")] = float(torch.rand(1, generator=gen))
        b = torch.rand(3, generator=gen) if blink_rate > 0 else torch.ones(3)
        if b[0] < blink_rate:
            # A blink over whatever else the face does (speech blinks too), sometimes one-sided.
            for s in ("_L", "_R") if b[1] < 0.7 else (("_L",) if b[1] < 0.85 else ("_R",)):
                out[i, names.index("eyeBlink" + s)] += 0.3 + 0.7 * float(b[2])
    out = out.clamp(0, 1)
    close, jaw = names.index("mouthClose"), names.index("jawOpen")
    out[:, close] = torch.minimum(out[:, close], out[:, jaw])      # lips may only close over an open jaw
    return out
