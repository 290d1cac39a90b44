"""Ground truth for the backward field, drawn on the fly: points in a shell around the deformed
surface map to the same barycentric point on the β = 0 mesh (same α), carried along the normal
by the same offset; far from anything that moves, Δx = 0 and w = 0. Options (docs/models.md,
"What was tried"): the eyeballs' shell left free where the deformed skin covers it (a closing lid),
so that the lid's motion can fill the eye's neighbourhood instead of being averaged with the
eyeball's Δx = 0; blinks added on top of a share of the expressions; shell samples boosted where
the drawn expression moves the surface, or around the seams (lids, lips) where a D-Net with a jump parts."""
import heapq
import math

import torch

from .encoding import CANONICAL_BOX
from .expressions import sample as sample_expressions
from .ict import REGIONS
from .mesh import face_normals, interpolate, ortho_front_z, sample_surface, vertex_normals

SHELL = 1.0          # cm: half-thickness of the shell around the deformed surface
STILL = 0.02         # cm: a vertex that moves less than this under every expression is static
FAR = 1.5            # cm: box points this far from every moving vertex get Δx = 0
SAME = 0.2           # cm: a nearer vertex whose motion differs from the sample's surface by more is another surface
APART = 0.8          # cm: surfaces whose motions differ by more are blended by distance between them
SURE = 0.05          # cm: closer than this to the nearest vertex, inside/outside is left unlabelled
COVERED = 0.1        # cm: an eyeball point this far behind the deformed skin's front (along −z) is covered
MAX_CANDIDATES = 6000
# Zones where surfaces that move differently come close (lips, teeth, tongue; lids over the eyeballs), as
# (landmarks, margin below/above per axis in cm): there the shell targets are checked against the nearest
# surface and extra points are drawn in the zone's box, labelled inside/outside the deformed mesh.
ZONES = {
    "mouth": (list(range(48, 68)), ((1.0, 2.5, 5.0), (1.0, 1.0, 1.5))),
    "eye_L": (list(range(36, 42)), ((1.0, 1.8, 2.0), (1.0, 1.8, 1.5))),
    "eye_R": (list(range(42, 48)), ((1.0, 1.8, 2.0), (1.0, 1.8, 1.5))),
}


# Seams where the backward field jumps (models/deformation.py): each eye's lid opening and the lips' line, as
# (landmarks on the upper side, on the lower side, radius in cm of the skin labelled around them, ambiguity margin).
SEAMS = {"eye_R": ((37, 38), (40, 41), 1.5, 0.2), "eye_L": ((43, 44), (46, 47), 1.5, 0.2),
         "mouth": ((61, 62, 63), (65, 66, 67), 2.5, 0.3)}


def geodesic(n, edges, lengths, sources):
    """Shortest distance along the edges [E, 2] (lengths [E]) from the nearest of `sources` to each of n vertices."""
    adjacency = [[] for _ in range(n)]
    for (a, b), length in zip(edges.tolist(), lengths.tolist()):
        adjacency[a].append((b, length))
        adjacency[b].append((a, length))
    dist = [math.inf] * n
    heap = [(0.0, s) for s in sources]
    for _, s in heap:
        dist[s] = 0.0
    while heap:
        d, v = heapq.heappop(heap)
        if d > dist[v]:
            continue
        for u, length in adjacency[v]:
            if d + length < dist[u]:
                dist[u] = d + length
                heapq.heappush(heap, (d + length, u))
    return torch.tensor(dist)


def seam_sides(ict, skin_tris):
    """Per vertex: 1 on the upper side of a seam (upper lid, upper lip), 0 on the lower side, −1 elsewhere: the
    nearer side along the skin (neutral mean face), within each seam's radius, unless both sides are about as
    near (the corners). Along the skin the lips meet only at the corners, as the lids do, so the inner lips
    are told apart where their height is not."""
    lm = ict.manifest["idx_to_landmark_verts"]
    edges = torch.cat([skin_tris[:, [0, 1]], skin_tris[:, [1, 2]], skin_tris[:, [2, 0]]]).sort(1).values.unique(dim=0)
    lengths = (ict.neutral[edges[:, 0]] - ict.neutral[edges[:, 1]]).norm(dim=-1)
    side = torch.full((len(ict.neutral),), -1.0)
    for upper, lower, radius, margin in SEAMS.values():
        du = geodesic(len(ict.neutral), edges, lengths, [lm[i] for i in upper])
        dl = geodesic(len(ict.neutral), edges, lengths, [lm[i] for i in lower])
        near = torch.minimum(du, dl) < radius
        side[near & (du < dl - margin)] = 1.0
        side[near & (dl < du - margin)] = 0.0
    return side


