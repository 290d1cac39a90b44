"""CI smoke run: a few steps of each trainer and the export, at tiny sizes, into a temporary folder (then a
fine-tune of the backward field through that pack and its deformation-only export; the landmark
regressor's ONNX, sidecar and parity fixture into <out>/regressor).

    /usr/bin/python3 -m models.smoke [--out DIR]
"""
import argparse
import os
import tempfile

from . import export, export_deformation, eyelids, stretch_carve, train_canonical, train_deformation, train_landmark_regressor


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", help="folder for runs and pack (default: a new temporary folder)")
    p.add_argument("--ict")
    args = p.parse_args(argv)
    out = args.out or tempfile.mkdtemp(prefix="nofa-smoke-")
    ict = ["--ict", args.ict] if args.ict else []
    tiny = ["--alpha-dims", "4", "--seed", "1", "--threads", "1"]
    train_canonical.main(tiny + ict + [
        "--out", os.path.join(out, "canonical"), "--channels", "8", "--resolution", "16", "--basis-resolution", "4",
        "--hidden", "8", "--identities", "1", "--extreme-modes", "0", "--surface-points", "2000",
        "--box-points", "500", "--voxel", "0.5", "--steps", "3", "--batch-identities", "2", "--batch-points", "256"])
    train_deformation.main(tiny + ict + [
        "--out", os.path.join(out, "deformation"), "--frequencies", "2", "--d-hidden", "8", "--w-hidden", "8",
        "--steps", "3", "--pairs", "2", "--shell-points", "256", "--box-points", "64"])
    export.main(ict + ["--canonical", os.path.join(out, "canonical"), "--deformation", os.path.join(out, "deformation"),
                       "--out", os.path.join(out, "pack"), "--fixture-rows", "8"])
    train_landmark_regressor.main(ict + [
        "--out", os.path.join(out, "regressor"), "--fixture", os.path.join(out, "regressor", "parity.json"),
        "--seed", "1", "--threads", "1", "--steps", "3", "--batch", "64", "--hidden", "16", "--layers", "1", "--validation", "64"])
    # The fine-tune path: zone points, occupancy through the pack's frozen G + decoder, relative loss,
    # covered eyes left free, added blinks, boosted sampling where the expression moves, a D-Net with a jump
    # started from the pack's jump-free one and its seam labels, deformation-only export.
    pack = os.path.join(out, "pack")
    train_deformation.main(tiny + ict + [
        "--out", os.path.join(out, "deformation2"), "--frequencies", "2", "--d-hidden", "8", "--w-hidden", "8",
        "--steps", "2", "--pairs", "2", "--shell-points", "256", "--box-points", "64", "--zone-points", "96",
        "--occupancy-weight", "0.1", "--search-air", "--relative-loss", "0.5", "--free-covered-eyes", "--blink-rate", "0.3",
        "--moved-boost", "5", "--jump", "--seam-weight", "0.1", "--seam-boost", "10", "--canonical-pack", pack, "--init-pack", pack])
    export_deformation.main(["--deformation", os.path.join(out, "deformation2"), "--pack", pack])
    # The stretch carve set on the exported pack (export writes the default one; this sets other thresholds).
    stretch_carve.main(["--pack", pack, "--from", "0.4", "--to", "0.8", "--version", "1.0.1"])
    # The eyelid rig for the pack's identity coefficients, with its fixture.
    eyelids.main(["--pack", pack, "--version", "1.0.2"] + ict)
    print("smoke pack:", pack)


if __name__ == "__main__":
    main()
