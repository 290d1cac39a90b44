"""Contact sheet of the expressions the issue asks for (jawOpen, smiles, pucker, blinks) on one held-out
identity: the pack's backward-warped volume (top row, same renderer as eval_geometry) above the ICT mesh.

    /usr/bin/python3 -m models.expression_sheet --pack models/packs/ict-base --out docs/images/ict-base-expressions.png
"""
import argparse

import torch

from .eval_geometry import contact_sheet
from .ict import load_ict
from .pack import PackModel
from .render import VolumeRenderer

SHEET = [("neutral", {}), ("jawOpen 0.5", {"jawOpen": 0.5}), ("jawOpen 1", {"jawOpen": 1.0}),
         ("mouthSmile_L", {"mouthSmile_L": 1.0}), ("mouthSmile_R", {"mouthSmile_R": 1.0}),
         ("mouthPucker", {"mouthPucker": 1.0}), ("eyeBlink_L", {"eyeBlink_L": 1.0}),
         ("eyeBlink_R", {"eyeBlink_R": 1.0})]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pack", default="models/packs/ict-base")
    p.add_argument("--ict")
    p.add_argument("--out", default="docs/images/ict-base-expressions.png")
    p.add_argument("--size", type=int, default=160)
    p.add_argument("--seed", type=int, default=1234, help="held-out seed (the identity is eval_geometry's first)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = PackModel(args.pack)
    ict = load_ict(args.ict, model.pack["alphaDims"])
    tris = ict.triangles[~ict.triangle_mask(["eye_shells", "eyelashes"])]
    gen = torch.Generator().manual_seed(args.seed)
    alpha = torch.randn(1, model.pack["alphaDims"], generator=gen)[0]
    contact_sheet(model, VolumeRenderer(model), ict, tris, alpha, args.out, args.size, SHEET)
    print(args.out)


if __name__ == "__main__":
    main()