class DeformationData:
    def __init__(self, ict, rendered_mask, zone_points=0, free_covered_eyes=False, blink_rate=0.0, moved_boost=0.0,
                 seam_boost=0.0):
        self.ict = ict
        self.tris = ict.triangles[rendered_mask]
        first = self.tris[:, 0]
        in_region = lambda name: (first >= REGIONS[name][0]) & (first <= REGIONS[name][1])
        self.eyeball_tri = in_region("eyeballs") if free_covered_eyes else None
        self.skin_tris = self.tris[in_region("face")]
        mobility = ict.expression.norm(dim=-1).max(0).values          # [V] cm, largest single-shape move
        self.mobile = (mobility > STILL).float()[:, None]
        self.tri_mobility = mobility[self.tris].mean(1)
        self.zone_points = zone_points
        self.blink_rate = blink_rate
        self.moved_boost = moved_boost
        self.seam_boost = seam_boost
        self.rendered_vertex = torch.zeros(len(ict.neutral), dtype=torch.bool)
        self.rendered_vertex[self.tris.reshape(-1)] = True
        lm = ict.manifest["idx_to_landmark_verts"]
        self.zones = [(torch.tensor([lm[i] for i in idx]), torch.tensor(m[0]), torch.tensor(m[1]))
                      for idx, m in ZONES.values()]
        side = seam_sides(ict, self.skin_tris)[self.tris]
        self.tri_side = torch.where((side == side[:, :1]).all(1), side[:, 0], torch.tensor(-1.0))

    def zone_boxes(self, vd, vc):
        """Per zone (lo, hi) around its landmarks in the deformed and the canonical mesh."""
        out = []
        for idx, below, above in self.zones:
            pts = torch.cat([vd[idx], vc[idx]])
            out.append((pts.min(0).values - below, pts.max(0).values + above))
        return out

    def check_zones(self, x, sdx, vd, vc, nd, boxes, gen):
        """Nearest-surface check of points x [N, 3] that lie in a zone: inside/outside label from the nearest
        deformed vertex (1 inside, 0 outside, −1 unknown) and, where that vertex belongs to a surface that
        moves differently from the point's own (sdx [N, 3], NaN = none), the target Δx of that vertex."""
        occ = torch.full((len(x),), -1.0)
        dx = sdx.clone()
        for lo, hi in boxes:
            q = ((x >= lo) & (x <= hi)).all(1) & (occ < -0.5)
            if not q.any():
                continue
            cand = ((vd >= lo - 0.5) & (vd <= hi + 0.5)).all(1) & self.rendered_vertex
            ci = cand.nonzero()[:, 0]
            if len(ci) > MAX_CANDIDATES:
                ci = ci[torch.randperm(len(ci), generator=gen)[:MAX_CANDIDATES]]
            qi = q.nonzero()[:, 0]
            dists = torch.cdist(x[qi], vd[ci])                           # [Q, C]
            d1, k1 = dists.min(1)
            v = ci[k1]
            side = ((x[qi] - vd[v]) * nd[v]).sum(-1)
            occ[qi] = torch.where(d1 < SURE, torch.tensor(-1.0), (side < 0).float())
            # The motion of the nearest surface, blended linearly by distance with the nearest surface that
            # moves differently (between the lips of an open mouth: from one lip's motion to the other's).
            motion = vc[ci] - vd[ci]
            m1 = motion[k1]
            differs = (motion[None] - m1[:, None]).norm(dim=-1) > APART
            d2, k2 = torch.where(differs, dists, torch.full_like(dists, float("inf"))).min(1)
            t = torch.where(torch.isfinite(d2), d1 / (d1 + d2), torch.zeros_like(d1))[:, None]
            vdx = (1 - t) * m1 + t * motion[k2]
            other = torch.isnan(sdx[qi, 0]) | ((vdx - sdx[qi]).norm(dim=-1) > SAME)
            dx[qi] = torch.where(other[:, None], vdx, sdx[qi])
        return occ, dx

    def alphas(self, n, gen):
        """α ~ N(0, 1), one in five with one mode pushed to ±3."""
        a = torch.randn(n, self.ict.alpha_dims, generator=gen)
        push = torch.rand(n, generator=gen) < 0.2
        k = torch.randint(min(6, self.ict.alpha_dims), (n,), generator=gen)
        sign = torch.where(torch.rand(n, generator=gen) < 0.5, -3.0, 3.0)
        a[push, k[push]] = sign[push]
        return a

    def batch(self, n_pairs, n_shell, n_box, gen, beta=None):
        """x_d [P, N, 3], Δx [P, N, 3] (NaN = no target), w target [P, N] (−1 = no label), α [P, A], β [P, 53]
        (drawn, or the given [P, 53]), deformed occupancy [P, N] (with zone points: 1 inside, 0 outside;
        −1 unlabelled), seam side [P, N] of the surface a point was drawn from (`seam_sides`, −1 elsewhere and
        where there is no target; draws nothing from `gen`)."""
        ict = self.ict
        alpha = self.alphas(n_pairs, gen)
        if beta is None:
            beta = sample_expressions(ict.expression_names, n_pairs, gen, self.blink_rate)
        vc = ict.vertices(alpha)
        vd = vc + torch.einsum("be,evc->bvc", beta, ict.expression)
        nc, nd = vertex_normals(vc, self.tris), vertex_normals(vd, self.tris)
        xs, dxs, ws, occs, sides = [], [], [], [], []
        lo, hi = torch.tensor(CANONICAL_BOX[0]), torch.tensor(CANONICAL_BOX[1])
        for p in range(n_pairs):
            area = face_normals(vd[p], self.tris).norm(dim=-1)
            # Denser where anything can move (and, boosted, where this expression moves it: a lid is a small target).
            weight = 0.3 + 5.0 * self.tri_mobility.clamp(max=1)
            if self.moved_boost > 0:
                weight = weight + self.moved_boost * (vd[p] - vc[p]).norm(dim=-1)[self.tris].mean(1).clamp(max=1)
            if self.seam_boost > 0:
                weight = weight + self.seam_boost * (self.tri_side >= 0).float()
            idx, bary = sample_surface(n_shell, area * weight, gen)
            d = torch.where(torch.rand(n_shell, generator=gen) < 0.5,
                            0.3 * torch.randn(n_shell, generator=gen),
                            SHELL * (2 * torch.rand(n_shell, generator=gen) - 1))[:, None]
            sd = interpolate(vd[p], self.tris, idx, bary)
            sc = interpolate(vc[p], self.tris, idx, bary)
            ndp = torch.nn.functional.normalize(interpolate(nd[p], self.tris, idx, bary), dim=-1)
            ncp = torch.nn.functional.normalize(interpolate(nc[p], self.tris, idx, bary), dim=-1)
            xd = sd + d * ndp
            dx = sc + d * ncp - xd
            w_shell = (interpolate(self.mobile, self.tris, idx, bary)[:, 0] > 0.5).float()
            if self.eyeball_tri is not None:
                # Under a closed (or closing) lid the eyeball cannot be seen: its points get no target.
                eye = self.eyeball_tri[idx].nonzero()[:, 0]
                if len(eye):
                    covered = ortho_front_z(vd[p], self.skin_tris, sd[eye, :2]) > sd[eye, 2] + COVERED
                    dx[eye[covered]] = float("nan")
                    w_shell[eye[covered]] = -1.0
            # Box points: labelled static only when far from every vertex that moves in this pair.
            xb = lo + (hi - lo) * torch.rand(n_box, 3, generator=gen)
            moving = vd[p][(vd[p] - vc[p]).norm(dim=-1) > STILL]
            mobile_pts = vd[p][self.mobile[:, 0] > 0]
            far = torch.cdist(xb, moving[::4]).min(1).values > FAR if len(moving) else torch.ones(n_box, dtype=torch.bool)
            far_mobile = torch.cdist(xb, mobile_pts[::4]).min(1).values > FAR
            xb = xb[far]
            wb = torch.where(far_mobile[far], 0.0, -1.0)
            occ_b = torch.full((len(xb),), -1.0)
            if self.zone_points:
                # Shell points near another surface take that surface's motion; extra points fill the zones
                # (the open mouth, the lids) with inside/outside labels only (their Δx target is NaN).
                boxes = self.zone_boxes(vd[p], vc[p])
                per = self.zone_points // len(boxes)
                xz = torch.cat([lo + (hi - lo) * torch.rand(per, 3, generator=gen) for lo, hi in boxes])
                occ, dxz = self.check_zones(torch.cat([xd, xz]), torch.cat([dx, torch.full_like(xz, float("nan"))]),
                                            vd[p], vc[p], nd[p], boxes, gen)
                dx, dz = dxz[:n_shell], torch.full_like(xz, float("nan"))
                xd = torch.cat([xd, xz])
                dx = torch.cat([dx, dz])
                w_shell = torch.cat([w_shell, torch.full((len(xz),), -1.0)])
                occ_s = occ
            else:
                occ_s = torch.full((len(xd),), -1.0)
            side = torch.cat([self.tri_side[idx], torch.full((len(xd) - n_shell,), -1.0)])
            sides.append(torch.cat([torch.where(torch.isnan(dx[:, 0]), torch.tensor(-1.0), side), torch.full((len(xb),), -1.0)]))
            xs.append(torch.cat([xd, xb]))
            dxs.append(torch.cat([dx, torch.zeros_like(xb)]))
            ws.append(torch.cat([w_shell, wb]))
            occs.append(torch.cat([occ_s, occ_b]))
        n = min(len(x) for x in xs)
        stack = lambda t: torch.stack([v[:n] for v in t])
        return stack(xs), stack(dxs), stack(ws), alpha, beta, stack(occs), stack(sides)
