import { IctHeadMesh } from "../../plugin/reconstruction/ictHeadMesh";
import { IctLandmarkBasis } from "../../plugin/reconstruction/ictLandmarkBasis";
import { type ILandmarkFitResult } from "../../plugin/reconstruction/landmarkFitter";
import { CameraPositions, ProjectPhotoOntoMesh, RasterizeTriangle } from "../../plugin/reconstruction/photoTexture";
import { type IImagePixels } from "../../plugin/reconstruction/imagePixels";
import { InterOcularDistance } from "../../plugin/reconstruction/multiPie68";
import { OccludedSkin } from "../../plugin/reconstruction/occludedSkin";

type Rgb = [number, number, number];

/**
 * A painted face: ICT's mean landmarks seen from the front (inter-ocular distance 100 px) on a head-shaped
 * ellipse (the "mesh"), skin-coloured, with dark hair on the scalp and whatever `paint` adds.
 */
interface IPaintedFace {
    image: IImagePixels;
    /** The 68 landmarks, px. */
    landmarks: Float32Array;
    /** Whether the "mesh" covers a position. */
    onMesh: (x: number, y: number) => boolean;
    iod: number;
}

async function PaintedFace(paint: (x: number, y: number, face: Omit<IPaintedFace, "image">) => Rgb | null): Promise<IPaintedFace> {
    const mean = (await IctLandmarkBasis.LoadAsync()).mean;
    const raw = new Float32Array(136);
    for (let i = 0; i < 68; i++) {
        raw[2 * i] = mean[3 * i];
        raw[2 * i + 1] = -mean[3 * i + 1];
    }
    const scale = 100 / InterOcularDistance(raw);
    const landmarks = raw.map((v, i) => (i % 2 ? 240 : 200) + scale * (v - raw[(i % 2) + 2 * 30]));
    const iod = InterOcularDistance(landmarks);
    const [jawLeft, jawRight, chin] = [landmarks[0], landmarks[32], landmarks[17]];
    const centre = [(jawLeft + jawRight) / 2, chin - 1.6 * iod];
    const radii = [(jawRight - jawLeft) / 2 + 0.25 * iod, 1.75 * iod];
    const onMesh = (x: number, y: number): boolean => ((x - centre[0]) / radii[0]) ** 2 + ((y - centre[1]) / radii[1]) ** 2 <= 1;
    const size = 400;
    const data = new Uint8Array(size * size * 4);
    const browY = (landmarks[2 * 19 + 1] + landmarks[2 * 24 + 1]) / 2;
    for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
            const scalp = y < browY - 0.8 * iod;
            const colour: Rgb = paint(x + 0.5, y + 0.5, { landmarks, onMesh, iod }) ?? (!onMesh(x + 0.5, y + 0.5) ? [128, 128, 128] : scalp ? _Hair : _Skin);
            data.set([...colour, 255], 4 * (y * size + x));
        }
    }
    return { image: { width: size, height: size, data }, landmarks, onMesh, iod };
}

const _Skin: Rgb = [205, 150, 120];
const _Hair: Rgb = [34, 32, 38];

