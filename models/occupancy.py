"""Inside/outside of the ICT head on a voxel grid: ray parity per closed part, three axes
voted, parts united (skin capped at the neck, gums/tongue capped, teeth, eyeballs)."""
import numpy as np


class Grid:
    """Voxel centres at min + (i + 0.5)·h over a box."""

    def __init__(self, box_min, box_max, h):
        self.min = np.asarray(box_min, np.float64)
        self.h = float(h)
        self.shape = tuple(int(np.ceil((b - a) / h)) for a, b in zip(box_min, box_max))

    def sample(self, vol, pts):
        """Trilinear interpolation of vol [nx, ny, nz] at pts [N, 3] (clamped)."""
        f = (pts - self.min) / self.h - 0.5
        f = np.clip(f, 0, np.array(self.shape) - 1.000001)
        i = np.floor(f).astype(np.int64)
        t = f - i
        out = 0
        for dx in (0, 1):
            for dy in (0, 1):
                for dz in (0, 1):
                    w = (t[:, 0] if dx else 1 - t[:, 0]) * (t[:, 1] if dy else 1 - t[:, 1]) * (t[:, 2] if dz else 1 - t[:, 2])
                    out = out + w * vol[i[:, 0] + dx, i[:, 1] + dy, i[:, 2] + dz]
        return out


def parity(verts, tris, grid, axis):
    """Crossing parity along `axis` for the closed surface (verts, tris): bool [nx, ny, nz]."""
    a, b = [k for k in range(3) if k != axis]
    na, nb, n = grid.shape[a], grid.shape[b], grid.shape[axis]
    p = verts[tris]                                            # [T, 3, 3]
    lo = np.ceil((p[:, :, [a, b]].min(1) - grid.min[[a, b]]) / grid.h - 0.5).astype(np.int64)
    hi = np.floor((p[:, :, [a, b]].max(1) - grid.min[[a, b]]) / grid.h - 0.5).astype(np.int64)
    lo = np.maximum(lo, 0)
    hi = np.minimum(hi, [na - 1, nb - 1])
    cnt_a, cnt_b = np.maximum(hi[:, 0] - lo[:, 0] + 1, 0), np.maximum(hi[:, 1] - lo[:, 1] + 1, 0)
    counts = cnt_a * cnt_b
    tri = np.repeat(np.arange(len(tris)), counts)
    local = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    ia = lo[tri, 0] + local // cnt_b[tri]
    ib = lo[tri, 1] + local % cnt_b[tri]
    qa = grid.min[a] + (ia + 0.5) * grid.h
    qb = grid.min[b] + (ib + 0.5) * grid.h
    p0, p1, p2 = p[tri, 0], p[tri, 1], p[tri, 2]
    d1a, d1b = p1[:, a] - p0[:, a], p1[:, b] - p0[:, b]
    d2a, d2b = p2[:, a] - p0[:, a], p2[:, b] - p0[:, b]
    det = d1a * d2b - d1b * d2a
    ok = np.abs(det) > 1e-12
    det = np.where(ok, det, 1.0)
    ra, rb = qa - p0[:, a], qb - p0[:, b]
    u = (ra * d2b - rb * d2a) / det
    v = (d1a * rb - d1b * ra) / det
    hit = ok & (u >= 0) & (v >= 0) & (u + v <= 1)
    t = p0[:, axis] + u * (p1[:, axis] - p0[:, axis]) + v * (p2[:, axis] - p0[:, axis])
    k = np.clip(np.ceil((t - grid.min[axis]) / grid.h - 0.5), 0, n).astype(np.int64)
    flat = (ia * nb + ib) * (n + 1) + k
    toggles = np.bincount(flat[hit], minlength=na * nb * (n + 1)).reshape(na, nb, n + 1)[:, :, :n]
    inside = (np.cumsum(toggles, axis=2, dtype=np.int32) & 1).astype(bool)
    order = [0, 0, 0]
    order[a], order[b], order[axis] = 0, 1, 2
    return np.transpose(inside, order)


def occupancy(parts, verts, grid):
    """Union over parts of the 2-of-3-axes parity vote: bool [nx, ny, nz] for vertices [V, 3]."""
    vv = parts.vertices(verts)
    occ = np.zeros(grid.shape, bool)
    for tris in parts.groups.values():
        votes = sum(parity(vv, tris, grid, ax).astype(np.uint8) for ax in range(3))
        occ |= votes >= 2
    return occ
