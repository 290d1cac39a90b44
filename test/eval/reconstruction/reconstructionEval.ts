/**
 * The reconstruction evaluation (issue 8): for every face of every photo in a folder, the avatar
 * rendered at the fitted source camera, turned ±15° and ±30°, and with jawOpen 0.6 and a smile,
 * measured against the photo by two face recognisers, PSNR/SSIM inside the face mask, landmark
 * motion, identity leakage to the other faces, and time per stage. See docs/reconstruction.md.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { GetExpressionIndex } from "../../../plugin/expression/arkitNames";
import { WriteAvatarGlb } from "../../../plugin/loader/avatarGlb";
import { ModelPack } from "../../../plugin/pack/modelPack";
import { IctHeadMesh } from "../../../plugin/reconstruction/ictHeadMesh";
import { IctLandmarkBasis } from "../../../plugin/reconstruction/ictLandmarkBasis";
import { type IFaceBox } from "../../../plugin/reconstruction/faceLandmarkDetector";
import { DecodeImageAsync, type IImagePixels } from "../../../plugin/reconstruction/imagePixels";
import { InterOcularDistance } from "../../../plugin/reconstruction/multiPie68";
import { type IPhotoAvatar, ReconstructAvatarAsync } from "../../../plugin/reconstruction/photoAvatar";
import { PersonSegmenter } from "../../../plugin/reconstruction/personSegmenter";
import { ReconstructionError } from "../../../plugin/reconstruction/reconstructionError";
import { SegmentationModelFolder } from "../../reconstruction/reconstructionFixtures";
import { DiskReader } from "../../support/nodeFiles";
import { AvatarViewRenderer, type IAvatarView } from "./avatarViewRenderer";
import { type ISheetCell, WriteContactSheet } from "./contactSheet";
import { EuclideanDistance, FaceApiRecogniser, FaceApiSameThreshold, type IFaceApiFace } from "./faceApiRecogniser";
import { CropProjection, FaceCrop, type ICrop, IctToWorldMatrix, ProjectIct, RecentredCrop, YawedPose } from "./fittedCamera";
import { CosineSimilarity, HumanDifferentPeopleMax, HumanRecogniser, HumanVerifyThreshold, type IHumanFace } from "./humanRecogniser";
import { CropResize, FromCropPixels, HullMask, MaskedPsnr, MaskedSsim, ToCropPixels } from "./imageMetrics";

const _root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The dev set: the demo photos `@vladmandic/face-api` ships (read from node_modules, never committed). */
export const DevPhotoDir = join(_root, "node_modules", "@vladmandic", "face-api", "demo");

/**
 * The dev set's photos in {@link DevPhotoDir}: the six demo photos and the webcam screenshot. The folder
 * also holds `facemesh.png` (a diagram of the 68 points) and `screenshot-images.png` (a UI screenshot of
 * thumbnails with overlays), which are not portraits: no face is found in either.
 */
export const DevPhotoFilter = /^(sample\d\.jpg|screenshot-webcam\.png)$/;

/** Options of {@link RunReconstructionEvalAsync}. */
export interface IReconstructionEvalOptions {
    /** Folder of `.jpg`/`.jpeg`/`.png` photos. */
    photoDir: string;
    /** Output folder (JSON, contact sheet, avatars). */
    out: string;
    /** Render and crop size, px. */
    size: number;
    /** Raymarching step, ICT cm (the avatar's default is 0.25; larger is faster on SwiftShader). */
    stepCm: number;
    /** Model pack folder (inside the repository, which the browser is served from). */
    packDir?: string;
    /** Faces beyond the largest of a photo are evaluated when their inter-ocular distance is at least this, px. Default 100. */
    minIodPx?: number;
    /** Evaluate at most this many faces in all. */
    maxFaces?: number;
    /** Only photos whose file name matches. */
    photoFilter?: RegExp;
    /** Whether the hair matte uses the person segmenter (the library's default in the CLI and sample scene). Default true. */
    segmentation?: boolean;
    /** Whether each avatar gets the optional longer refinement (`refine: true`). Default false. */
    refine?: boolean;
    /** Progress lines. */
    log?: (line: string) => void;
}

/** The views rendered per face, in contact-sheet order. */
export const ViewNames = ["source", "yaw-30", "yaw-15", "yaw+15", "yaw+30", "jaw", "smile", "blink"] as const;
/** One of {@link ViewNames}. */
export type ViewName = (typeof ViewNames)[number];
/** The views that must be detected and verified (pose views; jaw, smile and blink test motion). */
const _PoseViews: ViewName[] = ["source", "yaw-30", "yaw-15", "yaw+15", "yaw+30"];

