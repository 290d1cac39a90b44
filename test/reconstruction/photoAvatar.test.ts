import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import validator from "gltf-validator";
import { PNG } from "pngjs";
import { HalfArrayToFloat32 } from "../../plugin/io/float16";
import { ReadAvatarGlb, WriteAvatarGlb } from "../../plugin/loader/avatarGlb";
import { ModelPack } from "../../plugin/pack/modelPack";
import { DeformedBox } from "../../plugin/pack/packManifest";
import { FaceLandmarkDetector } from "../../plugin/reconstruction/faceLandmarkDetector";
import { IctLandmarkBasis } from "../../plugin/reconstruction/ictLandmarkBasis";
import { DecodeImageAsync } from "../../plugin/reconstruction/imagePixels";
import { IctHeadMesh } from "../../plugin/reconstruction/ictHeadMesh";
import { InterOcularDistance } from "../../plugin/reconstruction/multiPie68";
import { BuildPhotoLayer, NoPhotoSurface } from "../../plugin/reconstruction/photoLayer";
import { ProjectPhotoOntoMesh } from "../../plugin/reconstruction/photoTexture";
import { PhotoLayerCamera } from "../../plugin/reconstruction/photoLayerCamera";
import { PhotoCameraCentre } from "../../plugin/volume/triplaneTexture";
import { PersonMatte } from "../../plugin/reconstruction/personSegmenter";
import { type IPhotoAvatar, type IReconstructionProgress, ReconstructAvatarAsync } from "../../plugin/reconstruction/photoAvatar";
import { DiskReader } from "../support/nodeFiles";
import { ColourOffset, Decode, PhotoSample, type Vec3 } from "../reference/volumeReference";
import { FaceApiModelFolder, SamplePhotoPath, SegmentationModelFolder, TurnedSquare } from "./reconstructionFixtures";

const run = promisify(execFile);
const Cli = join("dist", "cli", "nofa-babylon.mjs");

/**
 * The photo layer's pixel a canonical point projects into, and its distance from the photo's camera.
 * @param layer the layer (its row-major 3 × 4 projection and size)
 * @param x the canonical point, cm
 * @returns the pixel index and w, or null outside the layer
 */
function LayerPixelOf(layer: { projection: ArrayLike<number>; width: number; height: number }, x: ArrayLike<number>): { pixel: number; w: number } | null {
    const P = layer.projection;
    const h = [0, 1, 2].map((r) => P[4 * r] * x[0] + P[4 * r + 1] * x[1] + P[4 * r + 2] * x[2] + P[4 * r + 3]);
    const [u, v] = [Math.floor((h[0] / h[2]) * layer.width), Math.floor((h[1] / h[2]) * layer.height)];
    return u >= 0 && v >= 0 && u < layer.width && v < layer.height ? { pixel: v * layer.width + u, w: h[2] } : null;
}

