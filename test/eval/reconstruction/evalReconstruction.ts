/**
 * `npm run eval:reconstruction -- [PHOTO_DIR] [--out DIR] [--size PX] [--step CM] [--max-faces N] [--no-segmentation] [--refine]`: evaluates
 * photo → avatar on every face of the photos in PHOTO_DIR (default: the dev set, the demo photos of
 * `@vladmandic/face-api`; a photo in PHOTO_DIR in which no face is found is a failure) and prints the JSON report; writes it with a contact sheet to DIR
 * (default test-output/eval-reconstruction). See docs/reconstruction.md.
 */
import { DevPhotoDir, DevPhotoFilter, RunReconstructionEvalAsync } from "./reconstructionEval";

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
    const i = args.indexOf(`--${name}`);
    if (i < 0) {
        return fallback;
    }
    const value = args[i + 1];
    args.splice(i, 2);
    return value;
};
const out = option("out", "test-output/eval-reconstruction");
const size = Number(option("size", "160"));
const stepCm = Number(option("step", "0.25"));
const maxFaces = Number(option("max-faces", "0"));
const flag = (name: string): boolean => {
    const i = args.indexOf(`--${name}`);
    if (i >= 0) {
        args.splice(i, 1);
    }
    return i >= 0;
};
const noSegmentation = flag("no-segmentation");
const refine = flag("refine");
if (!(size >= 64 && size <= 1024) || !(stepCm > 0) || !(maxFaces >= 0) || args.length > 1) {
    console.error("usage: npm run eval:reconstruction -- [PHOTO_DIR] [--out DIR] [--size 64..1024] [--step CM] [--max-faces N] [--no-segmentation] [--refine]");
    process.exit(2);
}
const report = await RunReconstructionEvalAsync({ photoDir: args[0] ?? DevPhotoDir, photoFilter: args[0] ? undefined : DevPhotoFilter, out, size, stepCm, maxFaces: maxFaces || undefined, segmentation: !noSegmentation, refine });
console.log(JSON.stringify(report, null, 2));
