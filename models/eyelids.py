"""The eyelid rig: blinks as an analytic backward map, beside the learned field.

A closing upper lid slides over the eyeball, turning about the eye's lateral axis (ICT's eyeBlink
shapes keep each lid vertex's distance to that axis to about a millimetre). In canonical space the eye
is open, so a deformed point in front of the eye must find the lid above it: a jump the D-Net does not
learn at our sizes (docs/models.md, "Blinks"). The rig does it in closed form. Per eye, in the plane
across the lateral axis through the eyeball's centre, a point has an elevation e = atan2(y − c_y, z − c_z).
The upper lid (canonical e from the lid's front margin e_m up to e_m + span) turns down by
blink · θ · (1 − (e − e_m)/span), where θ is how far ICT's blink turns the margin, so at blink 1 the
margin lands where ICT's closed margin is; the backward map inverts that stretch, at the same distance
from the axis (so the canonical lid's thickness covers the eye), within `shell` of the eyeball's
surface (fading out between its two values). e_m and θ at the point's x are piecewise linear between
the margin's points, held beyond its ends, and θ fades to 0 over `taper` cm past the corners.

The pack stores what the rig needs for any identity, linear in α: per eye, the eyeball's centre and
radius (least squares over sphere fits of random identities), the margin's vertices (ICT is linear) and
their offsets when closed (ICT's blink shape, the same for every identity). `pack.json` → "eyelids"
(docs/formats.md).

    /usr/bin/python3 -m models.eyelids --pack models/packs/ict-base --version 1.2.0
"""
import argparse
import json
import math
import os

import numpy as np
import torch

from .export import save_amended_pack
from .ict import REGIONS, load_ict
from .mesh import boundary_loops
from .packcheck import check

EYES = (("eyeBlink_L", 1.0), ("eyeBlink_R", -1.0))  # _L is the subject's left, +x
MARGIN_POINTS = 9          # vertices per margin, corner to corner
OVERSHOOT_DEGREES = 3.0    # the closed margin goes this much past ICT's, so closed lids meet with no gap
INSET_DEGREES = 4.0        # a closing lid shows itself from this far above its margin (the rounded margin is thin)
PLATEAU_DEGREES = 4.0      # above the margin, the lid turns whole this far (ICT: ~4°)
SPAN_DEGREES = 24.0        # then its turn fades out linearly, to nothing this far above the margin (ICT: ~20–25°)
SHELL = (0.5, 0.9)         # cm beyond the eyeball's radius: full motion within the first, none beyond the second
TAPER = 0.3                # cm past the margin's ends over which the lid's turn fades out


def _sphere(points):
    """Least-squares sphere through points [N, 3]: centre [3], radius."""
    a = np.c_[2 * points, np.ones(len(points))]
    sol = np.linalg.lstsq(a, (points ** 2).sum(1), rcond=None)[0]
    c = sol[:3]
    return c, math.sqrt(sol[3] + c @ c)


def margin_vertices(ict, side, name):
    """The upper lid's front margin (MARGIN_POINTS ICT vertex indices, nasal to temporal corner): across the
    eye opening (the skin's boundary loop around the eye gives the corners' x), in evenly spaced bins of x,
    the lowest vertex in front of the eyeball that the blink `name` turns down by more than 8°."""
    tris = ict.triangles.numpy()
    skin = tris[(tris <= REGIONS["head"][1]).all(1)]
    v = ict.neutral.numpy().astype(np.float64)
    loops = [l for l in boundary_loops(skin) if len(l) < 100 and v[l, 0].mean() * side > 1.0 and v[l, 1].mean() > 0]
    if len(loops) != 1:
        raise ValueError("expected one eye opening in the skin on side %+d, found %d" % (side, len(loops)))
    centre, radius = eyeball_fit(ict, torch.zeros(1, ict.alpha_dims), side)
    face = np.arange(REGIONS["face"][1] + 1)
    rel = v[face] - centre[0]
    closed = rel + ict.expression[ict.expression_names.index(name)].numpy()[face]
    elevation = np.arctan2(rel[:, 1], rel[:, 2])
    turned = elevation - np.arctan2(closed[:, 1], closed[:, 2])
    lid = (rel[:, 2] > 0) & (np.linalg.norm(rel, axis=1) < radius[0] + SHELL[0]) & (turned > math.radians(8))
    x = rel[:, 0] * side  # nasal → temporal increasing
    corners = (v[loops[0], 0] - centre[0, 0]) * side
    out = []
    for t in np.linspace(corners.min(), corners.max(), MARGIN_POINTS):
        m = lid & (np.abs(x - t) < 0.15)
        if not m.any():
            raise ValueError("no lid vertex the blink turns at x = %.2f cm from the eye's centre" % t)
        out.append(int(face[np.argmin(np.where(m, elevation, np.inf))]))
    return np.array(out)


