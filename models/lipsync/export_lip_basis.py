#!/usr/bin/python3
"""Writes models/lipsync/ict-lip-basis.json: the 20 mouth landmarks (Multi-PIE 48-67) of the
ICT-FaceKit neutral mesh and their 53 expression deltas (cm), for the evaluation's lip vertex
error and lip-closure measure. Derived from ICT-FaceKit (MIT, see ../shared/ict-facekit/LICENSE).

Usage: /usr/bin/python3 models/lipsync/export_lip_basis.py [--ict ../shared/ict-facekit]
"""
import argparse
import json
import os

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--ict", default=os.path.join(os.path.dirname(__file__), "../../../shared/ict-facekit"))
ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "ict-lip-basis.json"))
args = ap.parse_args()
m = json.load(open(os.path.join(args.ict, "manifest.json")))
idx = m["idx_to_landmark_verts"][48:68]
neutral = np.fromfile(os.path.join(args.ict, "neutral.f32"), "<f4").reshape(-1, 3)[idx]
modes = np.fromfile(os.path.join(args.ict, "expression_modes.f16"), "<f2").reshape(53, -1, 3)[:, idx].astype(np.float64)
json.dump({
    "source": "ICT-FaceKit Light (MIT), mouth landmarks 48-67 of the Multi-PIE 68-point set",
    "units": "cm",
    "expressionNames": m["expressionNames"],
    "vertexIndices": idx,
    "upperInnerLip": 62 - 48,
    "lowerInnerLip": 66 - 48,
    "neutral": np.round(neutral, 5).tolist(),
    "modes": np.round(modes, 5).tolist(),
}, open(args.out, "w"))
print("wrote", args.out)