/** Figures of one rendered view. */
export interface IViewFigures {
    /** human `faceres` cosine, render vs photo (null where either has no face). */
    humanCosine: number | null;
    /** face-api descriptor distance, render vs photo (null where either has no face). */
    faceApiDistance: number | null;
    /** Whether human and face-api both found a face in the render. */
    detected: boolean;
    /** Whether human found one. */
    detectedHuman: boolean;
    /** Whether face-api found one. */
    detectedFaceApi: boolean;
    /** Render time, ms. */
    renderMs: number;
}

/** Figures of one face. */
export interface IFaceReport {
    /** Photo file name. */
    photo: string;
    /** Face index in the photo, largest first. */
    faceIndex: number;
    /** Inter-ocular distance in the photo, px. */
    iodPx: number;
    /** The crop rendered and compared, photo px. */
    crop: ICrop;
    /** The 3DMM fit's landmark error (fraction of IOD) and whether it converged. */
    fit: { meanErrorIod: number; converged: boolean; focalPx: number };
    /** Whether human found this face in the photo's crop (face-api's figures use its detection in the full photo). */
    photoDetectedHuman: boolean;
    /** Per view. */
    views: Record<ViewName, IViewFigures>;
    /** Source view against the photo inside the face mask (convex hull of the 68 fitted landmarks). */
    source: { psnrDb: number; ssim: number; maskPixels: number; landmarkErrorIod: number | null; placementError: number; extraFrames: number };
    /** Landmark motion (% of IOD): measured with human's FaceMesh on the renders, and as the fitted 3DMM's landmarks predict. */
    expression: {
        jaw: { lipGapGainIodPct: number | null; expectedIodPct: number; ok: boolean };
        smile: { mouthWidthGainIodPct: number | null; expectedIodPct: number; ok: boolean };
        blink: { eyeOpeningGainIodPct: number | null; expectedIodPct: number; ok: boolean };
    };
    /**
     * human cosine of this face's source render to every other face's photo crop (`others`, `max`), and
     * how much more similar the render is to each of them than this face's own photo is (`excessMax`:
     * above 0, the avatar looks more like someone else than the photo it was made from does).
     */
    leakage: { max: number | null; others: Record<string, number | null>; excessMax: number | null };
    /** Every pose view detected, and verified (human cosine ≥ threshold). */
    verifiedAtEveryView: boolean;
    /** Every pose view detected. */
    detectedAtEveryView: boolean;
    /** Milliseconds per stage: the reconstruction's own (models loaded beforehand), then `photoToAvatar` (their sum) and `render` (all views). */
    timings: Record<string, number>;
}

/** The whole report. */
export interface IReconstructionEvalReport {
    photoDir: string;
    size: number;
    stepCm: number;
    background: string;
    reconstruction: string;
    faces: IFaceReport[];
    /** Faces the reconstruction refused (`ReconstructionError` code and message), photos where it found none that human finds included. */
    failures: Array<{ face: string; code: string; message: string }>;
    /** Photos where neither the reconstruction's detector nor human's finds a face: not faces, so in no fraction. */
    photosWithoutFace: string[];
    /** Detections the reconstruction refused as not a face (`NO_FACE`) where human finds no face of their size either: in no fraction. */
    detectionsWithoutFace: string[];
    summary: Record<string, unknown>;
    targets: Record<string, { target: string; value: number | null; pass: boolean }>;
    consoleErrors: string[];
    contactSheet: string;
}

/** A face picked for evaluation, with what the photo side gave. */
interface IFaceJob {
    id: string;
    photo: string;
    faceIndex: number;
    bytes: Uint8Array;
    image: IImagePixels;
    iodPx: number;
    /** The detector's box of this face, photo px. */
    box: IFaceBox;
    avatar?: IPhotoAvatar;
    crop?: ICrop;
    photoCrop?: Uint8Array;
    photoHuman?: IHumanFace | null;
    /** face-api's detections in the full photo (landmarks in photo px). */
    photoFaces: IFaceApiFace[];
    /** The one of them that is this face (or the face of the photo's crop); null: face-api finds none. */
    photoFaceApi?: IFaceApiFace | null;
}

/**
 * A face found in a photo's crop, its box and landmarks moved into the photo's pixels.
 * @param face the face in the crop's pixels, or null
 * @param crop the crop
 * @param size the crop's side after resampling, px
 * @returns the face in photo px, or null
 */
function FaceInPhoto(face: IFaceApiFace | null, crop: ICrop, size: number): IFaceApiFace | null {
    if (!face) {
        return null;
    }
    const [x, y] = FromCropPixels([face.box.x, face.box.y], crop, size);
    const s = crop.side / size;
    return { ...face, box: { x, y, width: face.box.width * s, height: face.box.height * s }, landmarks: FromCropPixels(face.landmarks, crop, size) };
}

