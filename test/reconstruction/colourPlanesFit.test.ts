import { HalfArrayToFloat32 } from "../../plugin/io/float16";
import { GenerateAvatarAssetAsync } from "../../plugin/pack/avatarGenerator";
import { ModelPack } from "../../plugin/pack/modelPack";
import { FitColourPlanes, FitColourPlanesAsync, type ITriplaneFeatures } from "../../plugin/reconstruction/colourPlanesFit";
import { ReconstructionError } from "../../plugin/reconstruction/reconstructionError";
import { IctHeadMesh } from "../../plugin/reconstruction/ictHeadMesh";
import { type IColourPlanes } from "../../plugin/volume/avatarAsset";
import { DiskReader } from "../support/nodeFiles";
import { ColourOffset, Decode, type Vec3 } from "../reference/volumeReference";
import { DerivedHeadMeshPath, ReadArrayBuffer } from "./reconstructionFixtures";

describe("FitColourPlanes (fast adaptation: the base pack's G(0) and decoder, points on the ICT mesh)", () => {
    let pack: ModelPack;
    let volume: ITriplaneFeatures;
    let features: Float32Array;
    let points: Float32Array;
    let back: Float32Array;
    beforeAll(async () => {
        pack = await ModelPack.LoadAsync(DiskReader("models/packs/ict-base"));
        const asset = await GenerateAvatarAssetAsync(pack, new Float32Array(pack.manifest.alphaDims));
        volume = { triplane: asset.triplane, channels: asset.channels, resolution: asset.resolution, boxMin: pack.manifest.canonicalBox.min, boxMax: pack.manifest.canonicalBox.max };
        features = HalfArrayToFloat32(asset.triplane);
        // Every 5th vertex of the front of the mean face.
        const all = IctHeadMesh.FromBinary(ReadArrayBuffer(DerivedHeadMeshPath)).positions([]);
        const picked: number[] = [];
        const behind: number[] = [];
        for (let v = 0; v < 9409; v += 5) {
            if (all[3 * v + 2] > 4) {
                picked.push(all[3 * v], all[3 * v + 1], all[3 * v + 2]);
            }
        }
        // Every 2nd vertex of the back of the head.
        for (let v = 9409; v < all.length / 3; v += 2) {
            if (all[3 * v + 2] < -6) {
                behind.push(all[3 * v], all[3 * v + 1], all[3 * v + 2]);
            }
        }
        points = Float32Array.from(picked);
        back = Float32Array.from(behind);
    });

    /** Rendered colour (decoder + colour planes) at every point (by default the face's). */
    const colours = (planes: IColourPlanes | null, at: Float32Array = points): number[][] => {
        const cp = planes ? { values: HalfArrayToFloat32(planes.values), resolution: planes.resolution } : null;
        return Array.from({ length: at.length / 3 }, (_, p) => {
            const u = [0, 1, 2].map((a) => (2 * (at[3 * p + a] - volume.boxMin[a])) / (volume.boxMax[a] - volume.boxMin[a]) - 1) as Vec3;
            const d = Decode(pack, { values: features, channels: volume.channels, resolution: volume.resolution }, u);
            const offset = cp ? ColourOffset(cp, u) : [0, 0, 0];
            return [1, 2, 3].map((c) => 1 / (1 + Math.exp(-(Math.log(d[c] / (1 - d[c])) + offset[c - 1]))));
        });
    };

    it("gives the face a photo's range of colours, saturated ones included, and stays zero far from the points", () => {
        const n = points.length / 3;
        // Left cheek to right: red to blue; bands of light and dark down the face.
        const target = new Float32Array(3 * n);
        for (let p = 0; p < n; p++) {
            const t = Math.min(Math.max(0.5 + points[3 * p] / 12, 0), 1);
            const shade = Math.sin(points[3 * p + 1] / 1.5) > 0 ? 1 : 0.5;
            target.set([0.9 * t * shade, 0.2 * shade, 0.9 * (1 - t) * shade], 3 * p);
        }
        const planes = FitColourPlanes(volume, pack.decoder, { positions: points, colours: target, weights: new Float32Array(n).fill(1) });
        const rms = (got: number[][]): number => Math.sqrt(got.reduce((s, c, p) => s + c.reduce((t, v, k) => t + (v - target[3 * p + k]) ** 2, 0), 0) / (3 * n));
        const before = rms(colours(null));
        const after = rms(colours(planes));
        expect(before).toBeGreaterThan(0.25);
        expect(after).toBeLessThan(0.1);
        // A corner of each plane no point comes near: no offset.
        const values = HalfArrayToFloat32(planes.values);
        const R = planes.resolution;
        for (let k = 0; k < 9; k++) {
            expect(Math.abs(values[k * R * R])).toBeLessThan(1e-3);
        }
    });

    it("leaves the back of the head alone when it paints the face (the xy plane fades out behind the cheeks)", () => {
        const n = points.length / 3;
        const target = new Float32Array(3 * n);
        for (let p = 0; p < n; p++) {
            target.set(Math.sin(points[3 * p + 1] / 1.5) > 0 ? [0.9, 0.1, 0.1] : [0.1, 0.1, 0.9], 3 * p);
        }
        const before = colours(null, back);
        const after = colours(FitColourPlanes(volume, pack.decoder, { positions: points, colours: target, weights: new Float32Array(n).fill(1) }), back);
        const change = after.map((c, p) => Math.max(...c.map((v, k) => Math.abs(v - before[p][k]))));
        expect(back.length / 3).toBeGreaterThan(100);
        // Without the fade, the face's stripes showed on the back of the head at full strength.
        expect(Math.max(...change)).toBeLessThan(0.02);
    });

    it("keeps the decoder's colour where the target is NaN (the right half) while it paints the left half", () => {
        const n = points.length / 3;
        const target = new Float32Array(3 * n);
        for (let p = 0; p < n; p++) {
            target.set(points[3 * p] > 0 ? [0.2, 0.6, 0.3] : [NaN, NaN, NaN], 3 * p);
        }
        const before = colours(null);
        const after = colours(FitColourPlanes(volume, pack.decoder, { positions: points, colours: target, weights: new Float32Array(n).fill(1) }));
        const meanChange = (side: (x: number) => boolean, c: number): number => {
            const idx = before.map((_, p) => p).filter((p) => side(points[3 * p]));
            return idx.reduce((s, p) => s + after[p][c] - before[p][c], 0) / idx.length;
        };
        // The subject's left (+x) turns green; the right (x < −1.5 cm, clear of the seam) keeps its colour.
        expect(meanChange((x) => x > 1.5, 1)).toBeGreaterThan(0.1);
        for (let c = 0; c < 3; c++) {
            expect(Math.abs(meanChange((x) => x < -1.5, c))).toBeLessThan(0.03);
        }
    });

    it("FitColourPlanesAsync (the refinement's fit) finds the same planes, reports its progress rising to 1, and finer planes started from coarse ones fit finer detail", async () => {
        const n = points.length / 3;
        // Stripes 6 mm wide across the face: finer than the default planes' texels resolve well.
        const target = new Float32Array(3 * n);
        for (let p = 0; p < n; p++) {
            target.set(Math.sin(points[3 * p] / 0.3) > 0 ? [0.8, 0.7, 0.6] : [0.3, 0.2, 0.2], 3 * p);
        }
        const targets = { positions: points, colours: target, weights: new Float32Array(n).fill(1) };
        const sync = FitColourPlanes(volume, pack.decoder, targets, { resolution: 128 });
        const progress: number[] = [];
        const asynchronous = await FitColourPlanesAsync(volume, pack.decoder, targets, { resolution: 128, onProgress: (f) => progress.push(f) });
        expect(Array.from(asynchronous.values)).toEqual(Array.from(sync.values));
        expect(progress[progress.length - 1]).toBe(1);
        progress.slice(1).forEach((f, i) => expect(f).toBeGreaterThanOrEqual(progress[i]));
        const rms = (planes: IColourPlanes): number => {
            const got = colours(planes);
            return Math.sqrt(got.reduce((s, c, p) => s + c.reduce((t, v, k) => t + (v - target[3 * p + k]) ** 2, 0), 0) / (3 * n));
        };
        // Finer planes, from the coarse fit's (as the refinement starts from the fast fit's).
        const fine = await FitColourPlanesAsync(volume, pack.decoder, targets, { resolution: 512, iterations: 60, initial: sync });
        expect(rms(fine)).toBeLessThan(0.8 * rms(sync));
    });

    it("FitColourPlanesAsync stops between iterations when its signal aborts, with a typed error; options out of range are refused", async () => {
        const n = points.length / 3;
        const targets = { positions: points, colours: new Float32Array(3 * n).fill(0.5), weights: new Float32Array(n).fill(1) };
        const controller = new AbortController();
        let reports = 0;
        const fit = FitColourPlanesAsync(volume, pack.decoder, targets, {
            resolution: 512,
            iterations: 10000,
            signal: controller.signal,
            onProgress: () => {
                if (++reports === 2) {
                    controller.abort();
                }
            },
        });
        await expect(fit).rejects.toBeInstanceOf(ReconstructionError);
        await expect(fit).rejects.toMatchObject({ code: "ABORTED" });
        expect(reports).toBe(2);
        // Options out of range: a typed error naming them, before any work.
        expect(() => FitColourPlanes(volume, pack.decoder, targets, { resolution: 0 })).toThrow(/resolution of 2 to 2048/);
        expect(() => FitColourPlanes(volume, pack.decoder, targets, { iterations: 1.5 })).toThrow(ReconstructionError);
        await expect(FitColourPlanesAsync(volume, pack.decoder, targets, { initial: { resolution: 64, values: new Uint16Array(10) } })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    });
});
