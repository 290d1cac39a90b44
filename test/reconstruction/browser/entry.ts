/**
 * The browser side of browserPhoto.test.ts: the same detection and fit as in Node, bundled by
 * webpack (face-api's ES build), with the weights, the photo and the landmark basis served from
 * this repository. The outcome lands in `window.reconstructionResult`.
 */
import { UrlFileReader } from "../../../plugin/io/fileSource";
import { FaceLandmarkDetector } from "../../../plugin/reconstruction/faceLandmarkDetector";
import { IctLandmarkBasis } from "../../../plugin/reconstruction/ictLandmarkBasis";
import { DecodeImageAsync } from "../../../plugin/reconstruction/imagePixels";
import { FitLandmarks3dmm } from "../../../plugin/reconstruction/landmarkFitter";

const _target = window as unknown as { reconstructionResult?: unknown };

async function RunAsync(): Promise<void> {
    const backend = new URLSearchParams(location.search).get("backend") === "wasm" ? "wasm" : "cpu";
    const detector = await FaceLandmarkDetector.CreateAsync({
        models: UrlFileReader("/node_modules/@vladmandic/face-api/model/"),
        backend,
        wasmPaths: "/node_modules/@tensorflow/tfjs-backend-wasm/dist/",
    });
    const image = await DecodeImageAsync(await (await fetch("/node_modules/@vladmandic/face-api/demo/sample2.jpg")).arrayBuffer());
    const face = await detector.detectAsync(image);
    // The default URL: the copy webpack emitted beside the bundle.
    const basis = await IctLandmarkBasis.LoadAsync();
    const fit = FitLandmarks3dmm(basis, face.landmarks, image.width, image.height);
    // PNG goes through the browser's own decoder.
    const png = await DecodeImageAsync(await (await fetch("/node_modules/@vladmandic/face-api/demo/facemesh.png")).arrayBuffer());
    _target.reconstructionResult = { faceCount: face.faceCount, landmarks: Array.from(face.landmarks), meanErrorPx: fit.meanErrorPx, converged: fit.converged, pngSize: [png.width, png.height] };
}

RunAsync().catch((e: unknown) => (_target.reconstructionResult = { error: String(e) }));
