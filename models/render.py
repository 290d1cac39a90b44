"""A pinhole camera, a z-buffer mesh rasteriser and a raymarcher for the pack's backward-warped
volume, sharing the same rays (depth = camera-space z, cm)."""
import math

import torch
import torch.nn.functional as F

from .stretch_carve import bake_centres, kept


class Camera:
    """Looks at `target` from `distance` cm, turned by `yaw` degrees about +y (0 = frontal, +z)."""

    def __init__(self, yaw=0.0, size=128, target=(0.0, -1.0, 3.0), distance=55.0, height=34.0):
        t = torch.tensor(target)
        th = math.radians(yaw)
        self.eye = t + distance * torch.tensor([math.sin(th), 0.0, math.cos(th)])
        self.forward = F.normalize(t - self.eye, dim=0)
        self.right = F.normalize(torch.cross(self.forward, torch.tensor([0.0, 1.0, 0.0]), dim=0), dim=0)
        self.up = torch.cross(self.right, self.forward, dim=0)
        self.tan = height / 2 / distance
        self.size = size

    def rays(self):
        """Directions [H·W, 3] with unit forward component (t along them is camera depth)."""
        n = self.size
        c = (torch.arange(n) + 0.5) / n * 2 - 1
        y, x = torch.meshgrid(-c * self.tan, c * self.tan, indexing="ij")
        return (self.forward + x.reshape(-1, 1) * self.right + y.reshape(-1, 1) * self.up)

    def project(self, p):
        """Pixel column, row (centres at integers) and depth of points [N, 3]."""
        rel = p - self.eye
        z = rel @ self.forward
        x, y = (rel @ self.right) / z, (rel @ self.up) / z
        n = self.size
        return (x / self.tan + 1) / 2 * n - 0.5, (1 - y / self.tan) / 2 * n - 0.5, z


