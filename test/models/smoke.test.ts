/**
 * models/ smoke run: a few steps of each trainer (the landmark regressor's too) and the export at tiny sizes (`python3 -m models.smoke`),
 * then the exported pack.json is checked (structure, hashes, shape chains) by models.packcheck, and the
 * runtime loads it: its D-Net (fine-tuned with a jump) matches the PyTorch fixture on the CPU, and the stretch
 * carve set by models.stretch_carve reaches the loader.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModelPack } from "../../plugin/pack/modelPack";
import { DiskReader } from "../support/nodeFiles";

const PYTHON = "/usr/bin/python3"; // Debian's interpreter: the only one that sees python3-torch

test("smoke: tiny training of every network and the export produce a valid pack", async () => {
    const out = mkdtempSync(join(tmpdir(), "nofa-smoke-"));
    try {
        const run = spawnSync(PYTHON, ["-m", "models.smoke", "--out", out], { encoding: "utf8", timeout: 110_000 });
        expect(run.stderr.split("\n").filter((l) => /Error|Traceback/.test(l))).toEqual([]);
        expect(run.status).toBe(0);
        const check = spawnSync(PYTHON, ["-m", "models.packcheck", join(out, "pack")], { encoding: "utf8" });
        expect(check.stdout.trim()).toBe("ok");
        const pack = JSON.parse(readFileSync(join(out, "pack", "pack.json"), "utf8"));
        expect(pack.format).toBe("nofa-pack");
        expect(pack.alphaDims).toBe(4);
        expect(pack.triplane).toEqual({ channels: 8, resolution: 16 });
        expect(pack.provenance.command).toContain("-m models.train_canonical");
        for (const net of ["decoder", "deformation", "blend", "generator"]) {
            const fixture = JSON.parse(readFileSync(join(out, "pack", "fixtures", `${net}.json`), "utf8"));
            expect(fixture.network).toBe(net);
            expect(fixture.outputs.length).toBeGreaterThan(0);
        }
        expect(pack.networks.deformation.jump.sharpness).toBeGreaterThan(0);
        const loaded = await ModelPack.LoadAsync(DiskReader(join(out, "pack")));
        expect(loaded.deformationJumpSharpness).toBe(pack.networks.deformation.jump.sharpness);
        // models.stretch_carve set the thresholds, then models.eyelids the rig (for the pack's 4 identity
        // coefficients, with its fixture); each set the version and recorded itself.
        expect(loaded.stretchCarve).toEqual({ from: 0.4, to: 0.8 });
        expect(loaded.eyelids?.eyes.map((e) => e.centre.identity.length)).toEqual([4, 4]);
        expect(JSON.parse(readFileSync(join(out, "pack", "fixtures", "eyelids.json"), "utf8")).canonical.length).toBeGreaterThan(0);
        expect(loaded.version).toBe("1.0.2");
        // Only the backward field, the carve and the rig changed since the export: its avatars still render.
        expect(pack.compatibleAvatarVersions).toEqual(["1.0.0", "1.1.0", "1.0.1"]);
        expect(loaded.rendersAvatarsOf(pack.id, "1.0.0")).toBe(true);
        expect(pack.provenance.command).toContain("-m models.stretch_carve");
        expect(pack.provenance.command).toContain("-m models.eyelids");
        const dnet = JSON.parse(readFileSync(join(out, "pack", "fixtures", "deformation.json"), "utf8"));
        const o = new Float32Array(loaded.deformation.outputSize);
        expect(o.length).toBe(7);
        dnet.inputs.forEach((row: number[], i: number) => {
            loaded.deformation.evaluate(Float32Array.from(row), o);
            dnet.outputs[i].forEach((want: number, k: number) => expect(Math.abs(o[k] - want)).toBeLessThanOrEqual(dnet.tolerance.abs + dnet.tolerance.rel * Math.abs(want)));
        });
        const regressor = JSON.parse(readFileSync(join(out, "regressor", "landmark-regressor.json"), "utf8"));
        expect(regressor.format).toBe("nofa-landmark-regressor");
        expect(regressor.provenance.command).toContain("-m models.train_landmark_regressor");
        expect(regressor.files["landmark-regressor.onnx"].byteLength).toBe(statSync(join(out, "regressor", "landmark-regressor.onnx")).size);
        const parity = JSON.parse(readFileSync(join(out, "regressor", "parity.json"), "utf8"));
        expect(parity.samples[0].features).toHaveLength(209);
    } finally {
        rmSync(out, { recursive: true, force: true });
    }
}, 120_000);