/** Side of the square human looks at around a refused detection, in box sides; that square's size, px; the least side of a face that counts, in box sides. */
const _RefusedBoxScale = 1.5;
const _RefusedCropSize = 256;
const _RefusedMinFaceScale = 1 / 3;

/**
 * Whether human finds a face where a detection claims one: in a square of 1.5 × the detection's box,
 * a face centred inside the box and at least a third of its size (smaller faces nearby, such as
 * thumbnails in a collage, are other faces).
 */
async function _HumanFindsFaceInBoxAsync(human: HumanRecogniser, image: IImagePixels, box: IFaceBox): Promise<boolean> {
    const side = _RefusedBoxScale * Math.max(box.width, box.height);
    const crop = { x: box.x + box.width / 2 - side / 2, y: box.y + box.height / 2 - side / 2, side };
    const pixels = CropResize(image, crop, _RefusedCropSize);
    const scale = _RefusedCropSize / side;
    const [left, top, right, bottom] = [(box.x - crop.x) * scale, (box.y - crop.y) * scale, (box.x + box.width - crop.x) * scale, (box.y + box.height - crop.y) * scale];
    const faces = await human.describeAsync({ width: _RefusedCropSize, height: _RefusedCropSize, data: pixels });
    return faces.some(({ box: [x, y, w, h] }) => {
        const [cx, cy] = [x + w / 2, y + h / 2];
        return cx >= left && cx <= right && cy >= top && cy <= bottom && Math.max(w, h) >= _RefusedMinFaceScale * Math.max(right - left, bottom - top);
    });
}

/**
 * Median of the finite values.
 * @param values numbers or nulls
 * @returns the median, null when none
 */
