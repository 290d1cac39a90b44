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
from .deformation import JUMP_SHARPNESS, DNet, backward_displacement
from .deformation_data import DeformationData
from .distributed import Runtime, command_line, trainer_parser, unwrap
from .decoder import occupancy_logit
from .encoding import normalise, positional_encoding
from .ict import load_ict
from .pack import PackModel
from .plots import loss_curves


def canonical_logit(model, alpha, xc):
    """Occupancy logit of the (frozen) canonical volume of α [P, A] at xc [P, N, 3]; far outside the box."""
    u = normalise(xc)
    z = occupancy_logit(model.decoder(model.generator(alpha, u)))
    return torch.where((u.abs() <= 1).all(-1), z, torch.full_like(z, -10.0))


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
    p.add_argument("--zone-points", type=int, default=0,
                   help="extra points per pair in the mouth and eye zones, labelled inside/outside the deformed mesh")
    p.add_argument("--free-covered-eyes", action="store_true",
                   help="no Δx target for eyeball points behind the deformed skin, so that a closing lid's motion may "
                   "fill the eye behind it")
    p.add_argument("--blink-rate", type=float, default=0.0,
                   help="share of the drawn expressions that get a blink on top (speech blinks too)")
    p.add_argument("--moved-boost", type=float, default=0.0,
                   help="extra shell sampling weight of triangles that the drawn expression moves (per cm, up to 1 cm)")
    p.add_argument("--seam-boost", type=float, default=0.0,
                   help="extra shell sampling weight of the skin around the seams (lids, lips; models/deformation_data.py)")
    p.add_argument("--occupancy-weight", type=float, default=0.0,
                   help="weight of the BCE between the canonical volume at x_d + w·Δx and the deformed occupancy")
    p.add_argument("--canonical-pack", help="pack whose G and decoder (frozen) give the canonical volume for "
                   "--occupancy-weight")
    p.add_argument("--search-air", action="store_true",
                   help="move targets of outside points that land inside the canonical volume to empty space (±z)")
    p.add_argument("--relative-loss", type=float, default=0.0,
                   help="S > 0: weight each point's squared error by 1 / (|Δx target| + S cm) (mean 1 over the batch), "
                   "so that small motions (lids, lip corners) count as much as the jaw's centimetres")
    p.add_argument("--jump", action="store_true",
                   help="D-Net with a jump (Δx = a + sigmoid(k·s)·j, models/deformation.py), so that lids can close")
    p.add_argument("--seam-weight", type=float, default=0.0,
                   help="with --jump: weight of the BCE that teaches the selector which side of a seam (lids, lips) "
                   "each shell point's surface lies on (deformation_data.seam_sides)")
    p.add_argument("--init-pack", help="start D-Net and W-Net from this pack's weights (a jump-free D-Net starts a "
                   "jump D-Net's smooth part a, with j = 0)")
    p.add_argument("--save-every", type=int, default=0, help="also write the checkpoint every N steps")
    p.add_argument("--plot", help="loss-curve PNG (default <out>/loss.png)")
    args = p.parse_args(argv)
    if args.seam_weight > 0 and not args.jump:
        p.error("--seam-weight teaches the selector of a D-Net with a jump: add --jump")
    return args


AIR_STEPS = tuple(0.25 * k for k in range(1, 13))   # cm, tried in this order along +z (forward)


def search_air(model, alpha, xd, dx, tgt, occ):
    """Δx targets of outside points that land inside the canonical volume (the open mouth mapped into the
    closed lips) moved forward (+z) to the nearest point where the canonical occupancy logit is below −2,
    i.e. out in front of the closed lips; unchanged where none is found within 3 cm."""
    bad = (occ == 0) & (tgt > 0) & ~torch.isnan(dx[..., 0])
    if not bad.any():
        return dx
    pi, ni = bad.nonzero(as_tuple=True)
    base = xd[pi, ni] + dx[pi, ni]
    shifts = torch.tensor([[0.0, 0.0, t] for t in AIR_STEPS])
    cand = base[:, None] + shifts[None]                               # [M, K, 3]
    logit = torch.empty(cand.shape[:2])
    for p in pi.unique():
        m = pi == p
        logit[m] = canonical_logit(model, alpha[p:p + 1], cand[m].reshape(1, -1, 3))[0].view(-1, len(shifts))
    air = logit < -2.0
    found = air.any(1)
    k = air.float().argmax(1)
    out = dx.clone()
    new = cand[torch.arange(len(k)), k] - xd[pi, ni]
    out[pi[found], ni[found]] = new[found]
    return out


def initialise_from(dnet, init):
    """D-Net's weights from a pack's D-Net; a jump-free one fills the smooth part a of a jump D-Net (j = 0, s as
    drawn, so that the selector starts with a varied mix)."""
    state = init.state_dict()
    last = "layers.%d" % (len(dnet.layers) - 1)
    if dnet.layers[-1].out_features == 7 and state[last + ".weight"].shape[0] == 3:
        with torch.no_grad():
            for key in (last + ".weight", last + ".bias"):
                full = dnet.state_dict()[key].clone()
                full[:3] = state[key]
                full[3:6] = 0.0
                state[key] = full
    dnet.load_state_dict(state)


def save(args, dnet, wnet, max_disp, t0):
    os.makedirs(args.out, exist_ok=True)
    torch.save({"deformation": unwrap(dnet).state_dict(), "blend": unwrap(wnet).state_dict(), "args": vars(args),
                "max_displacement": max_disp, "command": command_line("models.train_deformation"),
                "seconds": time.time() - t0}, os.path.join(args.out, "checkpoint.pt"))


