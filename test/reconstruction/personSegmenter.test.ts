import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FaceLandmarkDetector, type IDetectedFace } from "../../plugin/reconstruction/faceLandmarkDetector";
import { DecodeImageAsync, type IImagePixels } from "../../plugin/reconstruction/imagePixels";
import { PersonMatte, PersonSegmenter } from "../../plugin/reconstruction/personSegmenter";
import { DiskReader } from "../support/nodeFiles";
import { FaceApiModelFolder, SamplePhotoPath, SegmentationModelFolder } from "./reconstructionFixtures";

describe("PersonSegmenter (MediaPipe Selfie Segmentation on TensorFlow.js, Node)", () => {
    let segmenter: PersonSegmenter;
    let image: IImagePixels;
    let face: IDetectedFace;
    beforeAll(async () => {
        const detector = await FaceLandmarkDetector.CreateAsync({ models: DiskReader(FaceApiModelFolder) });
        segmenter = await PersonSegmenter.CreateAsync({ model: DiskReader(SegmentationModelFolder) });
        image = await DecodeImageAsync(readFileSync(SamplePhotoPath));
        face = await detector.detectAsync(image);
    });

    it("knows where a group photo's other faces are", async () => {
        const detector = await FaceLandmarkDetector.CreateAsync({ models: DiskReader(FaceApiModelFolder) });
        const group = await detector.detectAsync(await DecodeImageAsync(readFileSync(join(SamplePhotoPath, "..", "sample1.jpg"))));
        expect(group.faceCount).toBeGreaterThan(1);
        expect(group.otherFaces).toHaveLength(group.faceCount - 1);
        const area = (b: { width: number; height: number }): number => b.width * b.height;
        group.otherFaces.forEach((b, i) => {
            expect(area(b)).toBeLessThanOrEqual(area(group.box));
            expect(Math.hypot(b.x - group.box.x, b.y - group.box.y)).toBeGreaterThan(group.box.width);
            if (i > 0) {
                expect(area(b)).toBeLessThanOrEqual(area(group.otherFaces[i - 1]));
            }
        });
        expect(face.otherFaces).toEqual([]);
    });
    afterAll(() => segmenter?.dispose());

    it("tells the person's face from the wall above her head", async () => {
        const side = 3 * face.box.width;
        const region = { x: face.box.x + face.box.width / 2 - side / 2, y: face.box.y + face.box.height / 2 - side / 2, size: side };
        const matte = await segmenter.segmentAsync(image, region);
        expect(matte.side).toBe(256);
        expect(matte.values.length).toBe(256 * 256);
        // Every one of the 68 landmarks lies on the person.
        const onFace = Array.from({ length: 68 }, (_, i) => matte.probabilityAt(face.landmarks[2 * i], face.landmarks[2 * i + 1]));
        expect(Math.min(...onFace)).toBeGreaterThan(0.5);
        expect(onFace.reduce((a, b) => a + b) / 68).toBeGreaterThan(0.9);
        // sample2's top edge is a bright wall above the three heads (the region's top rows reach beyond the photo and repeat it).
        const wall = Array.from({ length: 20 }, (_, i) => matte.probabilityAt(face.box.x + ((i - 10) / 10) * face.box.width, 2));
        expect(wall.reduce((a, b) => a + b) / wall.length).toBeLessThan(0.2);
        // Outside its region a matte says "not the person".
        expect(matte.probabilityAt(region.x - 1, region.y + side / 2)).toBe(0);
    });

    it("interpolates its values bilinearly between pixel centres", () => {
        const values = new Float32Array(4 * 4);
        values[4 + 1] = 1; // pixel (1, 1)
        const matte = new PersonMatte({ x: 0, y: 0, size: 4 }, 4, values);
        expect(matte.probabilityAt(1.5, 1.5)).toBeCloseTo(1, 6);
        expect(matte.probabilityAt(2, 1.5)).toBeCloseTo(0.5, 6);
        expect(matte.probabilityAt(2, 2)).toBeCloseTo(0.25, 6);
        expect(matte.probabilityAt(3.5, 3.5)).toBe(0);
    });

    it("leaves out the people of other faces: each pixel goes to the nearest face, in face sizes", () => {
        const matte = new PersonMatte({ x: 0, y: 0, size: 100 }, 100, new Float32Array(100 * 100).fill(1));
        // Ours: 20 px wide at (20, 50); another, twice as large, at (80, 50): the split lies where
        // d_own / 20 = d_other / 40, at x = 40 on the line between them.
        const own = { x: 10, y: 40, width: 20, height: 20 };
        const kept = matte.withoutOtherFaces(own, [{ x: 60, y: 30, width: 40, height: 40 }]);
        expect(kept.probabilityAt(39, 50.5)).toBeCloseTo(1, 6);
        expect(kept.probabilityAt(41.5, 50.5)).toBe(0);
        expect(kept.probabilityAt(15.5, 30.5)).toBeCloseTo(1, 6);
        expect(kept.probabilityAt(90, 90)).toBe(0);
        // The original is untouched; with no other face nothing changes.
        expect(matte.values.every((v) => v === 1)).toBe(true);
        expect(Array.from(matte.withoutOtherFaces(own, []).values)).toEqual(Array.from(matte.values));
    });

    it("refuses bad input with typed errors", async () => {
        await expect(PersonSegmenter.CreateAsync({ model: DiskReader("/nonexistent-model") })).rejects.toMatchObject({ code: "MODEL_LOAD_FAILED" });
        await expect(PersonSegmenter.CreateAsync({ model: DiskReader(FaceApiModelFolder) })).rejects.toMatchObject({ code: "MODEL_LOAD_FAILED" });
        await expect(segmenter.segmentAsync(image, { x: 0, y: 0, size: 0 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
        await expect(segmenter.segmentAsync(image, { x: NaN, y: 0, size: 10 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
        const once = await PersonSegmenter.CreateAsync({ model: DiskReader(SegmentationModelFolder) });
        once.dispose();
        await expect(once.segmentAsync(image, { x: 0, y: 0, size: 100 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    });
});
