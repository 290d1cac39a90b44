"""The stretch carve (docs/formats.md, "stretchCarve"): where the backward map x_c = x_d + w·Δx squeezes
a deformed region into a much thinner canonical one, det(∂x_c/∂x_d) ≪ 1, and the deformed volume there
is emptied: its density is multiplied by smoothstep(from, to, det J). A closed canonical mouth has no
air between its lips, so an open mouth's gap maps onto the lips' seam (a sheet of density across the
mouth, docs/models.md); the same map spreads that seam over the whole gap, which is what det J measures.
J comes from central differences (one-sided at the faces) of w·Δx baked at the runtime's texel centres:
cells of about 0.6 cm over the deformed box, at most 96 per axis (plugin/volume/avatarGpuResources.ts).

Sets the carve of an exported pack (after measuring it with models.eval_geometry), with a new version:

    /usr/bin/python3 -m models.stretch_carve --pack models/packs/ict-base --from 0.5 --to 0.9 --version 1.1.0
"""
import argparse
import math

import torch

from .export import save_amended_pack
from .packcheck import check

BAKE_CELL = 0.6        # cm
BAKE_MAX_CELLS = 96


def bake_dims(box):
    """Texels per axis of the runtime's bake over `box` ((min, max) in cm)."""
    return [min(BAKE_MAX_CELLS, max(2, math.ceil((hi - lo) / BAKE_CELL))) for lo, hi in zip(*box)]


def bake_centres(box):
    """The bake's texel centres [nx, ny, nz, 3] over `box`."""
    axes = [lo + (torch.arange(n) + 0.5) * (hi - lo) / n for lo, hi, n in zip(*box, bake_dims(box))]
    return torch.stack(torch.meshgrid(*axes, indexing="ij"), -1)


def kept(disp, box, lo, hi):
    """The share of density kept, smoothstep(lo, hi, det J), at the texel centres of `box` from w·Δx [nx, ny, nz, 3]
    baked there."""
    spacing = [(b - a) / n for a, b, n in zip(*box, disp.shape[:3])]
    jac = torch.eye(3).expand(*disp.shape[:3], 3, 3).clone()
    for j in range(3):
        jac[..., :, j] += torch.gradient(disp, spacing=spacing[j], dim=j, edge_order=1)[0]
    t = ((torch.linalg.det(jac) - lo) / (hi - lo)).clamp(0, 1)
    return t * t * (3 - 2 * t)


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pack", default="models/packs/ict-base")
    p.add_argument("--from", dest="lo", type=float, default=0.5, help="det J at and below which nothing is kept")
    p.add_argument("--to", dest="hi", type=float, default=0.9, help="det J at and above which everything is kept")
    p.add_argument("--version", required=True, help="the pack's new version")
    args = p.parse_args(argv)
    if not 0 <= args.lo < args.hi:
        p.error("needs 0 ≤ --from < --to")
    return args


def main(argv=None):
    args = parse(argv)
    pack = check(args.pack)
    pack["stretchCarve"] = {"from": args.lo, "to": args.hi}
    save_amended_pack(args.pack, pack, args.version, "models.stretch_carve")
    print("pack %s %s: stretchCarve %s" % (args.pack, args.version, pack["stretchCarve"]))


if __name__ == "__main__":
    main()