def rasterise(cam, verts, tris):
    """Z-buffer: depth [H, W] (inf where empty), triangle index and perspective-correct barycentrics."""
    n = cam.size
    col, row, z = cam.project(verts)
    pc, pr, pz = col[tris], row[tris], z[tris]
    c0 = pc.min(1).values.ceil().clamp(0, n - 1).long()
    c1 = pc.max(1).values.floor().clamp(-1, n - 1).long()
    r0 = pr.min(1).values.ceil().clamp(0, n - 1).long()
    r1 = pr.max(1).values.floor().clamp(-1, n - 1).long()
    nc, nr = (c1 - c0 + 1).clamp(min=0), (r1 - r0 + 1).clamp(min=0)
    cnt = nc * nr
    t = torch.repeat_interleave(torch.arange(len(tris)), cnt)
    local = torch.arange(int(cnt.sum())) - torch.repeat_interleave(torch.cumsum(cnt, 0) - cnt, cnt)
    qc = (c0[t] + local % nc[t]).float()
    qr = (r0[t] + local // nc[t]).float()
    x0, y0 = pc[t, 0], pr[t, 0]
    d1x, d1y, d2x, d2y = pc[t, 1] - x0, pr[t, 1] - y0, pc[t, 2] - x0, pr[t, 2] - y0
    det = d1x * d2y - d1y * d2x
    ok = det.abs() > 1e-12
    det = torch.where(ok, det, torch.ones_like(det))
    u = ((qc - x0) * d2y - (qr - y0) * d2x) / det
    v = (d1x * (qr - y0) - d1y * (qc - x0)) / det
    hit = ok & (u >= 0) & (v >= 0) & (u + v <= 1)
    b = torch.stack([1 - u - v, u, v], 1)[hit]
    t, qc, qr = t[hit], qc[hit].long(), qr[hit].long()
    inv = (b / pz[t]).sum(1)
    depth = 1 / inv
    pix = qr * n + qc
    zbuf = torch.full((n * n,), math.inf).scatter_reduce(0, pix, depth, reduce="amin")
    front = depth <= zbuf[pix]
    tri = torch.full((n * n,), -1, dtype=torch.long)
    tri[pix[front]] = t[front]
    bary = torch.zeros(n * n, 3)
    bary[pix[front]] = (b[front] / pz[t[front]]) / inv[front, None]
    return zbuf.view(n, n), tri.view(n, n), bary.view(n, n, 3)


def _box_hits(origin, dirs, box):
    lo, hi = torch.tensor(box[0]), torch.tensor(box[1])
    inv = 1 / torch.where(dirs.abs() < 1e-9, torch.full_like(dirs, 1e-9), dirs)
    origin = origin.expand_as(dirs)
    ta, tb = (lo - origin) * inv, (hi - origin) * inv
    return torch.minimum(ta, tb).max(1).values.clamp(min=0), torch.maximum(ta, tb).min(1).values


def _grid_points(box, step):
    axes = [torch.linspace(a, b, int(math.ceil((b - a) / step)) + 1) for a, b in zip(*box)]
    return torch.stack(torch.meshgrid(*axes, indexing="ij"), -1)


def _lookup(vol, box, p, cells=False):
    """Trilinear sample of vol [K, nx, ny, nz] at p [N, 3] → [N, K]: its values on nodes spanning box (zero
    outside), or with `cells`, at texel centres over box (clamped at the faces, like a texture)."""
    u = 2 * (p - torch.tensor(box[0])) / (torch.tensor(box[1]) - torch.tensor(box[0])) - 1
    g = u[:, [2, 1, 0]].view(1, -1, 1, 1, 3)
    padding = "border" if cells else "zeros"
    return F.grid_sample(vol[None], g, align_corners=not cells, padding_mode=padding)[0, :, :, 0, 0].T


class VolumeRenderer:
    """Coarse march on baked grids (displacement; canonical density max-pooled over ±1 cell, so it
    errs on the side of "occupied", like the runtime's dilated occupancy grid), then exact samples
    in a window from just before each coarse crossing, composited front to back; a ray that is
    still transparent after a window marches on to the next crossing. A pack with a stretch carve has its
    density multiplied by the kept share computed from the field baked as the runtime bakes it. The eyelid rig,
like the runtime's, moves the exact samples only (not the baked grids)."""

    def __init__(self, model, coarse_density=1.0, before=0.25, after=1.5, fine=32, windows=10, chunk=1 << 16):
        self.m, self.coarse_density, self.chunk = model, coarse_density, chunk
        self.before, self.after, self.fine, self.windows = before, after, fine, windows

    def _chunked(self, fn, x):
        return torch.cat([fn(x[i:i + self.chunk]) for i in range(0, len(x), self.chunk)])

    def prepare(self, alpha, beta, disp_step=0.75, density_step=0.5):
        """Bakes the grids for one (α, β)."""
        with torch.no_grad():
            self.alpha, self.beta = alpha, beta
            self.rig = self.m.eyelid_rig(alpha)
            self.planes = self.m.triplane(alpha)
            gp = _grid_points(self.m.deformed_box, disp_step)
            d = self._chunked(lambda x: self.m.displacement(x, alpha, beta), gp.reshape(-1, 3))
            self.disp = d.T.reshape(3, *gp.shape[:3])
            cp = _grid_points(self.m.box, density_step)
            s = self._chunked(lambda x: self.m.radiance(self.planes, x)[:, :1], cp.reshape(-1, 3))
            self.dens = F.max_pool3d(s.T.reshape(1, 1, *cp.shape[:3]), 3, stride=1, padding=1)[0]
            self.kept = None
            if self.m.stretch_carve:
                box = self.m.deformed_box
                xb = bake_centres(box)
                disp = self._chunked(lambda x: self.m.displacement(x, alpha, beta), xb.reshape(-1, 3)).view(xb.shape)
                self.kept = kept(disp, box, *self.m.stretch_carve)[None]

    def render(self, cam):
        """Depth [H, W] (camera z of the expected termination; inf where opacity < 0.5), opacity, sRGB on white."""
        depth, opacity, rgb = self.march(cam.eye, cam.rays())
        n = cam.size
        return depth.view(n, n), opacity.view(n, n), rgb.view(n, n, 3)

    def _first_crossing(self, o, dirs, t_start, t_end, step):
        """Coarse: the first t ≥ t_start where the dilated density grid exceeds the threshold (inf if none)."""
        n_steps = int(math.ceil(float((t_end - t_start).clamp(min=0).max()) / step)) + 1
        first = torch.full((len(dirs),), math.inf)
        per = max(1, self.chunk * 4 // n_steps)
        for i in range(0, len(dirs), per):
            t = t_start[i:i + per, None] + step * torch.arange(n_steps)[None]
            p = (o[i:i + per, None] + t[..., None] * dirs[i:i + per, None]).reshape(-1, 3)
            xc = p + _lookup(self.disp, self.m.deformed_box, p)
            dens = _lookup(self.dens, self.m.box, xc)[:, 0].view(t.shape)
            hit = (dens > self.coarse_density) & (t < t_end[i:i + per, None])
            found = hit.any(1)
            k = hit.float().argmax(1)
            first[i:i + per][found] = t[found, k[found]]
        return first

    def march(self, o, dirs, step=0.25):
        """Rays from o along dirs [N, 3]: depth t (inf where opacity < 0.5), opacity [N], sRGB [N, 3]."""
        with torch.no_grad():
            n = len(dirs)
            o = o.expand_as(dirs)
            t_start, t_end = _box_hits(o, dirs, self.m.deformed_box)
            trans, wsum, tsum, csum = torch.ones(n), torch.zeros(n), torch.zeros(n), torch.zeros(n, 3)
            live = torch.arange(n)
            for _ in range(self.windows):
                if len(live) == 0:
                    break
                first = self._first_crossing(o[live], dirs[live], t_start[live], t_end[live], step)
                ok = torch.isfinite(first)
                live, first = live[ok], first[ok]
                if len(live) == 0:
                    break
                ts = first[:, None] - self.before + torch.linspace(0, self.before + self.after, self.fine)[None]
                p = (o[live, None] + ts[..., None] * dirs[live, None]).reshape(-1, 3)
                xc = self._chunked(lambda x: self.m.backward(x, self.alpha, self.beta, self.rig), p)
                out = self._chunked(lambda x: self.m.radiance(self.planes, x), xc)
                if self.kept is not None:
                    out[:, 0] *= _lookup(self.kept, self.m.deformed_box, p, cells=True)[:, 0]
                sigma, col = out[:, 0].view(len(live), -1), out[:, 1:].view(len(live), -1, 3)
                ds = (self.before + self.after) / (self.fine - 1) * dirs[live].norm(dim=1, keepdim=True)
                a = 1 - torch.exp(-sigma * ds)
                w = a * torch.cumprod(torch.cat([torch.ones(len(live), 1), 1 - a[:, :-1]], 1), 1) * trans[live, None]
                wsum[live] += w.sum(1)
                tsum[live] += (w * ts).sum(1)
                csum[live] += (w[..., None] * col).sum(1)
                trans[live] *= torch.prod(1 - a, 1)
                keep = trans[live] > 0.5
                live, t_start = live[keep], t_start.clone()
                t_start[live] = ts[keep, -1] + step
            depth = torch.where(wsum >= 0.5, tsum / wsum.clamp(min=1e-6), torch.full((n,), math.inf))
            return depth, wsum, csum + (1 - wsum[:, None])
