import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DecodeImageAsync, type IImagePixels } from "../../../plugin/reconstruction/imagePixels";
import { EuclideanDistance, FaceApiRecogniser, FaceApiSameThreshold } from "./faceApiRecogniser";
import { FaceCrop } from "./fittedCamera";
import { CosineSimilarity, HumanRecogniser, HumanVerifyThreshold } from "./humanRecogniser";
import { CropResize } from "./imageMetrics";
import { DevPhotoDir } from "./reconstructionEval";

/** The largest face of a dev photo, cropped around its landmarks and resampled, optionally mirrored or zoomed. */
async function FaceCropAsync(faceApi: FaceApiRecogniser, photo: string, size: number, zoom = 1, mirror = false): Promise<IImagePixels> {
    const image = await DecodeImageAsync(readFileSync(join(DevPhotoDir, photo)));
    const [face] = await faceApi.detectAllAsync(image);
    const crop = FaceCrop(face.landmarks);
    const side = crop.side / zoom;
    const data = CropResize(image, { x: crop.x + (crop.side - side) / 2, y: crop.y + (crop.side - side) / 2, side }, size);
    if (mirror) {
        for (let y = 0; y < size; y++) {
            for (let x = 0; x < size / 2; x++) {
                for (let k = 0; k < 4; k++) {
                    const a = 4 * (y * size + x) + k;
                    const b = 4 * (y * size + size - 1 - x) + k;
                    [data[a], data[b]] = [data[b], data[a]];
                }
            }
        }
    }
    return { width: size, height: size, data };
}

/** The recognisers separate people: checked on the dev photos so that the evaluation's figures mean something. */
describe("identity recognisers (human faceres cosine, face-api distance)", () => {
    let human: HumanRecogniser;
    let faceApi: FaceApiRecogniser;
    beforeAll(async () => {
        faceApi = await FaceApiRecogniser.CreateAsync();
        human = await HumanRecogniser.CreateAsync();
    });

    it("scores the same face mirrored and zoomed 10 % above the verification threshold, and two different people below it", async () => {
        const base = await FaceCropAsync(faceApi, "sample2.jpg", 160);
        const mirrored = await FaceCropAsync(faceApi, "sample2.jpg", 160, 1, true);
        const zoomed = await FaceCropAsync(faceApi, "sample2.jpg", 160, 1.1);
        const other = await FaceCropAsync(faceApi, "sample3.jpg", 160);
        // one after the other, as the evaluation calls it (a frame cache would hand each the previous one's descriptor)
        const described = [];
        for (const img of [base, mirrored, zoomed, other]) {
            described.push((await human.describeAsync(img))[0]);
        }
        const [h0, h1, h2, h3] = described;
        expect(h0.embedding.length).toBe(1024);
        // a fresh descriptor for every image (human's video cache off), yet the same person
        expect(CosineSimilarity(h0.embedding, h1.embedding)).toBeLessThan(0.999);
        expect(CosineSimilarity(h0.embedding, h2.embedding)).toBeLessThan(0.999);
        expect(CosineSimilarity(h0.embedding, h1.embedding)).toBeGreaterThan(HumanVerifyThreshold);
        expect(CosineSimilarity(h0.embedding, h2.embedding)).toBeGreaterThan(HumanVerifyThreshold);
        expect(CosineSimilarity(h0.embedding, h3.embedding)).toBeLessThan(HumanVerifyThreshold);
        const [f0, f1, f3] = await Promise.all([base, mirrored, other].map(async (img) => (await faceApi.describeCropAsync(img))!));
        expect(f0.descriptor.length).toBe(128);
        expect(EuclideanDistance(f0.descriptor, f1.descriptor)).toBeLessThan(FaceApiSameThreshold);
        expect(EuclideanDistance(f0.descriptor, f3.descriptor)).toBeGreaterThan(FaceApiSameThreshold);
    });

    it("finds every face of a group photo, largest first", async () => {
        const image = await DecodeImageAsync(readFileSync(join(DevPhotoDir, "sample5.jpg")));
        const faces = await faceApi.detectAllAsync(image);
        const humans = await human.describeAsync(image);
        expect(faces.length).toBeGreaterThanOrEqual(4);
        expect(humans.length).toBe(faces.length);
        const areas = faces.map((f) => f.box.width * f.box.height);
        expect(areas).toEqual([...areas].sort((a, b) => b - a));
    });
});