def eyeball_fit(ict, alphas, side):
    """Centre [B, 3] and radius [B] of one eyeball for identities α [B, A]."""
    lo, hi = REGIONS["eyeballs"]
    res = []
    for alpha in alphas:
        v = ict.vertices(alpha[None])[0, lo:hi + 1].numpy()
        c, r = _sphere(v[v[:, 0] * side > 0].astype(np.float64))
        res.append(np.r_[c, r])
    res = np.array(res)
    return res[:, :3], res[:, 3]


def _rounded(a, digits=5):
    """A nested list of a's values rounded to `digits` decimals (0.1 µm in ICT's cm; pack.json stays small)."""
    return np.round(np.asarray(a, dtype=np.float64), digits).tolist()


def basis(ict, samples=200, seed=0):
    """pack.json's "eyelids": per eye its expression, its eyeball's centre and radius as mean + identity rows,
    its margin's points as mean + identity rows and their offsets at blink 1."""
    A = ict.alpha_dims
    gen = torch.Generator().manual_seed(seed)
    alphas = torch.cat([torch.randn(samples, A, generator=gen), 3 * torch.eye(A), -3 * torch.eye(A)])
    design = np.c_[np.ones(len(alphas)), alphas.numpy()]
    eyes = []
    for name, side in EYES:
        centre, radius = eyeball_fit(ict, alphas, side)
        coef = np.linalg.lstsq(design, np.c_[centre, radius], rcond=None)[0]  # [1 + A, 4]
        resid = np.abs(design @ coef - np.c_[centre, radius]).max()
        idx = margin_vertices(ict, side, name)
        eyes.append({
            "expression": name,
            "centre": {"mean": _rounded(coef[0, :3]), "identity": _rounded(coef[1:, :3])},
            "radius": {"mean": round(float(coef[0, 3]), 5), "identity": _rounded(coef[1:, 3])},
            "margin": {"mean": _rounded(ict.neutral[idx]), "identity": _rounded(ict.identity[:, idx]),
                       "closedOffset": _rounded(ict.expression[ict.expression_names.index(name), idx])},
            "fitResidualCm": round(float(resid), 5),
        })
    return {"marginPoints": MARGIN_POINTS, "overshootDegrees": OVERSHOOT_DEGREES, "insetDegrees": INSET_DEGREES, "plateauDegrees": PLATEAU_DEGREES, "spanDegrees": SPAN_DEGREES, "shell": list(SHELL), "taper": TAPER, "eyes": eyes}


