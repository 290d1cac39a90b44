/**
 * The backward field's ground truth (`models/deformation_data.py`) around a closing lid: eyeball points
 * that the deformed skin covers get no Δx target with `--free-covered-eyes` (so the lid's motion may
 * fill the eye behind it), visible ones keep Δx = 0; without it every target is kept. And the seam sides
 * that teach a jump D-Net's selector where the lids and lips part.
 */
import { spawnSync } from "node:child_process";

const PYTHON = "/usr/bin/python3"; // Debian's interpreter: the only one that sees python3-torch

const script = `
import json, torch
from models.ict import load_ict, REGIONS
from models.deformation_data import DeformationData
from models.expressions import preset
ict = load_ict(None, 4)
names = ict.expression_names
mask = ~ict.triangle_mask(["eye_shells", "eyelashes"])
lo, hi = REGIONS["eyeballs"]
out = {}
for free in (True, False):
    data = DeformationData(ict, mask, 0, free)
    for key, spec in (("open", {}), ("closed", {"eyeBlink~": 1.0})):
        gen = torch.Generator().manual_seed(3)
        beta = preset(names, spec)[None].repeat(2, 1)
        xd, dx, wt, alpha, _, _, _ = data.batch(2, 40000, 64, gen, beta)
        # Eyeball shell points: within the eyeballs' radius of their centres, in front of the centres.
        nan = torch.isnan(dx[..., 0])
        counts = []
        for p in range(2):
            eye = ict.vertices(alpha[p:p + 1], beta[p:p + 1])[0, lo:hi + 1]
            centres = torch.stack([eye[eye[:, 0] > 0].mean(0), eye[eye[:, 0] < 0].mean(0)])
            inside = (torch.cdist(xd[p], centres).min(1).values < 1.3) & (xd[p, :, 2] > centres[:, 2].min())
            counts.append([int((nan[p] & inside).sum()), int((wt[p] < 0)[nan[p]].all()), int(inside.sum())])
        out["%s-%s" % ("free" if free else "keep", key)] = counts
print(json.dumps(out))
`;

test("with --free-covered-eyes, covered eyeball points get no target", () => {
    const run = spawnSync(PYTHON, ["-c", script], { encoding: "utf8", timeout: 110_000, cwd: process.cwd() });
    expect(run.stderr.split("\n").filter((l) => /Error|Traceback/.test(l))).toEqual([]);
    expect(run.status).toBe(0);
    // Per pair: [points without a Δx target, whether those also have no w label (1), shell points in front of the eyes].
    const out = JSON.parse(run.stdout.trim().split("\n").pop()!) as Record<string, Array<[number, number, number]>>;
    for (let p = 0; p < 2; p++) {
        const [closedFree, closedUnlabelled, near] = out["free-closed"][p];
        const [openFree] = out["free-open"][p];
        expect(near).toBeGreaterThan(50);
        expect(closedUnlabelled).toBe(1);
        expect(closedFree).toBeGreaterThan(20); // the closed lid covers the eyes' fronts: free
        expect(closedFree).toBeGreaterThan(1.3 * openFree); // open, only what the lids cover at rest (about half) is free
        expect(out["keep-open"][p][0]).toBe(0);
        expect(out["keep-closed"][p][0]).toBe(0);
    }
}, 120_000);

const seamScript = `
import json, torch
from models.ict import load_ict, REGIONS
from models.deformation_data import DeformationData, seam_sides
from models.expressions import preset
ict = load_ict(None, 4)
lm = ict.manifest["idx_to_landmark_verts"]
data = DeformationData(ict, ~ict.triangle_mask(["eye_shells", "eyelashes"]))
side = seam_sides(ict, data.skin_tris)
out = {"landmarks": {str(i): side[lm[i]].item() for i in (37, 38, 40, 41, 43, 44, 46, 47, 61, 62, 63, 65, 66, 67, 60, 64, 30, 8)}}
# At a full blink, labelled shell points of the upper side move up (their canonical target is the open upper
# lid above them), those of the lower side barely move.
gen = torch.Generator().manual_seed(5)
beta = preset(ict.expression_names, {"eyeBlink~": 1.0})[None].repeat(2, 1)
xd, dx, wt, alpha, _, _, sides = data.batch(2, 20000, 64, gen, beta)
moved = lambda v: float(dx[sides == v][:, 1].abs().mean())
out["upper_dy"], out["lower_dy"] = moved(1.0), moved(0.0)
out["labelled"] = int((sides >= 0).sum())
print(json.dumps(out))
`;

test("seam sides: upper lids and upper lip are 1, lower ones 0, corners and far skin unlabelled; a blink moves the upper side", () => {
    const run = spawnSync(PYTHON, ["-c", seamScript], { encoding: "utf8", timeout: 110_000, cwd: process.cwd() });
    expect(run.stderr.split("\n").filter((l) => /Error|Traceback/.test(l))).toEqual([]);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout.trim().split("\n").pop()!) as { landmarks: Record<string, number>; upper_dy: number; lower_dy: number; labelled: number };
    for (const i of [37, 38, 43, 44, 61, 62, 63]) {
        expect(out.landmarks[i]).toBe(1);
    }
    for (const i of [40, 41, 46, 47, 65, 66, 67]) {
        expect(out.landmarks[i]).toBe(0);
    }
    // Mouth corners are as near to both lips; the nose tip and the chin are far from every seam.
    for (const i of [60, 64, 30, 8]) {
        expect(out.landmarks[i]).toBe(-1);
    }
    expect(out.labelled).toBeGreaterThan(200);
    expect(out.upper_dy).toBeGreaterThan(0.1);
    expect(out.upper_dy).toBeGreaterThan(5 * out.lower_dy);
}, 120_000);
