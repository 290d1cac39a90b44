/**
 * The browser side of browserPhoto.test.ts: the same detection and fit as in Node, bundled by
 * webpack (face-api's ES build), with the weights, the photo and the landmark basis served from
 * this repository, and the person segmenter. The outcome lands in `window.reconstructionResult`.
 */
import { UrlFileReader } from "../../../plugin/io/fileSource";
import { FaceLandmarkDetector } from "../../../plugin/reconstruction/faceLandmarkDetector";
import { IctLandmarkBasis } from "../../../plugin/reconstruction/ictLandmarkBasis";
import { DecodeImageAsync } from "../../../plugin/reconstruction/imagePixels";
import { FitLandmarks3dmm } from "../../../plugin/reconstruction/landmarkFitter";
import { PersonSegmenter } from "../../../plugin/reconstruction/personSegmenter";

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
    // The hair matte's person segmenter on the same backend, over the square around her head that the test names.
    const segmenter = await PersonSegmenter.CreateAsync({ model: UrlFileReader("/models/third-party/selfie-segmentation/") });
    const matte = await segmenter.segmentAsync(image, { x: 1130, y: -160, size: 820 });
    segmenter.dispose();
    // PNG goes through the browser's own decoder.
    const png = await DecodeImageAsync(await (await fetch("/node_modules/@vladmandic/face-api/demo/facemesh.png")).arrayBuffer());
    _target.reconstructionResult = { faceCount: face.faceCount, landmarks: Array.from(face.landmarks), meanErrorPx: fit.meanErrorPx, converged: fit.converged, pngSize: [png.width, png.height], matte: Array.from(matte.values) };
}

RunAsync().catch((e: unknown) => (_target.reconstructionResult = { error: String(e) }));
