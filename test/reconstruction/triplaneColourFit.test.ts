import { readFileSync } from "node:fs";
import { HalfArrayToFloat32 } from "../../plugin/io/float16";
import { GenerateAvatarAssetAsync } from "../../plugin/pack/avatarGenerator";
import { ModelPack } from "../../plugin/pack/modelPack";
import { IctHeadMesh } from "../../plugin/reconstruction/ictHeadMesh";
import { FitTriplaneColours, type ITriplaneFeatures } from "../../plugin/reconstruction/triplaneColourFit";
import { DiskReader } from "../support/nodeFiles";
import { Decode, type Vec3 } from "../reference/volumeReference";
import { DerivedHeadMeshPath } from "./reconstructionFixtures";

describe("FitTriplaneColours (fast adaptation: the base pack's G(0) and decoder, points on the ICT mesh)", () => {
    let pack: ModelPack;
    let volume: ITriplaneFeatures;
    let points: Float32Array;
    beforeAll(async () => {
        pack = await ModelPack.LoadAsync(DiskReader("models/packs/ict-base"));
        const asset = await GenerateAvatarAssetAsync(pack, new Float32Array(pack.manifest.alphaDims));
        volume = { triplane: asset.triplane, channels: asset.channels, resolution: asset.resolution, boxMin: pack.manifest.canonicalBox.min, boxMax: pack.manifest.canonicalBox.max };
        // Every 7th skin vertex of the mean face, 0.3 mm inside the surface (where the volume's colour accumulates).
        const bytes = readFileSync(DerivedHeadMeshPath);
        const mesh = IctHeadMesh.FromBinary(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
        const all = mesh.positions([]);
        const picked: number[] = [];
        for (let v = 0; v < 9409; v += 7) {
            if (all[3 * v + 2] > 4) {
                picked.push(all[3 * v], all[3 * v + 1], all[3 * v + 2] - 0.03);
            }
        }
        points = Float32Array.from(picked);
    });

    const decodeAt = (values: Float32Array, p: ArrayLike<number>): [number, number, number, number] => {
        const u = [0, 1, 2].map((a) => (2 * (p[a] - volume.boxMin[a])) / (volume.boxMax[a] - volume.boxMin[a]) - 1) as Vec3;
        return Decode(pack, { values, channels: volume.channels, resolution: volume.resolution }, u);
    };
    const decodeAll = (triplane: Uint16Array): [number, number, number, number][] => {
        const values = HalfArrayToFloat32(triplane);
        return Array.from({ length: points.length / 3 }, (_, p) => decodeAt(values, points.subarray(3 * p, 3 * p + 3)));
    };

    it("paints the face with the target colours while its density stays G(α)'s, and leaves far texels alone", () => {
        const n = points.length / 3;
        // Photo-like colours the base head does not have: a light-to-dark gradient across the face and
        // darker bands down it (the decoder, trained on ICT's skin, lips, teeth and eyes, reaches
        // natural colours; saturated ones such as pure red are outside what it can give).
        const colours = new Float32Array(3 * n);
        for (let p = 0; p < n; p++) {
            const shade = (0.75 + 0.035 * points[3 * p]) * (Math.sin(points[3 * p + 1]) > 0 ? 1 : 0.7);
            colours.set([0.85 * shade, 0.62 * shade, 0.5 * shade], 3 * p);
        }
        const before = decodeAll(volume.triplane);
        const fitted = FitTriplaneColours(volume, pack.decoder, { positions: points, colours, weights: new Float32Array(n).fill(1) });
        const after = decodeAll(fitted);
        const rms = (d: [number, number, number, number][]): number => Math.sqrt(d.reduce((s, o, p) => s + [1, 2, 3].reduce((t, c) => t + (o[c] - colours[3 * p + c - 1]) ** 2, 0), 0) / (3 * n));
        expect(rms(before)).toBeGreaterThan(0.1);
        expect(rms(after)).toBeLessThan(0.5 * rms(before));
        // The surface stays where it was: occupancy (density over a 0.25 cm step) at these points barely moves.
        const occupancy = (o: number[]): number => 1 - Math.exp(-o[0] * 0.25);
        const change = after.reduce((s, o, p) => s + Math.abs(occupancy(o) - occupancy(before[p])), 0) / n;
        expect(change).toBeLessThan(0.1);
        const far = [volume.boxMax[0] - 0.1, volume.boxMax[1] - 0.1, volume.boxMax[2] - 0.1];
        expect(decodeAt(HalfArrayToFloat32(fitted), far)).toEqual(decodeAt(HalfArrayToFloat32(volume.triplane), far));
    });

    it("keeps the colour of points whose target is NaN (the right half) while it darkens the left half", () => {
        const n = points.length / 3;
        const colours = new Float32Array(3 * n);
        for (let p = 0; p < n; p++) {
            colours.set(points[3 * p] > 0 ? [0.4, 0.28, 0.22] : [NaN, NaN, NaN], 3 * p);
        }
        const before = decodeAll(volume.triplane);
        const after = decodeAll(FitTriplaneColours(volume, pack.decoder, { positions: points, colours, weights: new Float32Array(n).fill(1) }));
        const meanChange = (side: (x: number) => boolean, c: number): number => {
            const idx = before.map((_, p) => p).filter((p) => side(points[3 * p]));
            return idx.reduce((s, p) => s + after[p][c] - before[p][c], 0) / idx.length;
        };
        // The subject's left (+x) darkens; the right (x < −1 cm, clear of the seam) keeps its colour.
        expect(meanChange((x) => x > 1, 1)).toBeLessThan(-0.08);
        expect(Math.abs(meanChange((x) => x < -1, 1))).toBeLessThan(0.03);
        expect(Math.abs(meanChange((x) => x < -1, 2))).toBeLessThan(0.03);
    });
});
