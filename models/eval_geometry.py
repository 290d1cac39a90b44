"""Geometry of the pack's volume against the ICT mesh on held-out (α, β): depth and silhouette
rendered with the same cameras (frontal, ±30° yaw), lip gap at jawOpen 0 / 0.5 / 1, a contact sheet.

    /usr/bin/python3 -m models.eval_geometry --pack models/packs/ict-base --out docs
"""
import argparse
import json
import os
import time

import numpy as np
import torch

from .colors import albedo, shaded
from .expressions import PRESETS, preset, sample
from .ict import NARROW_FACE, load_ict
from .mesh import ortho_front_z
from .pack import PackModel
from .render import Camera, VolumeRenderer, rasterise

MOTION_SHAPES = ("eyeBlink_L", "eyeBlink_R", "jawOpen", "mouthSmile_L", "mouthPucker")
TARGETS = {"face_depth_mae_mm": 1.5, "silhouette_iou": 0.97, "lip_gap_error_mm": 1.0}
SHEET = [("neutral", {}), ("smile", PRESETS["smile"]), ("jaw open", PRESETS["jaw_full"]), ("oh", PRESETS["oh"]),
         ("blink + brows up", {"eyeBlink~": 1.0, "browInnerUp~": 0.8, "browOuterUp~": 0.6}),
         ("left smile + sneer", None)]


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pack", default="models/packs/ict-base")
    p.add_argument("--ict")
    p.add_argument("--out", default="docs")
    p.add_argument("--pairs", type=int, default=50)
    p.add_argument("--size", type=int, default=80, help="image size (pixels)")
    p.add_argument("--lip-identities", type=int, default=5, help="identities for the lip-gap probe")
    p.add_argument("--seed", type=int, default=1234, help="held-out seed (training uses 0)")
    p.add_argument("--threads", type=int, default=2)
    return p.parse_args(argv)


def lip_gap(front_z, ys, lo, hi):
    """Height (cm) of the probe samples in [lo, hi] that pass > 1 cm behind the lips' front."""
    inside = (ys >= lo) & (ys <= hi)
    z = front_z[inside]
    deep = z < z.max() - 1.0
    return float(deep.sum()) * float(ys[1] - ys[0])


def surface_motion(model, ict, alphas, name, moved=0.5):
    """How far the backward map (the eyelid rig, where the pack has one, and w·Δx) moves the skin that one
    shape (weight 1) moves by more than `moved` cm: the median over those vertices of the map's offset
    projected on ICT's motion over that motion's length (1 = all the way, 0 = not at all), and the median
    error |offset − motion| in mm, over the identities `alphas`."""
    beta = torch.zeros(53)
    beta[ict.expression_names.index(name)] = 1.0
    skin = torch.arange(len(ict.neutral)) <= NARROW_FACE[1]
    ratios, errors = [], []
    for alpha in alphas:
        vc = ict.vertices(alpha[None])[0]
        vd = ict.vertices(alpha[None], beta[None])[0]
        true = vc - vd
        sel = skin & (true.norm(dim=-1) > moved)
        with torch.no_grad():
            pred = model.backward(vd[sel], alpha, beta, model.eyelid_rig(alpha)) - vd[sel]
        t = true[sel]
        ratios.append((pred * t).sum(-1) / (t * t).sum(-1))
        errors.append((pred - t).norm(dim=-1) * 10)
    return {"vertices": len(ratios[0]), "motion_ratio_median": round(float(torch.cat(ratios).median()), 3),
            "error_mm_median": round(float(torch.cat(errors).median()), 2)}