describe("OccludedSkin (what covers the face's skin in the photo)", () => {
    it("finds hair falling over a cheek from the face's edge, and spares a shadowed cheek, a painted dot and the eyes", async () => {
        let dot: [number, number] = [0, 0];
        const { image, landmarks, onMesh, iod } = await PaintedFace((x, y, { iod, landmarks: lm }) => {
            const [eyeX, eyeY] = [(lm[2 * 36] + lm[2 * 39]) / 2, (lm[2 * 36 + 1] + lm[2 * 39 + 1]) / 2];
            dot = [(lm[2 * 14] + lm[2 * 35]) / 2, (lm[2 * 14 + 1] + lm[2 * 35 + 1]) / 2];
            const mouthY = lm[2 * 48 + 1];
            if (Math.hypot(x - eyeX, y - eyeY) < 0.12 * iod || Math.hypot(x - lm[2 * 45], y - lm[2 * 45 + 1]) < 0.1 * iod) {
                return [30, 25, 25];
            }
            if (Math.hypot(x - dot[0], y - dot[1]) < 0.08 * iod) {
                return [40, 40, 160];
            }
            // A strand of hair over the subject's right cheek (the image's left), from the face's edge inwards.
            if (x < lm[0] + 0.35 * iod && y > lm[2 * 19 + 1] && y < mouthY) {
                return _Hair;
            }
            // The other cheek in deep shadow: the same hue, darker than the skin's colours reach, but nearer them than the hair's.
            if (x > lm[32] - 0.3 * iod && y > lm[2 * 24 + 1] && y < lm[2 * 12 + 1]) {
                return [Math.round(0.3 * _Skin[0]), Math.round(0.3 * _Skin[1]), Math.round(0.3 * _Skin[2])];
            }
            return null;
        });
        const occluded = OccludedSkin.Find(image, landmarks, onMesh);
        const strandY = (landmarks[2 * 19 + 1] + landmarks[2 * 48 + 1]) / 2;
        expect(occluded.isOccluded(landmarks[0] + 0.2 * iod, strandY)).toBe(true);
        expect(occluded.isOccluded(landmarks[32] - 0.15 * iod, (landmarks[2 * 24 + 1] + landmarks[2 * 12 + 1]) / 2)).toBe(false);
        expect(occluded.isOccluded(dot[0], dot[1])).toBe(false);
        expect(occluded.isOccluded(landmarks[2 * 36] + 0.05 * iod, landmarks[2 * 36 + 1])).toBe(false);
        // Lit skin, and the hair on the scalp (not the face's skin), are not occluded skin.
        expect(occluded.isOccluded(landmarks[2 * 30], landmarks[2 * 30 + 1] + 0.1 * iod)).toBe(false);
        expect(occluded.isOccluded(landmarks[2 * 27], landmarks[2 * 27 + 1] - 1.5 * iod)).toBe(false);
        // The strand covers about half a square inter-ocular distance: ~1100 cells of 1/48 IOD.
        expect(occluded.occludedCells).toBeGreaterThan(500);
    });

    it("finds (almost) nothing on a face that shows only skin, and finds the background where the mesh reaches past the face's edge", async () => {
        const clean = await PaintedFace(() => null);
        // At most a few cells where the mesh's edge mixes skin and background.
        expect(OccludedSkin.Find(clean.image, clean.landmarks, clean.onMesh).occludedCells).toBeLessThan(20);
        // The face narrower than the mesh: the photo's background shows over the mesh's cheek.
        const { image, landmarks, onMesh, iod } = await PaintedFace((x, y, { iod, landmarks: lm, onMesh }) => (onMesh(x, y) && x > lm[32] - 0.1 * iod && y > lm[2 * 24 + 1] ? [128, 128, 128] : null));
        expect(OccludedSkin.Find(image, landmarks, onMesh).isOccluded(landmarks[32] - 0.05 * iod, landmarks[2 * 14 + 1])).toBe(true);
    });

    it("makes the projection take the mirror image's colour where hair covers one cheek (ProjectPhotoOntoMesh)", async () => {
        const [mesh, basis] = await Promise.all([IctHeadMesh.LoadAsync(), IctLandmarkBasis.LoadAsync()]);
        // ICT's mean head from the front, 50 cm away, its eyes 100 px apart in a 400 px photo.
        const size = 400;
        const translation = Float64Array.of(0, -4, -50);
        const fit = { alpha: new Float32Array(20), beta: new Float32Array(53), rotation: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), translation, focal: 0, projected: new Float32Array(136) } as ILandmarkFitResult;
        const project = (camera: ArrayLike<number>, i: number): [number, number] => [size / 2 + (fit.focal * camera[3 * i]) / -camera[3 * i + 2], size / 2 - (fit.focal * camera[3 * i + 1]) / -camera[3 * i + 2]];
        const landmarksCm = CameraPositions(basis.mean, fit);
        fit.focal = (100 * 50) / Math.hypot(landmarksCm[3 * 45] - landmarksCm[3 * 36], landmarksCm[3 * 45 + 1] - landmarksCm[3 * 36 + 1]);
        for (let i = 0; i < 68; i++) {
            fit.projected.set(project(landmarksCm, i), 2 * i);
        }
        const lm = fit.projected;
        const camera = CameraPositions(mesh.positions(fit.alpha, fit.beta), fit);
        // The mesh's nearest distance per pixel (where it covers the photo).
        const depth = new Float32Array(size * size).fill(Infinity);
        const pointDepth = (t: number, b0: number, b1: number): number => -(b0 * camera[3 * mesh.triangles[3 * t] + 2] + b1 * camera[3 * mesh.triangles[3 * t + 1] + 2] + (1 - b0 - b1) * camera[3 * mesh.triangles[3 * t + 2] + 2]);
        for (let t = 0; t < mesh.triangleCount; t++) {
            const corners = [0, 1, 2].map((k) => project(camera, mesh.triangles[3 * t + k]));
            RasterizeTriangle(corners.map((c) => c[0]), corners.map((c) => c[1]), size, size, (x, y, b0, b1) => (depth[y * size + x] = Math.min(depth[y * size + x], pointDepth(t, b0, b1))));
        }
        const covered = (x: number, y: number): boolean => depth[Math.floor(y) * size + Math.floor(x)] < Infinity;
        const browY = (lm[2 * 19 + 1] + lm[2 * 24 + 1]) / 2;
        const strand = (x: number, y: number, inset = 0): boolean => x < lm[0] + (0.35 - inset) * 100 && x > lm[0] - 0.3 * 100 && y > lm[2 * 19 + 1] + inset * 100 && y < lm[2 * 48 + 1] - inset * 100;
        const data = new Uint8Array(size * size * 4);
        for (let y = 0; y < size; y++) {
            for (let x = 0; x < size; x++) {
                const colour = !covered(x, y) ? [128, 128, 128] : y < browY - 80 || strand(x + 0.5, y + 0.5) ? _Hair : _Skin;
                data.set([...colour, 255], 4 * (y * size + x));
            }
        }
        const projected = ProjectPhotoOntoMesh(mesh, fit, { width: size, height: size, data }, { skinSize: 128, eyeSize: 32 });
        // The skin texels that the photo shows (the nearest surface there) under the strand, well inside it and below the eye (the brow and eye keep their own colours).
        const under: number[] = [];
        for (let n = 0; n < projected.skinTexels.triangle.length; n++) {
            const t = projected.skinTexels.triangle[n];
            const [b0, b1] = [projected.skinTexels.bary[2 * n], projected.skinTexels.bary[2 * n + 1]];
            const corners = [0, 1, 2].map((k) => project(camera, mesh.triangles[3 * t + k]));
            const [x, y] = [0, 1].map((c) => b0 * corners[0][c] + b1 * corners[1][c] + (1 - b0 - b1) * corners[2][c]);
            if (strand(x, y, 0.1) && x > lm[0] + 0.15 * 100 && y > lm[2 * 41 + 1] && pointDepth(t, b0, b1) < depth[Math.floor(y) * size + Math.floor(x)] + 0.2) {
                under.push(n);
            }
        }
        expect(under.length).toBeGreaterThan(20);
        const gaveWay = under.filter((n) => projected.givesWay(projected.skinTexels.triangle[n], projected.skinTexels.bary[2 * n], projected.skinTexels.bary[2 * n + 1]) > 0.9);
        expect(gaveWay.length / under.length).toBeGreaterThan(0.8);
        const rgb = projected.skin.rgb;
        const skinLike = under.filter((n) => {
            const k = projected.skinTexels.texel[n];
            return Math.hypot(...[0, 1, 2].map((c) => rgb[3 * k + c] - _Skin[c] / 255)) < 0.15;
        });
        expect(skinLike.length / under.length).toBeGreaterThan(0.8);
    });
});