class EyelidRig:
    """The rig of a pack's "eyelids" for one identity α: `backward(xd, beta)` gives the canonical points."""

    def __init__(self, spec, alpha, expression_names):
        a = alpha.double()
        self.plateau, self.span = math.radians(spec["plateauDegrees"]), math.radians(spec["spanDegrees"])
        overshoot = math.radians(spec["overshootDegrees"])
        self.inset = math.radians(spec["insetDegrees"])
        self.shell, self.taper = spec["shell"], spec["taper"]
        f64 = lambda v: torch.tensor(v, dtype=torch.float64)
        self.eyes = []
        for eye in spec["eyes"]:
            c = f64(eye["centre"]["mean"]) + a @ f64(eye["centre"]["identity"])
            r = eye["radius"]["mean"] + float(a @ f64(eye["radius"]["identity"]))
            m = f64(eye["margin"]["mean"]) + torch.einsum("a,apc->pc", a, f64(eye["margin"]["identity"])) - c
            q = m + f64(eye["margin"]["closedOffset"])
            elevation = torch.atan2(m[:, 1], m[:, 2])
            turn = elevation - torch.atan2(q[:, 1], q[:, 2])
            order = torch.argsort(m[:, 0])
            self.eyes.append({"index": expression_names.index(eye["expression"]), "centre": c.float(), "radius": r,
                              "x": m[order, 0].float(), "elevation": elevation[order].float(),
                              "turn": (turn[order].clamp(min=0) + overshoot).float()})

    @staticmethod
    def _interp(x, xs, ys):
        """Piecewise-linear ys(x) over increasing xs, held beyond the ends."""
        i = torch.searchsorted(xs, x.clamp(float(xs[0]), float(xs[-1])).contiguous()).clamp(1, len(xs) - 1)
        f = ((x - xs[i - 1]) / (xs[i] - xs[i - 1]).clamp(min=1e-6)).clamp(0, 1)
        return ys[i - 1] + f * (ys[i] - ys[i - 1])

    def turn_and_margin(self, eye, p, b):
        """θ (how far the lid turns at its margin) and the margin's elevation e_m it turns from, at points p
        [N, 3] relative to the eye's centre, for blink b."""
        xs = eye["x"]
        beyond = torch.maximum(xs[0] - p[:, 0], p[:, 0] - xs[-1]).clamp(min=0)
        t = ((p.norm(dim=1) - eye["radius"] - self.shell[0]) / (self.shell[1] - self.shell[0])).clamp(0, 1)
        fade = (1 - t * t * (3 - 2 * t)) * (1 - beyond / self.taper).clamp(min=0)
        theta = b * (self._interp(p[:, 0], xs, eye["turn"]) + self.inset) * fade
        return theta, self._interp(p[:, 0], xs, eye["elevation"]) + b * self.inset * fade

    def backward(self, xd, beta):
        """Canonical points [N, 3] for deformed points xd [N, 3] (cm) under the blinks of β."""
        out = xd.clone()
        for eye in self.eyes:
            b = float(beta[eye["index"]])
            if b <= 0:
                continue
            p = xd - eye["centre"]
            theta, e_m = self.turn_and_margin(eye, p, b)
            e = torch.atan2(p[:, 1], p[:, 2])
            moved = (theta > 0) & (e >= e_m - theta) & (e <= e_m + self.span)
            k = theta / (self.span - self.plateau)
            ec = torch.where(e <= e_m + self.plateau - theta, e + theta, (e + k * (e_m + self.span)) / (1 + k))
            rho = torch.hypot(p[:, 1], p[:, 2])
            q = torch.stack([p[:, 0], rho * torch.sin(ec), rho * torch.cos(ec)], 1) + eye["centre"]
            out = torch.where(moved[:, None], q, out)
        return out


def lid_error(ict, spec, alphas, name="eyeBlink_L", turned_degrees=8.0):
    """How well the rig alone takes the closed upper lid back: for the skin vertices in front of the eye that
    `name` at 1 turns down by more than `turned_degrees` about the eye's axis, the median distance (mm) of
    the rig's canonical point from the vertex's neutral position, the share within 1 mm, and the median
    motion itself (the error with no rig), over identities α."""
    names = ict.expression_names
    beta = torch.zeros(53)
    beta[names.index(name)] = 1.0
    errs, base = [], []
    for alpha in alphas:
        rig = EyelidRig(spec, alpha, names)
        c = next(e["centre"] for e in rig.eyes if e["index"] == names.index(name))
        vc = ict.vertices(alpha[None])[0, :REGIONS["face"][1] + 1]
        vd = ict.vertices(alpha[None], beta[None])[0, :REGIONS["face"][1] + 1]
        p, q = vc - c, vd - c
        turn = torch.atan2(p[:, 1], p[:, 2]) - torch.atan2(q[:, 1], q[:, 2])
        sel = (p[:, 2] > 0) & (p.norm(dim=1) < 2.5) & (turn > math.radians(turned_degrees))
        errs.append((rig.backward(vd[sel], beta) - vc[sel]).norm(dim=1) * 10)
        base.append((vd[sel] - vc[sel]).norm(dim=1) * 10)
    e = torch.cat(errs)
    return {"vertices": len(e), "error_mm_median": round(float(e.median()), 2),
            "within_1mm": round(float((e <= 1).float().mean()), 3),
            "motion_mm_median": round(float(torch.cat(base).median()), 2)}


