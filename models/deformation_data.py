"""Ground truth for the backward field, drawn on the fly: points in a shell around the deformed
surface map to the same barycentric point on the β = 0 mesh (same α), carried along the normal
by the same offset; far from anything that moves, Δx = 0 and w = 0."""
import torch

from .encoding import CANONICAL_BOX
from .expressions import sample as sample_expressions
from .mesh import face_normals, interpolate, sample_surface, vertex_normals

SHELL = 1.0          # cm: half-thickness of the shell around the deformed surface
STILL = 0.02         # cm: a vertex that moves less than this under every expression is static
FAR = 1.5            # cm: box points this far from every moving vertex get Δx = 0


class DeformationData:
    def __init__(self, ict, rendered_mask):
        self.ict = ict
        self.tris = ict.triangles[rendered_mask]
        mobility = ict.expression.norm(dim=-1).max(0).values          # [V] cm, largest single-shape move
        self.mobile = (mobility > STILL).float()[:, None]
        self.tri_mobility = mobility[self.tris].mean(1)

    def alphas(self, n, gen):
        """α ~ N(0, 1), one in five with one mode pushed to ±3."""
        a = torch.randn(n, self.ict.alpha_dims, generator=gen)
        push = torch.rand(n, generator=gen) < 0.2
        k = torch.randint(min(6, self.ict.alpha_dims), (n,), generator=gen)
        sign = torch.where(torch.rand(n, generator=gen) < 0.5, -3.0, 3.0)
        a[push, k[push]] = sign[push]
        return a

    def batch(self, n_pairs, n_shell, n_box, gen):
        """x_d [P, N, 3], Δx [P, N, 3], w target [P, N] (−1 = no label), α [P, A], β [P, 53]."""
        ict = self.ict
        alpha = self.alphas(n_pairs, gen)
        beta = sample_expressions(ict.expression_names, n_pairs, gen)
        vc = ict.vertices(alpha)
        vd = vc + torch.einsum("be,evc->bvc", beta, ict.expression)
        nc, nd = vertex_normals(vc, self.tris), vertex_normals(vd, self.tris)
        xs, dxs, ws = [], [], []
        lo, hi = torch.tensor(CANONICAL_BOX[0]), torch.tensor(CANONICAL_BOX[1])
        for p in range(n_pairs):
            area = face_normals(vd[p], self.tris).norm(dim=-1)
            idx, bary = sample_surface(n_shell, area * (0.3 + 5.0 * self.tri_mobility.clamp(max=1)), gen)
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
            # Box points: labelled static only when far from every vertex that moves in this pair.
            xb = lo + (hi - lo) * torch.rand(n_box, 3, generator=gen)
            moving = vd[p][(vd[p] - vc[p]).norm(dim=-1) > STILL]
            mobile_pts = vd[p][self.mobile[:, 0] > 0]
            far = torch.cdist(xb, moving[::4]).min(1).values > FAR if len(moving) else torch.ones(n_box, dtype=torch.bool)
            far_mobile = torch.cdist(xb, mobile_pts[::4]).min(1).values > FAR
            xb = xb[far]
            wb = torch.where(far_mobile[far], 0.0, -1.0)
            xs.append(torch.cat([xd, xb]))
            dxs.append(torch.cat([dx, torch.zeros_like(xb)]))
            ws.append(torch.cat([w_shell, wb]))
        n = min(len(x) for x in xs)
        stack = lambda t: torch.stack([v[:n] for v in t])
        return stack(xs), stack(dxs), stack(ws), alpha, beta
