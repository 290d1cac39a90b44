/**
 * `models.eval_geometry`'s silhouette breakdown (which pixels only the volume covers, which only the mesh, how many
 * of the latter lie in the neck's open end, the IoU above it), on masks whose answer is known.
 */
import { spawnSync } from "node:child_process";

const PYTHON = "/usr/bin/python3"; // Debian's interpreter: the only one that sees python3-torch

const script = `
import json, torch
from models.eval_geometry import silhouette_misses
mesh = torch.zeros(20, 12, dtype=torch.bool)
mesh[5:15, 2:10] = True                 # rows 5-14: the lowest fifth is rows 13-14
volume = mesh.clone()
volume[13:15, 2:4] = False              # 4 mesh-only pixels in the neck base
volume[7, 2] = False                    # 1 mesh-only pixel above it
volume[4, 5:7] = True                   # 2 volume-only pixels above the neck base
volume[15, 3] = True                    # and 1 in it
print(json.dumps(silhouette_misses(mesh, volume)))
`;

test("eval_geometry splits the silhouette's misses into volume-only, mesh-only and the neck base's share", () => {
    const run = spawnSync(PYTHON, ["-c", script], { encoding: "utf8", timeout: 60_000, cwd: process.cwd() });
    expect(run.stderr).not.toMatch(/Traceback/);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as Record<string, number>;
    expect(out.volume_only_px).toBe(3);
    expect(out.volume_only_share_in_neck_base).toBeCloseTo(1 / 3, 6);
    expect(out.mesh_only_px).toBe(5);
    expect(out.mesh_only_share_in_neck_base).toBeCloseTo(4 / 5, 6);
    // Above row 13: the mesh has 8 × 8 = 64 pixels, the volume 63 of them and 2 more.
    expect(out.iou_above_neck_base).toBeCloseTo(63 / 66, 6);
});