def fixture_points(ict, alpha, beta, count=256, seed=0):
    """Points for the parity fixture: ICT's skin around both eyes at β (the closed lids and what they cover)
    and random points in a box around each eye."""
    gen = torch.Generator().manual_seed(seed)
    v = ict.vertices(alpha[None], beta[None])[0, :REGIONS["face"][1] + 1]
    out = []
    for side in (1.0, -1.0):
        centre = torch.tensor([3.1 * side, 3.6, 8.0])
        near = v[(v - centre).norm(dim=1) < 2.2]
        out.append(near[torch.randperm(len(near), generator=gen)[:count // 4]])
        out.append(centre + (torch.rand(count // 4, 3, generator=gen) * 2 - 1) * torch.tensor([2.0, 2.0, 2.5]))
    return torch.cat(out)


def write_fixture(folder, pack, ict, seed=0):
    """fixtures/eyelids.json: α, β, deformed points and the rig's canonical points (float64 maths), with the
    points within 1e-4 rad of the rig's two edges (where float32 may fall on the other side) marked."""
    gen = torch.Generator().manual_seed(seed)
    alpha = torch.randn(pack["alphaDims"], generator=gen)
    beta = torch.zeros(53)
    names = ict.expression_names
    beta[names.index("eyeBlink_L")], beta[names.index("eyeBlink_R")] = 1.0, 0.6
    beta[names.index("jawOpen")] = 0.3
    xd = fixture_points(ict, alpha, beta, seed=seed).double()
    rig = EyelidRig(pack["eyelids"], alpha, names)
    for eye in rig.eyes:
        eye["centre"] = eye["centre"].double()
        for key in ("x", "elevation", "turn"):
            eye[key] = eye[key].double()
    xc = rig.backward(xd, beta)
    edge = torch.zeros(len(xd), dtype=torch.bool)
    for eye in rig.eyes:
        p = xd - eye["centre"]
        e = torch.atan2(p[:, 1], p[:, 2])
        theta, e_m = rig.turn_and_margin(eye, p, float(beta[eye["index"]]))
        for boundary in (e_m - theta, e_m + rig.plateau - theta, e_m + rig.span):
            edge |= (e - boundary).abs() < 1e-4
    with open(os.path.join(folder, "fixtures", "eyelids.json"), "w") as fh:
        json.dump({"alpha": alpha.tolist(), "beta": beta.tolist(), "points": xd.tolist(), "canonical": xc.tolist(),
                   "nearEdge": edge.tolist(), "tolerance": 1e-3}, fh)
    return int((xc - xd).norm(dim=1).gt(1e-6).sum())


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pack", default="models/packs/ict-base")
    p.add_argument("--ict")
    p.add_argument("--version", default="1.2.0")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    pack = check(args.pack)
    ict = load_ict(args.ict, pack["alphaDims"])
    pack["eyelids"] = basis(ict)
    save_amended_pack(args.pack, pack, args.version, "models.eyelids")
    moved = write_fixture(args.pack, pack, ict)
    print("fixtures/eyelids.json: %d points the rig moves" % moved)
    held_out = torch.randn(5, pack["alphaDims"], generator=torch.Generator().manual_seed(1234))
    print("pack %s %s: eyelids, sphere-fit residual %.3f cm, upper lid back to neutral: %s" % (
        args.pack, args.version, max(e["fitResidualCm"] for e in pack["eyelids"]["eyes"]),
        lid_error(ict, pack["eyelids"], held_out)))


if __name__ == "__main__":
    main()