describe("photo → avatar (ReconstructAvatarAsync, Node)", () => {
    let pack: ModelPack;
    let detector: FaceLandmarkDetector;
    let result: IPhotoAvatar;
    const progress: IReconstructionProgress[] = [];
    beforeAll(async () => {
        pack = await ModelPack.LoadAsync(DiskReader("models/packs/ict-base"));
        detector = await FaceLandmarkDetector.CreateAsync({ models: DiskReader(FaceApiModelFolder) });
        result = await ReconstructAvatarAsync(readFileSync(SamplePhotoPath), pack, { detector, segmentationModel: DiskReader(SegmentationModelFolder), onProgress: (p) => progress.push(p) });
    });

    it("reports every stage in order, with the fraction of the work growing to 1", () => {
        expect(progress.map((p) => p.stage)).toEqual(["decode", "detect", "fit", "generate", "project", "adapt", "mesh", "done"]);
        progress.slice(1).forEach((p, i) => expect(p.fraction).toBeGreaterThan(progress[i].fraction));
        expect(progress[progress.length - 1].fraction).toBe(1);
        expect(Object.keys(result.timings).sort()).toEqual(["adapt", "decode", "detect", "fit", "generate", "mesh", "project"]);
    });

    /** Mean distance between the photo's colour and the volume's rendered surface colour at landmarks down the nose. */
    const NoseColourError = async (avatar: IPhotoAvatar): Promise<number> => {
        const { fit, asset } = avatar;
        const image = await DecodeImageAsync(readFileSync(SamplePhotoPath));
        const box = pack.manifest.canonicalBox;
        const values = HalfArrayToFloat32(asset.triplane);
        expect(asset.colourPlanes).toBeDefined();
        const planes = { values: HalfArrayToFloat32(asset.colourPlanes!.values), resolution: asset.colourPlanes!.resolution };
        // Landmarks down the nose (bridge to tip, nostrils): where the fit puts them in the photo, and their
        // canonical (neutral-expression) positions for the fitted identity.
        const landmarks = [27, 28, 29, 30, 31, 33, 35];
        const basis = await IctLandmarkBasis.LoadAsync();
        const canonical = basis.evaluate(fit.alpha, []);
        let error = 0;
        for (const l of landmarks) {
            const [u, v] = [fit.projected[2 * l], fit.projected[2 * l + 1]];
            const o = (Math.round(v) * image.width + Math.round(u)) * 4;
            const photo = [0, 1, 2].map((c) => image.data[o + c] / 255);
            // March along −z towards the face, from 2 cm in front of the landmark to the volume's surface.
            const [x, y] = [canonical[3 * l], canonical[3 * l + 1]];
            let colour: number[] | null = null;
            for (let z = canonical[3 * l + 2] + 2; z > 0; z -= 0.05) {
                const u3 = [x, y, z].map((p, a) => (2 * (p - box.min[a])) / (box.max[a] - box.min[a]) - 1) as Vec3;
                const d = Decode(pack, { values, channels: asset.channels, resolution: asset.resolution }, u3);
                if (1 - Math.exp(-d[0] * 0.25) > 0.5) {
                    const offset = ColourOffset(planes, u3);
                    colour = [1, 2, 3].map((c) => 1 / (1 + Math.exp(-(Math.log(d[c] / (1 - d[c])) + offset[c - 1]))));
                    break;
                }
            }
            expect(colour).not.toBeNull();
            error += Math.hypot(...photo.map((p, c) => p - colour![c])) / landmarks.length;
        }
        return error;
    };

    it("gives the volume the photo's colours where the photo shows the face (down the nose)", async () => {
        // The base pack's head is ~0.25 away from this photo's pale skin; the fitted colours land close to the photo's.
        expect(await NoseColourError(result)).toBeLessThan(0.1);
    });

    it("refines on request, after the fast fit: finer colour planes, progress reported as the refinement advances, the same colours down the nose; cancellable mid-way", async () => {
        const reports: IReconstructionProgress[] = [];
        // 30 iterations (the default is 60) keep the test short; the planes, points and projection are the refinement's.
        const refined = await ReconstructAvatarAsync(readFileSync(SamplePhotoPath), pack, { detector, refine: { colourFit: { iterations: 30 } }, onProgress: (p) => reports.push(p) });
        const stages = reports.map((p) => p.stage).filter((stage, i, all) => stage !== all[i - 1]);
        expect(stages).toEqual(["decode", "detect", "fit", "generate", "project", "adapt", "refine", "mesh", "done"]);
        expect(reports.filter((p) => p.stage === "refine").length).toBeGreaterThan(3);
        reports.slice(1).forEach((p, i) => expect(p.fraction).toBeGreaterThanOrEqual(reports[i].fraction));
        expect(Object.keys(refined.timings).sort()).toEqual(["adapt", "decode", "detect", "fit", "generate", "mesh", "project", "refine"]);
        expect(refined.asset.colourPlanes!.resolution).toBe(512);
        expect(result.asset.colourPlanes!.resolution).toBe(256);
        // As close to the photo down the nose as the fast fit (0.098 there, 0.102 refined with these 30 iterations).
        expect(await NoseColourError(refined)).toBeLessThan((await NoseColourError(result)) + 0.01);

        const abort = new AbortController();
        let refineReports = 0;
        const cancelled = ReconstructAvatarAsync(readFileSync(SamplePhotoPath), pack, {
            detector,
            refine: true,
            signal: abort.signal,
            onProgress: (p) => p.stage === "refine" && ++refineReports === 3 && abort.abort(),
        });
        await expect(cancelled).rejects.toMatchObject({ name: "ReconstructionError", code: "ABORTED" });
        expect(refineReports).toBe(3);
    });

    it("keeps the photo in a layer seen from the photo's camera: its colour on the face, hair beyond the head as a slab, and the photo's expression", async () => {
        const { fit, asset, hairMatte } = result;
        const layer = asset.photoLayer!;
        expect(layer).toBeDefined();
        // The expression the photo was taken at travels with it (the runtime's mouth cavity shading starts beyond it).
        expect(Array.from(layer.expression!)).toEqual(Array.from(fit.beta));
        const image = await DecodeImageAsync(readFileSync(SamplePhotoPath));
        const depth = HalfArrayToFloat32(layer.depth);
        const basis = await IctLandmarkBasis.LoadAsync();
        const canonical = basis.evaluate(fit.alpha, []);
        const at = (x: number[]): { pixel: number; w: number } => LayerPixelOf(layer, x)!;
        // Down the nose: the layer's pixel for the canonical landmark holds the photo's colour where the fit put that
        // landmark, trusted, with the surface at the landmark's distance.
        for (const l of [27, 28, 29, 30, 33]) {
            const { pixel, w } = at([canonical[3 * l], canonical[3 * l + 1], canonical[3 * l + 2]]);
            const o = (Math.round(fit.projected[2 * l + 1]) * image.width + Math.round(fit.projected[2 * l])) * 4;
            const photo = [0, 1, 2].map((c) => image.data[o + c] / 255);
            const colour = [0, 1, 2].map((c) => layer.colour[4 * pixel + c] / 255);
            expect(Math.hypot(...photo.map((p, c) => p - colour[c]))).toBeLessThan(0.12);
            expect(layer.colour[4 * pixel + 3]).toBeGreaterThan(128);
            expect(Math.abs(depth[4 * pixel] - w)).toBeLessThan(0.6);
            expect(depth[4 * pixel + 3]).toBe(0);
        }
        // sample2's long dark hair falls beside her face: a good part of the layer is slab, with density there and
        // nowhere else; off the head's surface (untrusted colour) but for a 3-pixel overlap of its outline, where the
        // slab meets the head without a crack, starting at the head's surface.
        const slab = hairMatte.reduce((n, m) => n + (m > 0 ? 1 : 0), 0);
        expect(slab).toBeGreaterThan(0.05 * layer.width * layer.height);
        const offHeadSlabNear = (p: number): boolean => {
            const [x, y] = [p % layer.width, Math.floor(p / layer.width)];
            for (let dy = -3; dy <= 3; dy++) {
                for (let dx = -3; dx <= 3; dx++) {
                    const q = (y + dy) * layer.width + x + dx;
                    if (Math.abs(dx) + Math.abs(dy) <= 3 && hairMatte[q] > 0 && layer.colour[4 * q + 3] === 0) {
                        return true;
                    }
                }
            }
            return false;
        };
        let overlap = 0;
        for (let p = 0; p < hairMatte.length; p++) {
            expect(depth[4 * p + 3] > 0).toBe(hairMatte[p] > 0);
            if (hairMatte[p] > 0) {
                expect(depth[4 * p + 2]).toBeGreaterThan(depth[4 * p + 1]);
                if (layer.colour[4 * p + 3] > 0) {
                    // Over the head the slab starts at its surface (float16: ±0.03 cm at ~50 cm), so turned views do not see it in front.
                    expect(offHeadSlabNear(p)).toBe(true);
                    expect(depth[4 * p + 1]).toBeGreaterThan(depth[4 * p] - 0.05);
                    overlap++;
                }
            }
        }
        expect(overlap).toBeGreaterThan(0);
        expect(overlap).toBeLessThan(0.2 * slab);
        // Off the head the slab's mid-depth (35 % of it in front) is one smooth surface: neighbours differ by less
        // than a centimetre. Unsmoothed, where the nearest outline pixel jumped from the jaw to the ear, it jumped
        // by up to 16 cm, and turned views showed blocks of hair at different depths.
        const mid = (p: number): number => 0.65 * depth[4 * p + 1] + 0.35 * depth[4 * p + 2];
        const offHead = (p: number): boolean => hairMatte[p] > 0 && layer.colour[4 * p + 3] === 0 && Math.abs(depth[4 * p] - mid(p)) < 0.1;
        let largestStep = 0;
        for (let p = 0; p + layer.width < hairMatte.length; p++) {
            for (const q of [p + 1, p + layer.width]) {
                if ((q !== p + 1 || q % layer.width !== 0) && offHead(p) && offHead(q)) {
                    largestStep = Math.max(largestStep, Math.abs(mid(p) - mid(q)));
                }
            }
        }
        expect(largestStep).toBeGreaterThan(0);
        expect(largestStep).toBeLessThan(1);
    });

    it("projects a photo larger than the depth buffer's 2048 px as it projects the photo (sample2 at twice its size)", async () => {
        const image = await DecodeImageAsync(readFileSync(SamplePhotoPath));
        const big = { width: 2 * image.width, height: 2 * image.height, data: new Uint8Array(16 * image.width * image.height) };
        for (let y = 0; y < big.height; y++) {
            for (let x = 0; x < big.width; x++) {
                const from = 4 * ((y >> 1) * image.width + (x >> 1));
                big.data.set(image.data.subarray(from, from + 4), 4 * (y * big.width + x));
            }
        }
        const mesh = await IctHeadMesh.LoadAsync();
        const at1 = ProjectPhotoOntoMesh(mesh, result.fit, image, { skinSize: 128 }).skin;
        const at2 = ProjectPhotoOntoMesh(mesh, { ...result.fit, focal: 2 * result.fit.focal }, big, { skinSize: 128 }).skin;
        // The same texels seen and hidden (the coarser buffer decides visibility alike), with the same colours.
        let seen = 0;
        let disagree = 0;
        let colourError = 0;
        for (let k = 0; k < at1.weight.length; k++) {
            if (at1.weight[k] > 0.5 || at2.weight[k] > 0.5) {
                seen++;
                disagree += Math.abs(at1.weight[k] - at2.weight[k]) > 0.25 ? 1 : 0;
                colourError += Math.hypot(...[0, 1, 2].map((c) => at1.rgb[3 * k + c] - at2.rgb[3 * k + c]));
            }
        }
        expect(seen).toBeGreaterThan(0.2 * at1.weight.length);
        // Measured: 17 of 13,131 texels differ (0.13 %); a lookup that ignores the coarser grid: 1.1 %.
        expect(disagree / seen).toBeLessThan(0.005);
        expect(colourError / seen).toBeLessThan(0.02);
    });

    it("leaves the head beyond the photo's edge to the volume's colour, even seen along the photo's rays (a crop through the forehead)", async () => {
        const image = await DecodeImageAsync(readFileSync(SamplePhotoPath));
        const p = result.fit.projected;
        const iod = Math.hypot(p[2 * 45] - p[2 * 36], p[2 * 45 + 1] - p[2 * 36 + 1]);
        const [x0, y0] = [Math.round(p[2 * 30] - 2.5 * iod), Math.round(Math.min(p[2 * 19 + 1], p[2 * 24 + 1]) - 0.4 * iod)];
        const crop = new PNG({ width: Math.round(5 * iod), height: Math.round(3.5 * iod) });
        for (let y = 0; y < crop.height; y++) {
            crop.data.set(image.data.subarray(4 * ((y0 + y) * image.width + x0), 4 * ((y0 + y) * image.width + x0 + crop.width)), 4 * y * crop.width);
        }
        const cut = await ReconstructAvatarAsync(PNG.sync.write(crop), pack, { detector, segmentationModel: DiskReader(SegmentationModelFolder), fallbackMesh: false });
        const layer = cut.asset.photoLayer!;
        const reference = { ...layer, depth: HalfArrayToFloat32(layer.depth) };
        const camera = new PhotoLayerCamera(cut.fit, { width: crop.width, height: crop.height, data: crop.data }, DeformedBox(pack.manifest), layer.width, layer.height);
        // The crown's vertices lie beyond the photo's top edge. Those nearest the camera in their layer pixel (its first
        // surface) took the layer pixel's black there, trusted wholly in the photo's own view, before.
        const vertices = (await IctHeadMesh.LoadAsync()).positions(cut.fit.alpha);
        const centre = PhotoCameraCentre(layer.projection);
        const pixels = Array.from({ length: vertices.length / 3 }, (_, v) => LayerPixelOf(layer, vertices.subarray(3 * v, 3 * v + 3)));
        const front = new Map<number, number>();
        for (const at of pixels) {
            if (at) {
                front.set(at.pixel, Math.min(front.get(at.pixel) ?? Infinity, at.w));
            }
        }
        let beyond = 0;
        for (let v = 0; v < pixels.length; v++) {
            const at = pixels[v];
            if (!at || at.w > front.get(at.pixel)! + 0.3 || camera.photoPosition(at.pixel % layer.width, Math.floor(at.pixel / layer.width))[1] > -2) {
                continue;
            }
            const x: Vec3 = [vertices[3 * v], vertices[3 * v + 1], vertices[3 * v + 2]];
            const ray = x.map((c, k) => c - centre[k]);
            const length = Math.hypot(...ray);
            expect(PhotoSample(reference, x, ray.map((r) => r / length) as Vec3).surfaceWeight).toBeLessThan(0.01);
            expect(reference.depth[4 * at.pixel]).toBe(NoPhotoSurface);
            beyond++;
        }
        expect(beyond).toBeGreaterThan(50);
    });

    it("builds the same layer without the slab when hair is off", async () => {
        const image = await DecodeImageAsync(readFileSync(SamplePhotoPath));
        const bald = BuildPhotoLayer(await IctHeadMesh.LoadAsync(), result.fit, image, DeformedBox(pack.manifest), { hair: false });
        expect(bald.hairMatte.every((m) => m === 0)).toBe(true);
        const depth = HalfArrayToFloat32(bald.layer.depth);
        expect(depth.filter((_, i) => i % 4 === 3).every((d) => d === 0)).toBe(true);
        expect(Array.from(bald.layer.colour)).toEqual(Array.from(result.asset.photoLayer!.colour));
        expect(Array.from(bald.layer.projection)).toEqual(Array.from(result.asset.photoLayer!.projection));
    });

    it("grows the slab only through what the person matte calls the person", async () => {
        const image = await DecodeImageAsync(readFileSync(SamplePhotoPath));
        const mesh = await IctHeadMesh.LoadAsync();
        const everywhere = { x: 0, y: 0, size: Math.max(image.width, image.height) };
        const build = (value: number): Float32Array =>
            BuildPhotoLayer(mesh, result.fit, image, DeformedBox(pack.manifest), { personMatte: new PersonMatte(everywhere, 4, new Float32Array(16).fill(value)) }).hairMatte;
        expect(build(0).every((m) => m === 0)).toBe(true);
        // Where everything is the person the slab fills all it may (7 cm around the outline, down to the neck): more than the segmenter's.
        const all = build(1);
        const slab = (matte: Float32Array): number => matte.reduce((n, m) => n + (m > 0 ? 1 : 0), 0);
        expect(slab(all)).toBeGreaterThan(1.2 * slab(result.hairMatte));
        result.hairMatte.forEach((m, p) => m > 0 && expect(all[p]).toBeGreaterThan(0));
    });

    it("writes a valid glTF: the volume and a textured fallback mesh with the 53 ARKit morph targets", async () => {
        const glb = await WriteAvatarGlb(result.asset, "avatar", result.fallback);
        const report = await validator.validateBytes(glb);
        expect(report.issues.numErrors).toBe(0);
        expect(report.issues.numWarnings).toBe(0);
        const back = await ReadAvatarGlb(glb);
        expect(back.triplane).toEqual(result.asset.triplane);
        const json = JSON.parse(new TextDecoder().decode(glb.subarray(20, 20 + new DataView(glb.buffer, glb.byteOffset).getUint32(12, true))));
        expect(json.meshes[0].extras.targetNames).toHaveLength(53);
        expect(json.meshes[0].extras.targetNames).toContain("jawOpen");
        expect(json.extensionsUsed).toContain("NOFA_avatar_volume");
        expect(json.extensionsRequired).toBeUndefined();
    });

    it("refuses bad input with typed errors before any heavy work", async () => {
        const photo = readFileSync(SamplePhotoPath);
        await expect(ReconstructAvatarAsync(new TextEncoder().encode("not a photo"), pack, { detector })).rejects.toMatchObject({ code: "BAD_IMAGE" });
        await expect(ReconstructAvatarAsync(photo, pack, { detector, faceIndex: 3 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
        await expect(ReconstructAvatarAsync(photo, pack, { detector, minInterOcularPx: 1000 })).rejects.toMatchObject({ code: "FACE_TOO_SMALL" });
        await expect(ReconstructAvatarAsync(photo, pack, { detector, maxYawDegrees: 0.5 })).rejects.toMatchObject({ code: "POSE_UNSUPPORTED" });
        await expect(ReconstructAvatarAsync(photo, pack)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
        await expect(ReconstructAvatarAsync(photo, pack, { detector, maxLandmarkErrorIod: -1 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
        const abort = new AbortController();
        await expect(
            ReconstructAvatarAsync(photo, pack, { detector, signal: abort.signal, onProgress: (p) => p.stage === "fit" && abort.abort() })
        ).rejects.toMatchObject({ code: "ABORTED" });
    });

    it("says NO_FACE for a detection whose landmarks fit no face (a detector's false positive), before any heavy work", async () => {
        // human's collage of sample thumbnails: the detector scores a full-body thumbnail 0.51 as a face (IOD 48 px) and strews
        // its landmarks over the body. Measured: their median distance from the fitted 3DMM is 5.3 % of the eye distance; the
        // 19 dev-set faces fit within 1.7–2.4 %, four faces of human's other screenshots within 1.9–2.5 %.
        const collage = readFileSync(join("node_modules", "@vladmandic", "human", "assets", "samples.jpg"));
        const stages: string[] = [];
        const refusal = await ReconstructAvatarAsync(collage, pack, { detector, onProgress: (p) => stages.push(p.stage) }).catch((e: Error) => e);
        expect(refusal).toMatchObject({ name: "ReconstructionError", code: "NO_FACE", message: expect.stringContaining("is not a face") });
        expect(stages).toEqual(["decode", "detect", "fit"]);
        // The sample photo's face passes the same bar with room to spare, and fails a bar below its own error.
        const photo = readFileSync(SamplePhotoPath);
        const quick = { detector, photoLayer: false as const, fallbackMesh: false };
        const avatar = await ReconstructAvatarAsync(photo, pack, quick);
        const error = avatar.fit.medianErrorPx / InterOcularDistance(avatar.face.landmarks);
        expect(error).toBeLessThan(0.025);
        await expect(ReconstructAvatarAsync(photo, pack, { ...quick, maxLandmarkErrorIod: 0.9 * error })).rejects.toMatchObject({ code: "NO_FACE" });
    });

    it("measures the head's turn from the line to the camera, so a tilted photo of a face that looks at the camera is not refused", async () => {
        const photo = await DecodeImageAsync(readFileSync(SamplePhotoPath));
        // The photo turned 50° clockwise about its centre (a camera tilted that much): the face leans 34° the other way.
        const side = Math.max(photo.width, photo.height);
        const turned = { width: side, height: side, data: TurnedSquare(photo, photo.width / 2, photo.height / 2, side, -50, side) };
        const quick = { detector, photoLayer: false as const, fallbackMesh: false };
        // Measured: turned 26° and 23° (24° and 22° with fixed jaw vertices: the detector's jaw points differ between the two, and
        // now the fit follows them). The camera-axis yaw this replaced said 38° for the photo and 56° turned.
        const turns: number[] = [];
        for (const image of [photo, turned]) {
            const avatar = await ReconstructAvatarAsync(image, pack, { ...quick, maxYawDegrees: 30 });
            expect(avatar.fit.meanErrorIod).toBeLessThan(0.05);
            const refusal = await ReconstructAvatarAsync(image, pack, { ...quick, maxYawDegrees: 10 }).catch((e: Error) => e);
            expect(refusal).toMatchObject({ code: "POSE_UNSUPPORTED" });
            turns.push(Number(/turned (\d+)°/.exec((refusal as Error).message)![1]));
        }
        expect(Math.abs(turns[0] - turns[1])).toBeLessThanOrEqual(3);
    });

    (existsSync(Cli) ? it : it.skip)("the CLI writes the .glb, and says what is wrong (exit 1) or how to call it (exit 2)", async () => {
        const dir = mkdtempSync(join(tmpdir(), "nofa-cli-"));
        const out = join(dir, "avatar.glb");
        const { stderr } = await run("node", [Cli, "reconstruct", SamplePhotoPath, "-o", out, "--no-fallback"]);
        expect(stderr).toMatch(/wrote .*avatar\.glb/);
        expect((await ReadAvatarGlb(readFileSync(out))).alpha).toHaveLength(pack.manifest.alphaDims);
        await expect(run("node", [Cli, "reconstruct", "package.json", "-o", out])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/not a JPEG, PNG/) });
        await expect(run("node", [Cli, "reconstruct"])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/usage/) });
    });
});
