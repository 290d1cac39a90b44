import { readFileSync } from "node:fs";
import { encode as EncodeJpeg } from "jpeg-js";
import { PNG } from "pngjs";
import { FaceLandmarkDetector, type IDetectedFace } from "../../plugin/reconstruction/faceLandmarkDetector";
import { IctLandmarkBasis } from "../../plugin/reconstruction/ictLandmarkBasis";
import { ReadJpegOrientation } from "../../plugin/reconstruction/exifOrientation";
import { DecodeImageAsync, type IImagePixels } from "../../plugin/reconstruction/imagePixels";
import { FitLandmarks3dmm } from "../../plugin/reconstruction/landmarkFitter";
import { InterOcularDistance } from "../../plugin/reconstruction/multiPie68";
import { DiskReader } from "../support/nodeFiles";
import { FaceCrop } from "../eval/reconstruction/fittedCamera";
import { CropResize } from "../eval/reconstruction/imageMetrics";
import { DerivedBasisPath, FaceApiModelFolder, SamplePhotoPath, TurnedSquare } from "./reconstructionFixtures";

/** A 320 × 240 JPEG with no face: a colour gradient with soft stripes. */
function FacelessJpeg(): Uint8Array {
    const width = 320;
    const height = 240;
    const data = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
            const o = (y * width + x) * 4;
            data[o] = (255 * x) / width;
            data[o + 1] = 128 + 100 * Math.sin(y / 9);
            data[o + 2] = (255 * y) / height;
            data[o + 3] = 255;
        }
    }
    return new Uint8Array(EncodeJpeg({ width, height, data }, 90).data);
}

/** A square cut around a face found in a photo: `share` of the evaluation's face crop, centred on it, resampled to `size` px. */
interface IFaceCut {
    image: { width: number; height: number; data: Uint8Array };
    /** Mean distance of a face's landmarks in the cut from the photo's face's, scaled into the cut, in the cut face's IOD. */
    landmarkError(face: IDetectedFace): number;
}

/**
 * Cuts a square around a face found in a photo (a close-up portrait, a tight crop), turned if asked
 * (a photo of a tilted head, or taken with the camera tilted).
 * @param photo the photo
 * @param found the face found in it
 * @param share the cut's side over the evaluation's face crop's
 * @param size the cut's side, px
 * @param turnDegrees how far the cut's content turns anticlockwise on screen, degrees
 * @returns the cut and a landmark error against the photo's face
 */
function CutAroundFace(photo: IImagePixels, found: IDetectedFace, share: number, size: number, turnDegrees = 0): IFaceCut {
    const around = FaceCrop(found.landmarks);
    const crop = { x: around.x + ((1 - share) / 2) * around.side, y: around.y + ((1 - share) / 2) * around.side, side: share * around.side };
    const scale = size / crop.side;
    const [cx, cy] = [crop.x + crop.side / 2, crop.y + crop.side / 2];
    const [cos, sin] = [Math.cos((turnDegrees * Math.PI) / 180), Math.sin((turnDegrees * Math.PI) / 180)];
    // Where a photo point lands in the cut: about the crop's centre, scaled, turned anticlockwise (y down).
    const toCut = (x: number, y: number): [number, number] => [size / 2 + scale * (cos * (x - cx) + sin * (y - cy)), size / 2 + scale * (-sin * (x - cx) + cos * (y - cy))];
    return {
        image: { width: size, height: size, data: turnDegrees === 0 ? CropResize(photo, crop, size) : TurnedSquare(photo, cx, cy, size / scale, turnDegrees, size) },
        landmarkError: (face) => {
            let error = 0;
            for (let i = 0; i < 68; i++) {
                const [x, y] = toCut(found.landmarks[2 * i], found.landmarks[2 * i + 1]);
                error += Math.hypot(face.landmarks[2 * i] - x, face.landmarks[2 * i + 1] - y) / 68;
            }
            return error / InterOcularDistance(face.landmarks);
        },
    };
}

