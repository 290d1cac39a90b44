"""Mesh helpers: normals, area sampling, connected parts and the caps that close them."""
import math
from collections import defaultdict

import numpy as np
import torch


def face_normals(v, tris):
    """Unnormalised triangle normals (length = 2 × area) for v [..., V, 3]."""
    a, b, c = v[..., tris[:, 0], :], v[..., tris[:, 1], :], v[..., tris[:, 2], :]
    return torch.cross(b - a, c - a, dim=-1)


def vertex_normals(v, tris):
    """Area-weighted unit vertex normals for v [B, V, 3]."""
    fn = face_normals(v, tris)
    vn = torch.zeros_like(v)
    for k in range(3):
        vn.index_add_(1, tris[:, k], fn)
    return torch.nn.functional.normalize(vn, dim=-1, eps=1e-12)


def sample_surface(n, areas, generator=None):
    """n triangle indices (∝ areas) and barycentric weights [n, 3]."""
    idx = torch.multinomial(areas, n, replacement=True, generator=generator)
    r1 = torch.rand(n, generator=generator).sqrt()
    r2 = torch.rand(n, generator=generator)
    bary = torch.stack([1 - r1, r1 * (1 - r2), r1 * r2], dim=-1)
    return idx, bary


def interpolate(values, tris, idx, bary):
    """Barycentric interpolation of per-vertex values [..., V, K] at (idx, bary)."""
    t = tris[idx]
    return sum(values[..., t[:, k], :] * bary[:, k:k + 1] for k in range(3))


def ortho_front_z(verts, tris, xy):
    """Largest z where rays along −z through xy [N, 2] meet the mesh (−inf on a miss)."""
    p = verts[tris]
    lo, hi = xy.min(0).values, xy.max(0).values
    near = ((p[..., :2].min(1).values <= hi) & (p[..., :2].max(1).values >= lo)).all(1)
    p = p[near]
    if len(p) == 0:
        return torch.full((len(xy),), -math.inf)
    a, b, c = p[:, 0, :2], p[:, 1, :2], p[:, 2, :2]
    d1, d2 = b - a, c - a
    det = d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0]
    r = xy[:, None] - a[None]
    u = (r[..., 0] * d2[:, 1] - r[..., 1] * d2[:, 0]) / det
    v = (d1[:, 0] * r[..., 1] - d1[:, 1] * r[..., 0]) / det
    hit = (u >= 0) & (v >= 0) & (u + v <= 1) & (det.abs() > 1e-12)
    z = p[:, 0, 2] + u * (p[:, 1, 2] - p[:, 0, 2]) + v * (p[:, 2, 2] - p[:, 0, 2])
    return torch.where(hit, z, torch.tensor(-math.inf)).max(1).values


def components(tris, nv):
    """Connected-component label of every triangle (vertex union-find)."""
    parent = np.arange(nv)

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b, c in tris:
        ra = find(a)
        parent[find(b)] = ra
        parent[find(c)] = ra
    roots = np.array([find(t[0]) for t in tris])
    return np.unique(roots, return_inverse=True)[1]


def boundary_loops(tris):
    """Vertex loops along the edges used by a single triangle."""
    edges = np.sort(np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]]), 1)
    uniq, cnt = np.unique(edges, axis=0, return_counts=True)
    adj = defaultdict(list)
    for a, b in uniq[cnt == 1]:
        adj[a].append(b)
        adj[b].append(a)
    loops, seen = [], set()
    for start in adj:
        if start in seen:
            continue
        loop, cur = [start], start
        seen.add(start)
        while True:
            nxt = [x for x in adj[cur] if x not in seen]
            if not nxt:
                break
            cur = nxt[0]
            seen.add(cur)
            loop.append(cur)
        loops.append(np.array(loop))
    return loops


class Parts:
    """Closed parts for the inside test: groups of triangles whose members do not overlap,
    each open loop capped by a fan to an extra vertex at the loop's centroid."""

    def __init__(self, ict):
        tris = ict.triangles.numpy()
        nv = ict.neutral.shape[0]
        keep = ~ict.triangle_mask(["eye_shells", "eyelashes"]).numpy()
        comp = components(tris, nv)
        first = tris[:, 0]
        self.loops = []          # vertex index arrays; cap vertex = nv + loop number
        groups = defaultdict(list)
        eye_comps = []
        for c in np.unique(comp[keep]):
            sel = np.where(comp == c)[0]
            v0 = first[sel[0]]
            if v0 >= 21451:
                eye_comps.append((v0, sel))
                continue
            name = "skin" if v0 <= 14061 else "gums_tongue" if v0 <= 17038 else "teeth"
            groups[name].append(tris[sel])
            for loop in boundary_loops(tris[sel]):
                cap = nv + len(self.loops)
                self.loops.append(loop)
                groups[name].append(np.stack([loop, np.roll(loop, -1), np.full_like(loop, cap)], 1))
        # Eyeballs come as two nested shells per eye: alternate them into two groups.
        for i, (_, sel) in enumerate(sorted(eye_comps, key=lambda e: e[0])):
            groups["eyes_%d" % (i % 2)].append(tris[sel])
        self.groups = {k: np.concatenate(v) for k, v in groups.items()}

    def vertices(self, v):
        """Vertices [V, 3] (numpy) with the cap centroids appended."""
        caps = np.stack([v[loop].mean(0) for loop in self.loops]) if self.loops else np.zeros((0, 3))
        return np.concatenate([v, caps]).astype(np.float64)