def main(argv=None):
    args = parse(argv)
    torch.set_num_threads(args.threads)
    t_start = time.time()
    model = PackModel(args.pack)
    A = model.pack["alphaDims"]
    ict = load_ict(args.ict, A)
    names = ict.expression_names
    keep = ~ict.triangle_mask(["eye_shells", "eyelashes"])
    tris = ict.triangles[keep]
    face_tri = (tris[:, 0] >= NARROW_FACE[0]) & (tris[:, 0] <= NARROW_FACE[1])
    renderer = VolumeRenderer(model)
    gen = torch.Generator().manual_seed(args.seed)
    alphas = torch.randn(args.pairs, A, generator=gen)
    betas = sample(names, args.pairs, gen)
    cams = {yaw: Camera(yaw, args.size) for yaw in (-30.0, 0.0, 30.0)}
    per_view = {yaw: {"depth": [], "iou": []} for yaw in cams}
    misses = []
    for i in range(args.pairs):
        renderer.prepare(alphas[i], betas[i])
        v = ict.vertices(alphas[i][None], betas[i][None])[0]
        for yaw, cam in cams.items():
            zm, tri, _ = rasterise(cam, v, tris)
            zv, _, _ = renderer.render(cam)
            mm, mv = torch.isfinite(zm), torch.isfinite(zv)
            per_view[yaw]["iou"].append(float((mm & mv).sum() / (mm | mv).sum()))
            misses.append(silhouette_misses(mm, mv))
            face = mm & mv & face_tri[tri.clamp(min=0)] & (tri >= 0)
            per_view[yaw]["depth"].append(float((zv[face] - zm[face]).abs().mean()) * 10)
        print("pair %d/%d  iou %.4f  depth %.2f mm  %.0fs" % (i + 1, args.pairs, per_view[0.0]["iou"][-1],
                                                             per_view[0.0]["depth"][-1], time.time() - t_start), flush=True)

    lm = ict.manifest["idx_to_landmark_verts"]
    ys = torch.arange(-9.0, 2.0, 0.02)
    origins = torch.stack([torch.zeros_like(ys), ys, torch.full_like(ys, 25.0)], 1)
    down = torch.tensor([0.0, 0.0, -1.0]).expand_as(origins)
    gap_err, gap_mesh = {}, {}
    for jaw in (0.0, 0.5, 1.0):
        errs, ref = [], []
        for i in range(min(args.lip_identities, args.pairs)):
            beta = torch.zeros(53)
            beta[names.index("jawOpen")] = jaw
            v = ict.vertices(alphas[i][None], beta[None])[0]
            lo, hi = float(v[lm[57], 1]) - 0.5, float(v[lm[51], 1]) + 0.5
            g_mesh = lip_gap(ortho_front_z(v, tris, origins[:, :2]), ys, lo, hi)
            renderer.prepare(alphas[i], beta)
            t, _, _ = renderer.march(origins, down)
            g_vol = lip_gap(25.0 - t, ys, lo, hi)
            errs.append(abs(g_vol - g_mesh) * 10)
            ref.append(g_mesh * 10)
        gap_err[jaw], gap_mesh[jaw] = float(np.mean(errs)), float(np.mean(ref))

    motion = {name: surface_motion(model, ict, alphas[:args.lip_identities], name) for name in MOTION_SHAPES}

    depth_all = [d for v in per_view.values() for d in v["depth"]]
    iou_all = [d for v in per_view.values() for d in v["iou"]]
    figures = {
        "pack": os.path.normpath(args.pack), "pairs": args.pairs, "imageSize": args.size, "seed": args.seed,
        "face_depth_mae_mm": float(np.mean(depth_all)),
        "silhouette_iou": float(np.mean(iou_all)),
        "lip_gap_error_mm": float(np.mean(list(gap_err.values()))),
        "per_view": {"%+d" % yaw: {"face_depth_mae_mm": float(np.mean(v["depth"])), "silhouette_iou": float(np.mean(v["iou"]))}
                     for yaw, v in per_view.items()},
        "silhouette_misses": {k: float(np.mean([m[k] for m in misses])) for k in misses[0]},
        "lip_gap": {"jawOpen %.1f" % j: {"error_mm": gap_err[j], "mesh_gap_mm": gap_mesh[j]} for j in gap_err},
        "surface_motion": motion,
        "targets": TARGETS, "seconds": round(time.time() - t_start),
    }
    os.makedirs(args.out, exist_ok=True)
    sheet = os.path.join(args.out, "eval-contact-sheet.png")
    contact_sheet(model, renderer, ict, tris, alphas[0], sheet)
    figures["contact_sheet"] = sheet
    with open(os.path.join(args.out, "eval-geometry.json"), "w") as f:
        json.dump(figures, f, indent=1)
    print(json.dumps(figures, indent=1))


def silhouette_misses(mesh, volume, base=0.2):
    """Where the silhouettes differ: pixels only the volume covers and only the mesh covers, the
    share of each in the lowest `base` of the mesh's rows (the neck's open end, capped in the
    ground truth), and the IoU above those rows."""
    rows = torch.nonzero(mesh.any(1))[:, 0]
    cut = int(rows.max()) + 1 - int(round(base * (int(rows.max()) - int(rows.min()) + 1)))
    volume_only, mesh_only = volume & ~mesh, mesh & ~volume
    above_m, above_v = mesh[:cut], volume[:cut]
    return {"volume_only_px": float(volume_only.sum()), "mesh_only_px": float(mesh_only.sum()),
            "volume_only_share_in_neck_base": float(volume_only[cut:].sum() / volume_only.sum().clamp(min=1)),
            "mesh_only_share_in_neck_base": float(mesh_only[cut:].sum() / mesh_only.sum().clamp(min=1)),
            "iou_above_neck_base": float((above_m & above_v).sum() / (above_m | above_v).sum())}


def contact_sheet(model, renderer, ict, tris, alpha, path, size=160, sheet=SHEET):
    """Expressions (title, preset spec) of one held-out identity: volume (top) above the ICT mesh (bottom), frontal."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = ict.expression_names
    base = albedo(ict)
    cam = Camera(0.0, size)
    fig, axes = plt.subplots(2, len(sheet), figsize=(2.2 * len(sheet), 5.0), dpi=100)
    for k, (title, spec) in enumerate(sheet):
        if spec is None:
            beta = preset(names, PRESETS["smile"], 1.0, "_L") + preset(names, PRESETS["sneer"], 1.0, "_L")
        else:
            beta = preset(names, spec)
        renderer.prepare(alpha, beta)
        _, _, img = renderer.render(cam)
        v = ict.vertices(alpha[None], beta[None])[0]
        _, tri, bary = rasterise(cam, v, tris)
        col = shaded(ict, v, base)
        mesh = torch.ones(size, size, 3)
        m = tri >= 0
        mesh[m] = (col[tris[tri[m]]] * bary[m][..., None]).sum(1)
        for row, im in enumerate((img, mesh)):
            ax = axes[row, k]
            ax.imshow(im.clamp(0, 1).numpy())
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(title, fontsize=9)
        if k == 0:
            axes[0, 0].set_ylabel("volume (pack)")
            axes[1, 0].set_ylabel("ICT mesh")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


if __name__ == "__main__":
    main()
