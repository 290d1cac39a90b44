/**
 * The stretch carve as the evaluation computes it (`models/stretch_carve.py`, used by `models.eval_geometry`'s
 * renderer) equals the runtime's (the CPU reference of shaders/stretchCarve.wgsl, which the GPU kernel test
 * holds the WGSL to) on the same baked field: a smooth field over the bake grid of a box, whose det J spans
 * the thresholds.
 */
import { spawnSync } from "node:child_process";
import { type ModelPack } from "../../plugin/pack/modelPack";
import { StretchKept } from "../reference/volumeReference";

const PYTHON = "/usr/bin/python3"; // Debian's interpreter: the only one that sees python3-torch

const script = `
import json, torch
from models.stretch_carve import bake_centres, bake_dims, kept
box = ((-3.0, -4.0, -2.0), (3.0, 2.0, 5.0))
x = bake_centres(box)
disp = torch.stack([0.8 * torch.sin(0.9 * x[..., 1]), -0.1 * (x[..., 1] + 4) ** 2 + 0.3 * torch.cos(x[..., 0]), 0.1 * x[..., 0] * x[..., 2]], -1)
k = kept(disp, box, 0.5, 0.9)
flat = lambda t: t.permute(2, 1, 0, *range(3, t.dim())).reshape(-1).tolist()   # x fastest, as the GPU's texels
print(json.dumps({"dims": bake_dims(box), "box": box, "disp": flat(disp), "kept": flat(k)}))
`;

test("models/stretch_carve.py keeps what the runtime's stretch carve keeps", () => {
    const run = spawnSync(PYTHON, ["-c", script], { encoding: "utf8", timeout: 60_000, cwd: process.cwd() });
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as { dims: number[]; box: number[][]; disp: number[]; kept: number[] };
    expect(out.dims).toEqual([10, 10, 12]); // ceil(size / 0.6 cm) texels per axis, as the runtime bakes
    const n = out.dims[0] * out.dims[1] * out.dims[2];
    const primary = new Float32Array(4 * n);
    for (let i = 0; i < n; i++) {
        primary.set(out.disp.slice(3 * i, 3 * i + 3), 4 * i);
    }
    const pack = { deformationJumpSharpness: null, stretchCarve: { from: 0.5, to: 0.9 } } as unknown as ModelPack;
    const want = StretchKept(pack, primary, new Float32Array(4 * n), out.dims, out.box[0], out.box[1]);
    const errors = out.kept.map((v, i) => Math.abs(v - want[i]));
    expect(Math.max(...errors)).toBeLessThan(1e-4);
    expect(Math.min(...out.kept)).toBeLessThan(0.05);
    expect(Math.max(...out.kept)).toBeGreaterThan(0.95);
});