describe("photo → 68 landmarks → 3DMM fit (Node, face-api on the wasm backend)", () => {
    let detector: FaceLandmarkDetector;
    beforeAll(async () => {
        detector = await FaceLandmarkDetector.CreateAsync({ models: DiskReader(FaceApiModelFolder) });
    });

    it("finds the face in face-api's demo photo, and the fit reprojects its landmarks within 5 % of the inter-ocular distance", async () => {
        const image = await DecodeImageAsync(readFileSync(SamplePhotoPath));
        expect([image.width, image.height]).toEqual([1920, 1367]);
        const face = await detector.detectAsync(image);
        expect(face.faceCount).toBe(1);
        expect(face.score).toBeGreaterThan(0.6);
        expect(face.landmarks).toHaveLength(136);
        const { x, y, width, height } = face.box;
        for (let i = 0; i < 68; i++) {
            expect(face.landmarks[2 * i]).toBeGreaterThan(x - 0.25 * width);
            expect(face.landmarks[2 * i]).toBeLessThan(x + 1.25 * width);
            expect(face.landmarks[2 * i + 1]).toBeGreaterThan(y - 0.25 * height);
            expect(face.landmarks[2 * i + 1]).toBeLessThan(y + 1.25 * height);
        }
        // The subject's right eye's outer corner (36) is left of the left eye's (45) on the photo.
        expect(face.landmarks[2 * 36]).toBeLessThan(face.landmarks[2 * 45]);
        expect(InterOcularDistance(face.landmarks)).toBeGreaterThan(0.25 * width);

        const bytes = readFileSync(DerivedBasisPath);
        const basis = IctLandmarkBasis.FromBinary(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        const fit = FitLandmarks3dmm(basis, face.landmarks, image.width, image.height);
        expect(fit.converged).toBe(true);
        // Measured: 3.5 px mean, 3.1 % of the inter-ocular distance (115 px).
        expect(fit.meanErrorIod).toBeLessThan(0.05);
        expect(fit.alpha.every((a) => Math.abs(a) < 3)).toBe(true);
        // The head is in front of the camera, where the face is on the photo (upper right).
        expect(fit.translation[2]).toBeLessThan(0);
        expect(fit.translation[0]).toBeGreaterThan(0);
        expect(fit.translation[1]).toBeGreaterThan(0);
    });

    it("finds the face of a close-up portrait, which its 416 px input alone misses, at a fallback input size", async () => {
        const photo = await DecodeImageAsync(readFileSync(SamplePhotoPath));
        const found = await detector.detectAsync(photo);
        // The face filling about two thirds of a 480 px square (a headshot, a profile picture).
        const closeUp = CutAroundFace(photo, found, 0.95, 480);
        const only416 = await FaceLandmarkDetector.CreateAsync({ models: DiskReader(FaceApiModelFolder), fallbackInputSizes: [], fallbackTurnDegrees: [] });
        await expect(only416.detectAsync(closeUp.image)).rejects.toMatchObject({ code: "NO_FACE" });
        const face = await detector.detectAsync(closeUp.image);
        expect(face.score).toBeGreaterThan(0.5);
        // The same landmarks as in the whole photo, scaled into the crop (within 5 % of the inter-ocular distance).
        expect(closeUp.landmarkError(face)).toBeLessThan(0.05);
    });

    it("finds the face of a crop that cuts the forehead and chin, which no input size finds unpadded, in the photo padded with grey", async () => {
        const photo = await DecodeImageAsync(readFileSync(SamplePhotoPath));
        const tight = CutAroundFace(photo, await detector.detectAsync(photo), 0.5, 512);
        const unpadded = await FaceLandmarkDetector.CreateAsync({ models: DiskReader(FaceApiModelFolder), fallbackPadding: 1, fallbackTurnDegrees: [] });
        await expect(unpadded.detectAsync(tight.image)).rejects.toMatchObject({ code: "NO_FACE" });
        const face = await detector.detectAsync(tight.image);
        // Measured: score 0.81, landmarks 2.6 % IOD from the whole photo's; in the crop's pixels, though found in the padded input.
        expect(tight.landmarkError(face)).toBeLessThan(0.05);
        expect(face.box.x).toBeLessThan(0.3 * tight.image.width);
    });

    it("finds a tilted face's landmarks again in an upright window", async () => {
        const photo = await DecodeImageAsync(readFileSync(SamplePhotoPath));
        const found = await detector.detectAsync(photo);
        // sample2's face leans 16° anticlockwise; turned 20° more it leans 36°. Measured: 3.1 % IOD from the
        // photo's landmarks; 7.9 % with the landmark net's first look alone.
        const tilted = CutAroundFace(photo, found, 2, 512, 20);
        expect(tilted.landmarkError(await detector.detectAsync(tilted.image))).toBeLessThan(0.05);
    });

    it("finds a face tilted beyond the detector's reach in the photo turned back", async () => {
        const photo = await DecodeImageAsync(readFileSync(SamplePhotoPath));
        // Leaning 61°: no input size finds it, padded or not.
        const tilted = CutAroundFace(photo, await detector.detectAsync(photo), 2, 512, 45);
        const unturned = await FaceLandmarkDetector.CreateAsync({ models: DiskReader(FaceApiModelFolder), fallbackTurnDegrees: [] });
        await expect(unturned.detectAsync(tilted.image)).rejects.toMatchObject({ code: "NO_FACE" });
        // Found in the photo turned by −35°, its landmarks then found again upright. Measured: 3.6 % IOD.
        expect(tilted.landmarkError(await detector.detectAsync(tilted.image))).toBeLessThan(0.05);
        await expect(FaceLandmarkDetector.CreateAsync({ models: DiskReader(FaceApiModelFolder), fallbackTurnDegrees: [120] })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    });

    it("keeps one detection per face: on a close-up, a spurious larger box over the forehead and hair does not displace the face", async () => {
        const photo = await DecodeImageAsync(readFileSync(SamplePhotoPath.replace("sample2", "sample3")));
        const closeUp = CutAroundFace(photo, await detector.detectAsync(photo, 1), 0.95, 800);
        // At 416 px the Tiny detector finds the face (score 0.87) and a larger box over the forehead and hair (0.55)
        // that covers 59 % of the face's box; taken as the largest face, its landmarks were 65 % IOD off.
        expect(closeUp.landmarkError(await detector.detectAsync(closeUp.image))).toBeLessThan(0.05);
    });

    it("lists every face of a group photo, largest first, as detectAsync gives them by index", async () => {
        const photo = await DecodeImageAsync(readFileSync(SamplePhotoPath.replace("sample2", "sample3")));
        const faces = await detector.detectAllAsync(photo);
        expect(faces.length).toBeGreaterThanOrEqual(3);
        faces.forEach((face, i) => {
            expect(face.faceCount).toBe(faces.length);
            expect(face.otherFaces).toHaveLength(faces.length - 1);
            if (i > 0) {
                expect(face.box.width * face.box.height).toBeLessThanOrEqual(faces[i - 1].box.width * faces[i - 1].box.height);
            }
        });
        const second = await detector.detectAsync(photo, 1);
        expect(second.box).toEqual(faces[1].box);
        expect(Array.from(second.landmarks)).toEqual(Array.from(faces[1].landmarks));
        expect(second.otherFaces).toEqual([faces[0].box, ...faces.slice(2).map((f) => f.box)]);
    });

    it("says NO_FACE for an image without a face", async () => {
        const image = await DecodeImageAsync(FacelessJpeg());
        await expect(detector.detectAllAsync(image)).resolves.toEqual([]);
        await expect(detector.detectAsync(image)).rejects.toMatchObject({ name: "ReconstructionError", code: "NO_FACE" });
    });

    it("says BAD_IMAGE for bytes that are not an image, or a truncated JPEG", async () => {
        await expect(DecodeImageAsync(new TextEncoder().encode("this is not an image, only text"))).rejects.toMatchObject({ code: "BAD_IMAGE" });
        await expect(DecodeImageAsync(new Uint8Array(0))).rejects.toMatchObject({ code: "BAD_IMAGE" });
        const jpeg = readFileSync(SamplePhotoPath);
        await expect(DecodeImageAsync(jpeg.subarray(0, 2000))).rejects.toMatchObject({ code: "BAD_IMAGE" });
    });

    it("decodes PNG in Node (pngjs) and says UNSUPPORTED_FORMAT for formats it has no decoder for (WebP)", async () => {
        const png = new PNG({ width: 3, height: 2 });
        png.data.set([255, 0, 0, 255], 4 * 4); // pixel (1, 1) red
        const image = await DecodeImageAsync(PNG.sync.write(png));
        expect([image.width, image.height, image.data[4 * 4], image.data[4 * 4 + 1]]).toEqual([3, 2, 255, 0]);
        const webp = Uint8Array.from([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50, 0, 0, 0, 0]);
        await expect(DecodeImageAsync(webp)).rejects.toMatchObject({ code: "UNSUPPORTED_FORMAT" });
    });

    it("turns a JPEG upright by its EXIF orientation (6: a quarter turn clockwise)", async () => {
        // A 4 × 2 image, left half white; stored with orientation 6 it shows 2 wide, 4 tall, the white half on top.
        const data = new Uint8Array(4 * 2 * 4).fill(0);
        for (let y = 0; y < 2; y++) {
            for (let x = 0; x < 4; x++) {
                data.fill(x < 2 ? 255 : 0, (y * 4 + x) * 4, (y * 4 + x) * 4 + 3);
                data[(y * 4 + x) * 4 + 3] = 255;
            }
        }
        // TIFF, big-endian: one IFD entry, tag 0x0112 (orientation), SHORT, count 1, value 6.
        const exif = Uint8Array.from([0x45, 0x78, 0x69, 0x66, 0, 0, 0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
        const jpeg = EncodeJpeg({ data, width: 4, height: 2, exifBuffer: exif } as never, 100).data;
        expect(ReadJpegOrientation(jpeg)).toBe(6);
        const upright = await DecodeImageAsync(jpeg);
        expect([upright.width, upright.height]).toEqual([2, 4]);
        expect(upright.data[0]).toBeGreaterThan(200); // top-left: white
        expect(upright.data[(3 * 2 + 1) * 4]).toBeLessThan(50); // bottom-right: black
        expect(ReadJpegOrientation(readFileSync(SamplePhotoPath))).toBe(1);
    });

    it("says INVALID_ARGUMENT for pixels that do not match their size, or a bad detector setting", async () => {
        await expect(detector.detectAsync({ width: 10, height: 10, data: new Uint8Array(12) })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
        await expect(FaceLandmarkDetector.CreateAsync({ models: DiskReader(FaceApiModelFolder), inputSize: 100 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
        await expect(FaceLandmarkDetector.CreateAsync({ models: DiskReader(FaceApiModelFolder), fallbackInputSizes: [224, 300] })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
        await expect(FaceLandmarkDetector.CreateAsync({ models: DiskReader(FaceApiModelFolder), fallbackPadding: 0.5 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    });

    it("says MODEL_LOAD_FAILED when the weights are missing", async () => {
        await expect(FaceLandmarkDetector.CreateAsync({ models: DiskReader("/nonexistent-models") })).rejects.toMatchObject({ code: "MODEL_LOAD_FAILED" });
    });
});