function Median(values: Array<number | null>): number | null {
    const v = values.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
    if (v.length === 0) {
        return null;
    }
    const m = v.length >> 1;
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/**
 * Distance between two of 68 landmarks.
 * @param p `[x0, y0, …]`
 * @param i first index
 * @param j second index
 * @returns px
 */
function PointDistance(p: ArrayLike<number>, i: number, j: number): number {
    return Math.hypot(p[2 * i] - p[2 * j], p[2 * i + 1] - p[2 * j + 1]);
}

/** Inner-lip midpoints and mouth corners: in the 68-point layout (the 3DMM's landmarks) and in FaceMesh's numbering (human). */
const _Mouth68 = { upperInner: 62, lowerInner: 66, cornerRight: 48, cornerLeft: 54 };
const _MouthFaceMesh = { upperInner: 13, lowerInner: 14, cornerRight: 61, cornerLeft: 291 };
/** Upper and lower lid points of both eyes, as [upper, lower] pairs: 68-point layout and FaceMesh numbering. */
const _Lids68: Array<[number, number]> = [
    [37, 41],
    [38, 40],
    [43, 47],
    [44, 46],
];
const _LidsFaceMesh: Array<[number, number]> = [
    [159, 145],
    [386, 374],
];

/**
 * FaceMesh points as `[x0, y0, …]`.
 * @param face a human face, or null
 * @returns the points, or undefined
 */
function MeshPoints(face: IHumanFace | null): Float32Array | undefined {
    return face && face.mesh.length > 291 ? Float32Array.from(face.mesh.flatMap((p) => [p[0], p[1]])) : undefined;
}

/**
 * Rounds figures for the report.
 * @param v a number or null
 * @param digits decimals
 * @returns the rounded number
 */
function Round(v: number | null, digits = 3): number | null {
    return v === null || !Number.isFinite(v) ? null : Number(v.toFixed(digits));
}

/**
 * Identity leakage of one face: the human cosine of its source render to every other face's photo,
 * and the largest excess of that over its own photo's cosine to the same face.
 * @param render the source render's embedding (null: not detected)
 * @param own the face's own photo embedding (null: not detected)
 * @param others the other faces' ids and photo embeddings
 * @returns the leakage figures
 */
export function IdentityLeakage(render: Float32Array | null, own: Float32Array | null, others: Array<{ id: string; photo: Float32Array | null }>): IFaceReport["leakage"] {
    const leakage: IFaceReport["leakage"] = { max: null, others: {}, excessMax: null };
    const excess: number[] = [];
    for (const { id, photo } of others) {
        const similarity = render && photo ? CosineSimilarity(render, photo) : null;
        leakage.others[id] = Round(similarity);
        if (similarity !== null && own && photo) {
            excess.push(similarity - CosineSimilarity(own, photo));
        }
    }
    const values = Object.values(leakage.others).filter((v): v is number => v !== null);
    leakage.max = values.length ? Math.max(...values) : null;
    leakage.excessMax = excess.length ? Round(Math.max(...excess)) : null;
    return leakage;
}

/**
 * Runs the evaluation.
 * @param options what to evaluate and where to write
 * @returns the report (also written to `out/eval-reconstruction.json`, with `out/contact-sheet.png`)
 */
export async function RunReconstructionEvalAsync(options: IReconstructionEvalOptions): Promise<IReconstructionEvalReport> {
    const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
    const size = options.size;
    const packDir = resolve(options.packDir ?? join(_root, "models", "packs", "ict-base"));
    if (!(packDir + sep).startsWith(_root + sep)) {
        throw new Error(`the pack must lie inside the repository (the browser is served from there): ${packDir}`);
    }
    const out = resolve(options.out);
    const avatarDir = join(out, "avatars");
    mkdirSync(avatarDir, { recursive: true });

    const pack = await ModelPack.LoadAsync(DiskReader(packDir));
    const basis = IctLandmarkBasis.FromBinary(new Uint8Array(readFileSync(join(_root, "plugin", "reconstruction", "data", "ict-landmarks68.bin"))).buffer);
    const headMesh = IctHeadMesh.FromBinary(new Uint8Array(readFileSync(join(_root, "plugin", "reconstruction", "data", "ict-head-mesh.bin"))).buffer);
    const faceApi = await FaceApiRecogniser.CreateAsync();
    const human = await HumanRecogniser.CreateAsync();
    const segmenter = options.segmentation === false ? undefined : await PersonSegmenter.CreateAsync({ model: DiskReader(SegmentationModelFolder) });
    const centre = pack.manifest.canonicalBox.min.map((v, i) => (v + pack.manifest.canonicalBox.max[i]) / 2);

    // 1. Faces: the largest of each photo, and the others with IOD ≥ minIodPx.
    const photos = readdirSync(options.photoDir)
        .filter((f) => /\.(jpe?g|png)$/i.test(f) && (!options.photoFilter || options.photoFilter.test(f)))
        .sort();
    const jobs: IFaceJob[] = [];
    const noFace: Array<{ face: string; code: string; message: string }> = [];
    const photosWithoutFace: string[] = [];
    const detectionsWithoutFace: string[] = [];
    for (const photo of photos) {
        const bytes = new Uint8Array(readFileSync(join(options.photoDir, photo)));
        const image = await DecodeImageAsync(bytes);
        // Enumerated by the reconstruction's own detector (its fallback passes find close-ups and tight crops), so
        // `faceIndex` means the same face to both; face-api's whole-photo faces give the photo's descriptors.
        const faces = await faceApi.detector.detectAllAsync(image);
        if (faces.length === 0) {
            // A face the reconstruction misses is a failure; a photo that shows no face to human either is not a face.
            if ((await human.describeAsync(image)).length > 0) {
                noFace.push({ face: `${basename(photo, extname(photo))}-0`, code: "NO_FACE", message: "no face found in the image (human finds one)" });
                log(`${photo}: NO_FACE, but human finds a face: a failure`);
            } else {
                photosWithoutFace.push(photo);
                log(`${photo}: no face, and human finds none either: left out`);
            }
            continue;
        }
        const photoFaces = await faceApi.detectAllAsync(image);
        faces.forEach((face, faceIndex) => {
            const iodPx = InterOcularDistance(face.landmarks);
            if (faceIndex === 0 || iodPx >= (options.minIodPx ?? 100)) {
                jobs.push({ id: `${basename(photo, extname(photo))}-${faceIndex}`, photo, faceIndex, bytes, image, iodPx, box: face.box, photoFaces });
            }
        });
    }
    jobs.splice(options.maxFaces ?? jobs.length);
    if (jobs.length === 0) {
        throw new Error(`no face found in ${options.photoDir}: ${JSON.stringify({ failures: noFace, photosWithoutFace })}`);
    }

    // 2. Reconstruct each face (the detector, landmark basis and head mesh loaded once, outside the timings),
    // write its avatar, describe the photo's crop. A face the reconstruction refuses is a failure, not an abort.
    const packUri = "/" + relative(_root, packDir).split(sep).join("/") + "/";
    const failures = [...noFace];
    for (const job of [...jobs]) {
        let avatar: IPhotoAvatar;
        try {
            avatar = await ReconstructAvatarAsync(job.bytes, pack, { faceIndex: job.faceIndex, detector: faceApi.detector, segmenter, landmarkBasis: basis, headMesh, refine: options.refine });
        } catch (e) {
            if (!(e instanceof ReconstructionError)) {
                throw e;
            }
            jobs.splice(jobs.indexOf(job), 1);
            // A detection refused as not a face that human does not see as a face either is not a face (as for whole photos).
            if (e.code === "NO_FACE" && !(await _HumanFindsFaceInBoxAsync(human, job.image, job.box))) {
                detectionsWithoutFace.push(job.id);
                log(`${job.id}: ${e.message}; human finds no face there either: left out`);
                continue;
            }
            failures.push({ face: job.id, code: e.code, message: e.message });
            log(`${job.id}: ${e.code} ${e.message}`);
            continue;
        }
        if (avatar.width !== job.image.width || avatar.height !== job.image.height) {
            throw new Error(`${job.photo}: the reconstruction saw ${avatar.width}×${avatar.height}, the evaluation decoded ${job.image.width}×${job.image.height}`);
        }
        job.avatar = avatar;
        writeFileSync(join(avatarDir, `${job.id}.glb`), await WriteAvatarGlb({ ...avatar.asset, packUri }, job.id, avatar.fallback));
        job.crop = FaceCrop(avatar.fit.projected);
        job.photoCrop = CropResize(job.image, job.crop, size);
        // face-api's side of the photo: the whole photo's face nearest to the one the reconstruction used, or where
        // face-api's 416 px pass finds none there (a close-up), the face of the photo's crop, as renders are found.
        const a = avatar.face.box;
        const distance = (f: IFaceApiFace): number => Math.hypot(a.x + a.width / 2 - (f.box.x + f.box.width / 2), a.y + a.height / 2 - (f.box.y + f.box.height / 2));
        const nearest = job.photoFaces.reduce<IFaceApiFace | null>((p, q) => (!p || distance(q) < distance(p) ? q : p), null);
        job.photoFaceApi = nearest && distance(nearest) <= 0.25 * nearest.box.width ? nearest : FaceInPhoto(await faceApi.describeCropAsync({ width: size, height: size, data: job.photoCrop }), job.crop, size);
        if (!job.photoFaceApi) {
            log(`${job.id}: face-api finds no face where the reconstruction's is, in the photo or its crop: no face-api distances or landmark error`);
        }
        job.photoHuman = (await human.describeAsync({ width: size, height: size, data: job.photoCrop }))[0] ?? null;
        log(`${job.id}: reconstructed in ${Object.values(avatar.timings).reduce((s, v) => s + v, 0).toFixed(0)} ms (${JSON.stringify(avatar.timings, (_, v: unknown) => (typeof v === "number" ? Math.round(v) : v))})`);
    }
    if (jobs.length === 0) {
        throw new Error(`no face could be reconstructed: ${JSON.stringify(failures)}`);
    }

    // 3. Render and measure.
    const renderer = await AvatarViewRenderer.StartAsync(avatarDir, `${jobs[0].id}.glb`, size, options.stepCm);
    const reports: IFaceReport[] = [];
    const sheet: ISheetCell[][] = [];
    const sourceEmbeddings: Array<Float32Array | null> = [];
    try {
        for (const job of jobs) {
            const { fit, timings } = job.avatar!;
            const crop = job.crop!;
            const projection = CropProjection(fit.focal, job.image.width, job.image.height, crop);
            const pose = { rotation: fit.rotation, translation: fit.translation };
            const withWeights = (weights: Record<string, number>): Float32Array => {
                const beta = Float32Array.from(fit.beta);
                Object.entries(weights).forEach(([name, value]) => (beta[GetExpressionIndex(name)] = value));
                return beta;
            };
            const expressions: Record<ViewName, Float32Array> = {
                source: fit.beta,
                "yaw-30": fit.beta,
                "yaw-15": fit.beta,
                "yaw+15": fit.beta,
                "yaw+30": fit.beta,
                jaw: withWeights({ jawOpen: 0.6 }),
                smile: withWeights({ mouthSmile_L: 0.7, mouthSmile_R: 0.7 }),
                blink: withWeights({ eyeBlink_L: 1, eyeBlink_R: 1 }),
            };
            const yaw = (name: ViewName): number => (name.startsWith("yaw") ? Number(name.slice(3)) : 0);
            // A turned view's camera follows the face: the crop moves to centre on the turned head's landmarks.
            const fittedPoints = basis.evaluate(fit.alpha, fit.beta);
            const views = ViewNames.map((name): IAvatarView => {
                const turned = YawedPose(pose, yaw(name), centre);
                const viewProjection = yaw(name) === 0 ? projection : CropProjection(fit.focal, job.image.width, job.image.height, RecentredCrop(crop, ProjectIct(fittedPoints, turned, fit.focal, job.image.width, job.image.height)));
                return { world: IctToWorldMatrix(turned), projection: viewProjection, expression: expressions[name] };
            });
            const rendered = await renderer.renderAsync(`${job.id}.glb`, views);

            const figures = {} as Record<ViewName, IViewFigures>;
            const renderFaces: Array<IFaceApiFace | null> = [];
            const renderMeshes: Array<Float32Array | undefined> = [];
            for (let v = 0; v < ViewNames.length; v++) {
                const image = { width: size, height: size, data: rendered[v].rgba };
                const h = (await human.describeAsync(image))[0] ?? null;
                const f = await faceApi.describeCropAsync(image);
                renderFaces.push(f);
                renderMeshes.push(MeshPoints(h));
                if (v === 0) {
                    sourceEmbeddings.push(h?.embedding ?? null);
                }
                figures[ViewNames[v]] = {
                    humanCosine: Round(h && job.photoHuman ? CosineSimilarity(h.embedding, job.photoHuman.embedding) : null),
                    faceApiDistance: Round(f && job.photoFaceApi ? EuclideanDistance(f.descriptor, job.photoFaceApi.descriptor) : null),
                    detected: h !== null && f !== null,
                    detectedHuman: h !== null,
                    detectedFaceApi: f !== null,
                    renderMs: Math.round(rendered[v].renderMs),
                };
            }

            // Source view inside the face mask.
            const iodCrop = (job.iodPx * size) / crop.side;
            const mask = HullMask(ToCropPixels(fit.projected, crop, size), size);
            const sourceLandmarks = renderFaces[0]?.landmarks;
            let landmarkErrorIod: number | null = null;
            if (sourceLandmarks && job.photoFaceApi) {
                const photoLandmarks = ToCropPixels(job.photoFaceApi.landmarks, crop, size);
                let sum = 0;
                for (let i = 0; i < 68; i++) {
                    sum += PointDistance([photoLandmarks[2 * i], photoLandmarks[2 * i + 1], sourceLandmarks[2 * i], sourceLandmarks[2 * i + 1]], 0, 1);
                }
                landmarkErrorIod = sum / 68 / iodCrop;
            }

            // Landmark motion: measured on the renders (human's FaceMesh, which follows lips better than face-api's
            // 68 points), and what the fitted 3DMM's own landmarks do.
            const projected = (beta: ArrayLike<number>): Float32Array => ToCropPixels(ProjectIct(basis.evaluate(fit.alpha, beta), pose, fit.focal, job.image.width, job.image.height), crop, size);
            const model = { source: projected(expressions.source), jaw: projected(expressions.jaw), smile: projected(expressions.smile), blink: projected(expressions.blink) };
            const gain = (a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined, i: number, j: number): number | null => (a && b ? ((PointDistance(b, i, j) - PointDistance(a, i, j)) / iodCrop) * 100 : null);
            const meanGain = (a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined, pairs: Array<[number, number]>): number | null =>
                a && b ? pairs.reduce((sum, [i, j]) => sum + gain(a, b, i, j)!, 0) / pairs.length : null;
            const jawExpected = gain(model.source, model.jaw, _Mouth68.upperInner, _Mouth68.lowerInner)!;
            const smileExpected = gain(model.source, model.smile, _Mouth68.cornerRight, _Mouth68.cornerLeft)!;
            const jawGain = gain(renderMeshes[0], renderMeshes[5], _MouthFaceMesh.upperInner, _MouthFaceMesh.lowerInner);
            const smileGain = gain(renderMeshes[0], renderMeshes[6], _MouthFaceMesh.cornerRight, _MouthFaceMesh.cornerLeft);
            // Lid distance (negative: the eyes close), FaceMesh on the renders against the 3DMM's own landmarks.
            const blinkExpected = meanGain(model.source, model.blink, _Lids68)!;
            const blinkGain = meanGain(renderMeshes[0], renderMeshes[7], _LidsFaceMesh);

            const renderMs = rendered.reduce((s, r) => s + r.renderMs, 0);
            const photoToAvatar = Object.values(timings).reduce((s, v) => s + v, 0);
            const poseFigures = _PoseViews.map((name) => figures[name]);
            reports.push({
                photo: job.photo,
                faceIndex: job.faceIndex,
                iodPx: Math.round(job.iodPx),
                crop: { x: Math.round(crop.x), y: Math.round(crop.y), side: Math.round(crop.side) },
                fit: { meanErrorIod: Round(fit.meanErrorIod, 4)!, converged: fit.converged, focalPx: Math.round(fit.focal) },
                photoDetectedHuman: job.photoHuman !== null,
                views: figures,
                source: {
                    psnrDb: Round(MaskedPsnr(rendered[0].rgba, job.photoCrop!, mask), 2)!,
                    ssim: Round(MaskedSsim(rendered[0].rgba, job.photoCrop!, mask, size))!,
                    maskPixels: mask.reduce((s, m) => s + m, 0),
                    landmarkErrorIod: Round(landmarkErrorIod, 4),
                    placementError: Number(Math.max(...rendered.map((r) => r.placementError)).toExponential(2)),
                    extraFrames: rendered.reduce((n, r) => n + r.frames - 1, 0),
                },
                expression: {
                    jaw: { lipGapGainIodPct: Round(jawGain, 2), expectedIodPct: Round(jawExpected, 2)!, ok: jawGain !== null && jawGain >= 0.5 * jawExpected },
                    smile: { mouthWidthGainIodPct: Round(smileGain, 2), expectedIodPct: Round(smileExpected, 2)!, ok: smileGain !== null && smileGain >= 0.5 * smileExpected },
                    blink: { eyeOpeningGainIodPct: Round(blinkGain, 2), expectedIodPct: Round(blinkExpected, 2)!, ok: blinkGain !== null && blinkGain <= 0.5 * blinkExpected },
                },
                leakage: { max: null, others: {}, excessMax: null },
                verifiedAtEveryView: poseFigures.every((f) => f.detected && f.humanCosine !== null && f.humanCosine >= HumanVerifyThreshold),
                detectedAtEveryView: poseFigures.every((f) => f.detected),
                timings: { ...Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])), photoToAvatar: Math.round(photoToAvatar), render: Math.round(renderMs) },
            });
            const caption = (f: IViewFigures): string[] => [
                `H ${f.humanCosine === null ? "-" : f.humanCosine.toFixed(2)} F ${f.faceApiDistance === null ? "-" : f.faceApiDistance.toFixed(2)}`,
                f.detected ? "DETECTED" : "NOT DETECTED",
            ];
            const last = reports[reports.length - 1];
            const signed = (v: number | null): string => (v === null ? "-" : `${v >= 0 ? "+" : ""}${v}`);
            sheet.push([
                { rgba: job.photoCrop!, caption: [job.id.toUpperCase(), `IOD ${last.iodPx}`] },
                ...ViewNames.map((name, v) => {
                    const c = caption(figures[name]);
                    if (name === "source") {
                        c.push(`P ${last.source.psnrDb.toFixed(1)} S ${last.source.ssim.toFixed(2)}`);
                    } else if (name === "jaw") {
                        c.push(`GAP ${signed(last.expression.jaw.lipGapGainIodPct)}%`);
                    } else if (name === "smile") {
                        c.push(`WIDTH ${signed(last.expression.smile.mouthWidthGainIodPct)}%`);
                    } else if (name === "blink") {
                        c.push(`LIDS ${signed(last.expression.blink.eyeOpeningGainIodPct)}%`);
                    }
                    return { rgba: rendered[v].rgba, caption: c };
                }),
            ]);
            // Human's cosine where it found the face, and "not detected" where a recogniser missed it (face-api's SSD can miss what human scores).
            const poses = _PoseViews.map((name) => `${name} ${figures[name].humanCosine ?? "-"}${figures[name].detected ? "" : " not detected"}`).join(", ");
            log(`${job.id}: rendered ${ViewNames.length} views in ${(renderMs / 1000).toFixed(1)} s; source F ${figures.source.faceApiDistance}; H ${poses}`);
        }
    } finally {
        await renderer.closeAsync();
    }

    // 4. Identity leakage: each face's source render against every other face's photo.
    reports.forEach((report, i) => {
        const others = jobs.flatMap((other, j) => (j === i ? [] : [{ id: other.id, photo: other.photoHuman?.embedding ?? null }]));
        report.leakage = IdentityLeakage(sourceEmbeddings[i], jobs[i].photoHuman?.embedding ?? null, others);
    });

    // 5. Summary and targets.
    const viewMedian = (names: ViewName[], key: "humanCosine" | "faceApiDistance"): number | null => Median(reports.flatMap((r) => names.map((n) => r.views[n][key])));
    // Faces the reconstruction refused count as failing every fraction.
    const fraction = (test: (r: IFaceReport) => boolean): number => reports.filter(test).length / (reports.length + failures.length);
    const photoPairs: number[] = [];
    jobs.forEach((a, i) => jobs.forEach((b, j) => j > i && a.photoHuman && b.photoHuman && photoPairs.push(CosineSimilarity(a.photoHuman.embedding, b.photoHuman.embedding))));
    const leakages = reports.map((r) => r.leakage.max).filter((v): v is number => v !== null);
    const leakageMax = leakages.length ? Math.max(...leakages) : null;
    const excesses = reports.map((r) => r.leakage.excessMax).filter((v): v is number => v !== null);
    const summary = {
        faces: reports.length,
        failures: failures.length,
        photos: new Set(jobs.map((j) => j.photo)).size,
        humanCosineMedian: {
            source: Round(viewMedian(["source"], "humanCosine")),
            yaw15: Round(viewMedian(["yaw-15", "yaw+15"], "humanCosine")),
            yaw30: Round(viewMedian(["yaw-30", "yaw+30"], "humanCosine")),
            jaw: Round(viewMedian(["jaw"], "humanCosine")),
            smile: Round(viewMedian(["smile"], "humanCosine")),
            blink: Round(viewMedian(["blink"], "humanCosine")),
        },
        faceApiDistanceMedian: {
            source: Round(viewMedian(["source"], "faceApiDistance")),
            yaw15: Round(viewMedian(["yaw-15", "yaw+15"], "faceApiDistance")),
            yaw30: Round(viewMedian(["yaw-30", "yaw+30"], "faceApiDistance")),
        },
        fractionDetectedAtEveryView: Round(fraction((r) => r.detectedAtEveryView)),
        fractionVerifiedAndDetectedAtEveryView: Round(fraction((r) => r.verifiedAtEveryView)),
        // The same by human alone (its detector and its cosine).
        fractionVerifiedByHumanAtEveryView: Round(fraction((r) => _PoseViews.every((name) => r.views[name].detectedHuman && (r.views[name].humanCosine ?? 0) >= HumanVerifyThreshold))),
        fractionFaceApiSameAtSource: Round(fraction((r) => r.views.source.faceApiDistance !== null && r.views.source.faceApiDistance < FaceApiSameThreshold)),
        sourcePsnrDbMedian: Round(Median(reports.map((r) => r.source.psnrDb)), 2),
        sourceSsimMedian: Round(Median(reports.map((r) => r.source.ssim))),
        sourceLandmarkErrorIodMedian: Round(Median(reports.map((r) => r.source.landmarkErrorIod)), 4),
        fractionJawOk: Round(fraction((r) => r.expression.jaw.ok)),
        fractionSmileOk: Round(fraction((r) => r.expression.smile.ok)),
        fractionBlinkOk: Round(fraction((r) => r.expression.blink.ok)),
        leakageMax: Round(leakageMax),
        // The largest excess: how much more a render resembles another face than its own photo does.
        leakageExcessMax: Round(excesses.length ? Math.max(...excesses) : null),
        photoToPhotoHumanCosineMax: Round(photoPairs.length ? Math.max(...photoPairs) : null),
        photoToAvatarMsMedian: Round(Median(reports.map((r) => r.timings.photoToAvatar)), 0),
        renderMsPerFaceMedian: Round(Median(reports.map((r) => r.timings.render)), 0),
        thresholds: { humanVerify: HumanVerifyThreshold, humanDifferentPeopleMax: HumanDifferentPeopleMax, faceApiSame: FaceApiSameThreshold },
    };
    const target = (text: string, value: number | null, pass: (v: number) => boolean): { target: string; value: number | null; pass: boolean } => ({ target: text, value, pass: value !== null && pass(value) });
    const targets = {
        sourceHumanCosine: target("median ≥ 0.90", summary.humanCosineMedian.source, (v) => v >= 0.9),
        yaw15HumanCosine: target("median ≥ 0.85", summary.humanCosineMedian.yaw15, (v) => v >= 0.85),
        yaw30HumanCosine: target("median ≥ 0.75", summary.humanCosineMedian.yaw30, (v) => v >= 0.75),
        verifiedAndDetectedAtEveryView: target("≥ 0.90 of faces", summary.fractionVerifiedAndDetectedAtEveryView, (v) => v >= 0.9),
        identityLeakage: target(`every render < ${HumanDifferentPeopleMax} to every other face`, summary.leakageMax, (v) => v < HumanDifferentPeopleMax),
        // The time target is the fast path's; a refined run reports its time in the summary only.
        ...(options.refine ? {} : { photoToAvatarMs: target("median ≤ 3000 ms (2 cores, wasm, no refinement)", summary.photoToAvatarMsMedian, (v) => v <= 3000) }),
    };
    const sheetPath = join(out, "contact-sheet.png");
    writeFileSync(sheetPath, WriteContactSheet(sheet, size, ["PHOTO", ...ViewNames.map((n) => n.toUpperCase())]));
    const report: IReconstructionEvalReport = {
        photoDir: resolve(options.photoDir),
        size,
        stepCm: options.stepCm,
        background: "neutral grey (128, 128, 128); the photo crop keeps its own background",
        reconstruction: `ReconstructAvatarAsync (default options${segmenter ? ", person segmenter" : ", no person segmenter"}${options.refine ? ", refine" : ""})`,
        faces: reports,
        failures,
        photosWithoutFace,
        detectionsWithoutFace,
        summary,
        targets,
        consoleErrors: renderer.consoleErrors,
        contactSheet: sheetPath,
    };
    writeFileSync(join(out, "eval-reconstruction.json"), JSON.stringify(report, null, 2));
    return report;
}
