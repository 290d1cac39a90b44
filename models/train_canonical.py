"""Trains the generator G and the decoder on canonical ICT heads (occupancy + colour).

    /usr/bin/python3 -m models.train_canonical --seed 0 --out models/runs/canonical
"""
import json
import math
import os
import time

import torch
import torch.nn.functional as F

from . import decoder as dec
from .canonical_data import build, identity_set
from .distributed import Runtime, command_line, trainer_parser, unwrap
from .encoding import normalise
from .generator import Generator
from .ict import load_ict
from .plots import loss_curves


def parse(argv=None):
    p = trainer_parser(__doc__, "models/runs/canonical")
    p.add_argument("--channels", type=int, default=32)
    p.add_argument("--resolution", type=int, default=128)
    p.add_argument("--basis-resolution", type=int, default=24)
    p.add_argument("--hidden", type=int, nargs="+", default=[32, 32])
    p.add_argument("--identities", type=int, default=120, help="random identities besides the mean and ±3 extremes")
    p.add_argument("--extreme-modes", type=int, default=6, help="modes pushed to ±3, one identity each")
    p.add_argument("--surface-points", type=int, default=60000)
    p.add_argument("--box-points", type=int, default=20000)
    p.add_argument("--voxel", type=float, default=0.2)
    p.add_argument("--steps", type=int, default=5000)
    p.add_argument("--batch-identities", type=int, default=2)
    p.add_argument("--batch-points", type=int, default=6144)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--basis-decay", type=float, default=0.1,
                   help="decoupled weight decay of the identity basis: what no identity needs fades to 0")
    p.add_argument("--init", help="checkpoint whose mean planes and decoder start this run (the basis starts at 0)")
    p.add_argument("--plot", help="loss-curve PNG (default <out>/loss.png)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    rt = Runtime(args.device, args.threads)
    torch.manual_seed(args.seed + rt.rank)
    ict = load_ict(args.ict, args.alpha_dims)
    alphas = identity_set(args.alpha_dims, args.identities, args.seed, args.extreme_modes)
    data = build(ict, alphas, args.surface_points, args.box_points, args.seed,
                 cache=os.path.join(args.out, "ground_truth.npz"), voxel=args.voxel,
                 log=print if rt.main else (lambda *_: None))
    pts = torch.from_numpy(data["points"])
    occ = torch.from_numpy(data["occupancy"].astype("float32"))
    rgb = torch.from_numpy(data["rgb"]).float() / 255
    w_rgb = torch.from_numpy(data["rgb_weight"].astype("float32"))
    n_id, n_pts = occ.shape

    g = rt.wrap(Generator(args.alpha_dims, args.channels, args.resolution, args.basis_resolution))
    d = rt.wrap(dec.Decoder(args.channels, args.hidden))
    if args.init:
        init = torch.load(args.init, map_location=rt.device)
        with torch.no_grad():
            unwrap(g).mean.copy_(init["generator"]["mean"])
        unwrap(d).load_state_dict(init["decoder"])
    gm = unwrap(g)
    opt = torch.optim.AdamW([{"params": [gm.mean], "lr": args.lr * 3, "weight_decay": 0.0},
                             {"params": [gm.basis], "lr": args.lr * 3, "weight_decay": args.basis_decay},
                             {"params": d.parameters(), "lr": args.lr, "weight_decay": 0.0}])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * s / args.steps)))
    hist = {"step": [], "occupancy BCE": [], "colour MSE": [], "occupancy error": []}
    acc = {k: 0.0 for k in hist if k != "step"}
    t0 = time.time()
    for step in range(1, args.steps + 1):
        ids = torch.randint(n_id, (args.batch_identities,))
        j = torch.randint(n_pts, (args.batch_identities, args.batch_points))
        p = pts[ids[:, None], j].to(rt.device)
        o = d(g(alphas[ids].to(rt.device), normalise(p)))
        t_occ, t_rgb, t_w = occ[ids[:, None], j].to(rt.device), rgb[ids[:, None], j].to(rt.device), w_rgb[ids[:, None], j].to(rt.device)
        z = dec.occupancy_logit(o)
        l_occ = F.binary_cross_entropy_with_logits(z, t_occ)
        l_rgb = (t_w[..., None] * (dec.rgb(o) - t_rgb) ** 2).sum() / (3 * t_w.sum() + 1e-6)
        loss = l_occ + 4 * l_rgb
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        acc["occupancy BCE"] += l_occ.item()
        acc["colour MSE"] += l_rgb.item()
        acc["occupancy error"] += ((z > 0).float() != (t_occ > 0.5).float()).float().mean().item()
        if rt.main and (step % 50 == 0 or step == args.steps):
            n = 50 if step % 50 == 0 else step % 50
            hist["step"].append(step)
            for k in acc:
                hist[k].append(acc[k] / n)
                acc[k] = 0.0
            print("step %d  bce %.4f  rgb %.5f  err %.4f  %.0fs" % (step, hist["occupancy BCE"][-1], hist["colour MSE"][-1],
                                                                    hist["occupancy error"][-1], time.time() - t0), flush=True)
    if rt.main:
        os.makedirs(args.out, exist_ok=True)
        torch.save({"generator": unwrap(g).state_dict(), "decoder": unwrap(d).state_dict(), "args": vars(args),
                    "command": command_line("models.train_canonical"), "seconds": time.time() - t0},
                   os.path.join(args.out, "checkpoint.pt"))
        with open(os.path.join(args.out, "history.json"), "w") as f:
            json.dump(hist, f)
        loss_curves(hist, args.plot or os.path.join(args.out, "loss.png"), "G + decoder (canonical occupancy, colour)")
    rt.close()


if __name__ == "__main__":
    main()
