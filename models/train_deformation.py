"""Trains D-Net and W-Net on the backward field of ICT expressions: x_c = x_d + w·Δx.

    /usr/bin/python3 -m models.train_deformation --seed 0 --out models/runs/deformation
"""
import json
import math
import os
import time

import torch
import torch.nn.functional as F

from .blend import WNet
from .deformation import DNet
from .deformation_data import DeformationData
from .distributed import Runtime, command_line, trainer_parser, unwrap
from .encoding import normalise, positional_encoding
from .ict import load_ict
from .plots import loss_curves


def parse(argv=None):
    p = trainer_parser(__doc__, "models/runs/deformation")
    p.add_argument("--frequencies", type=int, default=4)
    p.add_argument("--d-hidden", type=int, nargs="+", default=[64, 64])
    p.add_argument("--w-hidden", type=int, nargs="+", default=[32])
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--pairs", type=int, default=8, help="(α, β) pairs per step")
    p.add_argument("--shell-points", type=int, default=2048)
    p.add_argument("--box-points", type=int, default=512)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--plot", help="loss-curve PNG (default <out>/loss.png)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    rt = Runtime(args.device, args.threads)
    torch.manual_seed(args.seed + rt.rank)
    gen = torch.Generator().manual_seed(args.seed * 1000 + rt.rank)
    ict = load_ict(args.ict, args.alpha_dims)
    data = DeformationData(ict, ~ict.triangle_mask(["eye_shells", "eyelashes"]))
    dnet = rt.wrap(DNet(args.frequencies, args.alpha_dims, 53, args.d_hidden))
    wnet = rt.wrap(WNet(args.frequencies, args.alpha_dims, args.w_hidden))
    opt = torch.optim.Adam(list(dnet.parameters()) + list(wnet.parameters()), lr=args.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * s / args.steps)))
    hist = {"step": [], "displacement MSE (cm²)": [], "w BCE": []}
    acc = {k: 0.0 for k in hist if k != "step"}
    max_disp = 0.0
    t0 = time.time()
    for step in range(1, args.steps + 1):
        xd, dx, wt, alpha, beta = [t.to(rt.device) for t in data.batch(args.pairs, args.shell_points, args.box_points, gen)]
        max_disp = max(max_disp, dx.norm(dim=-1).max().item())
        n = xd.shape[1]
        pe = positional_encoding(normalise(xd), args.frequencies)
        a = alpha[:, None].expand(-1, n, -1)
        w_logit = wnet(torch.cat([pe, a], -1))[..., 0]
        delta = dnet(torch.cat([pe, a, beta[:, None].expand(-1, n, -1)], -1))
        l_d = ((torch.sigmoid(w_logit)[..., None] * delta - dx) ** 2).sum(-1).mean()
        lab = wt >= 0
        l_w = F.binary_cross_entropy_with_logits(w_logit[lab], wt[lab])
        loss = l_d + 0.1 * l_w
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        acc["displacement MSE (cm²)"] += l_d.item()
        acc["w BCE"] += l_w.item()
        if rt.main and (step % 50 == 0 or step == args.steps):
            k = 50 if step % 50 == 0 else step % 50
            hist["step"].append(step)
            for name in acc:
                hist[name].append(acc[name] / k)
                acc[name] = 0.0
            print("step %d  mse %.5f  wbce %.4f  %.0fs" % (step, hist["displacement MSE (cm²)"][-1], hist["w BCE"][-1],
                                                         time.time() - t0), flush=True)
    if rt.main:
        os.makedirs(args.out, exist_ok=True)
        torch.save({"deformation": unwrap(dnet).state_dict(), "blend": unwrap(wnet).state_dict(), "args": vars(args),
                    "max_displacement": max_disp, "command": command_line("models.train_deformation"),
                    "seconds": time.time() - t0}, os.path.join(args.out, "checkpoint.pt"))
        with open(os.path.join(args.out, "history.json"), "w") as f:
            json.dump(hist, f)
        loss_curves(hist, args.plot or os.path.join(args.out, "loss.png"), "D-Net + W-Net (backward field)")
    rt.close()


if __name__ == "__main__":
    main()