def main(argv=None):
    args = parse(argv)
    rt = Runtime(args.device, args.threads)
    torch.manual_seed(args.seed + rt.rank)
    gen = torch.Generator().manual_seed(args.seed * 1000 + rt.rank)
    ict = load_ict(args.ict, args.alpha_dims)
    data = DeformationData(ict, ~ict.triangle_mask(["eye_shells", "eyelashes"]), args.zone_points, args.free_covered_eyes,
                            args.blink_rate, args.moved_boost, args.seam_boost)
    dnet = DNet(args.frequencies, args.alpha_dims, 53, args.d_hidden, args.jump)
    wnet = WNet(args.frequencies, args.alpha_dims, args.w_hidden)
    if args.init_pack:
        init = PackModel(args.init_pack)
        initialise_from(dnet, init.dnet)
        wnet.load_state_dict(init.wnet.state_dict())
    canonical = PackModel(args.canonical_pack) if args.occupancy_weight > 0 else None
    if canonical is not None:
        for prm in list(canonical.decoder.parameters()) + list(canonical.generator.parameters()):
            prm.requires_grad_(False)
    dnet, wnet = rt.wrap(dnet), rt.wrap(wnet)
    opt = torch.optim.Adam(list(dnet.parameters()) + list(wnet.parameters()), lr=args.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * s / args.steps)))
    hist = {"step": [], "displacement MSE (cm²)": [], "w BCE": [], "occupancy BCE": [], "seam BCE": []}
    acc = {k: 0.0 for k in hist if k != "step"}
    max_disp = 0.0
    t0 = time.time()
    for step in range(1, args.steps + 1):
        xd, dx, wt, alpha, beta, occ, side = [t.to(rt.device) for t in data.batch(args.pairs, args.shell_points, args.box_points, gen)]
        has_dx = ~torch.isnan(dx[..., 0])
        max_disp = max(max_disp, dx[has_dx].norm(dim=-1).max().item())
        n = xd.shape[1]
        pe = positional_encoding(normalise(xd), args.frequencies)
        a = alpha[:, None].expand(-1, n, -1)
        w_logit = wnet(torch.cat([pe, a], -1))[..., 0]
        raw = dnet(torch.cat([pe, a, beta[:, None].expand(-1, n, -1)], -1))
        disp = backward_displacement(torch.sigmoid(w_logit)[..., None], raw)
        l_o = torch.zeros(())
        if canonical is not None:
            with torch.no_grad():
                # A Δx target that lands inside the canonical volume for a point outside the deformed mesh
                # (or the reverse) would teach the wrong occupancy: such targets are left to the occupancy loss.
                tgt = canonical_logit(canonical, alpha, xd + torch.nan_to_num(dx))
                if args.search_air:
                    # A point outside the deformed mesh whose target is inside the canonical volume (the open
                    # mouth mapped into the closed lips): move the target forward (+z) to the nearest clearly
                    # empty canonical point, in front of the lips.
                    dx = search_air(canonical, alpha, xd, dx, tgt, occ)
                    tgt = canonical_logit(canonical, alpha, xd + torch.nan_to_num(dx))
                has_dx = ~torch.isnan(dx[..., 0]) & ((occ < 0) | ((tgt > 0) == (occ > 0.5)))
            lab_o = occ >= 0
            logit = canonical_logit(canonical, alpha, xd + disp)
            l_o = F.binary_cross_entropy_with_logits(logit[lab_o], occ[lab_o])
        err = ((disp - torch.nan_to_num(dx)) ** 2).sum(-1)[has_dx]
        l_mse = err.mean()
        l_d = l_mse
        if args.relative_loss > 0:
            weight = 1.0 / (dx[has_dx].norm(dim=-1) + args.relative_loss)
            l_d = (err * weight).sum() / weight.sum()
        lab = wt >= 0
        l_w = F.binary_cross_entropy_with_logits(w_logit[lab], wt[lab])
        l_s = torch.zeros(())
        lab_s = side >= 0
        if args.seam_weight > 0 and lab_s.any():
            l_s = F.binary_cross_entropy_with_logits(JUMP_SHARPNESS * raw[..., 6][lab_s], side[lab_s])
        loss = l_d + 0.1 * l_w + args.occupancy_weight * l_o + args.seam_weight * l_s
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        acc["displacement MSE (cm²)"] += l_mse.item()
        acc["w BCE"] += l_w.item()
        acc["occupancy BCE"] += l_o.item()
        acc["seam BCE"] += l_s.item()
        if rt.main and (step % 50 == 0 or step == args.steps):
            k = 50 if step % 50 == 0 else step % 50
            hist["step"].append(step)
            for name in acc:
                hist[name].append(acc[name] / k)
                acc[name] = 0.0
            print("step %d  mse %.5f  wbce %.4f  obce %.4f  sbce %.4f  %.0fs" % (
                step, hist["displacement MSE (cm²)"][-1], hist["w BCE"][-1], hist["occupancy BCE"][-1],
                hist["seam BCE"][-1], time.time() - t0), flush=True)
        if rt.main and args.save_every and step % args.save_every == 0 and step < args.steps:
            save(args, dnet, wnet, max_disp, t0)
    if rt.main:
        save(args, dnet, wnet, max_disp, t0)
        with open(os.path.join(args.out, "history.json"), "w") as f:
            json.dump(hist, f)
        loss_curves(hist, args.plot or os.path.join(args.out, "loss.png"), "D-Net + W-Net (backward field)")
    rt.close()


if __name__ == "__main__":
    main()
