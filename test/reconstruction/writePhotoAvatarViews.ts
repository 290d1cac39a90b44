/**
 * Writes docs/images/photo-avatars.png: for each photo, its avatar (made by the CLI's path,
 * `ReconstructAvatarAsync`) rendered in headless Chromium (the sample scene, SwiftShader) from the
 * front, at −30° and +30° yaw, and from the front with jawOpen 0.6, with a smile and with both eyes closed. Only renders
 * (no photo pixels) go into the image. With `--base-head`, the first row is the sample scene's base
 * head (the committed pack's mean identity), and without photos named no photo rows follow.
 *     npx tsx test/reconstruction/writePhotoAvatarViews.ts [--size 160] [--base-head] [--out PNG] [photo.jpg …]
 * Needs `npm run build` (the sample bundle) first.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PNG } from "pngjs";
import { WriteAvatarGlb } from "../../plugin/loader/avatarGlb";
import { ModelPack } from "../../plugin/pack/modelPack";
import { FaceLandmarkDetector } from "../../plugin/reconstruction/faceLandmarkDetector";
import { PersonSegmenter } from "../../plugin/reconstruction/personSegmenter";
import { ReconstructAvatarAsync } from "../../plugin/reconstruction/photoAvatar";
import { OpenSample, StartBrowser } from "../support/browser";
import { DiskReader } from "../support/nodeFiles";
import { FaceApiModelFolder, SamplePhotoPath, SegmentationModelFolder } from "./reconstructionFixtures";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { size: { type: "string", default: "160" }, out: { type: "string", default: "docs/images/photo-avatars.png" }, "base-head": { type: "boolean", default: false } } });
const size = Number(values.size);
const photos = positionals.length || values["base-head"] ? positionals : [2, 3, 6].map((i) => join(SamplePhotoPath, "..", `sample${i}.jpg`));
/** Rows: null for the base head, else a photo. */
const rows: (string | null)[] = [...(values["base-head"] ? [null] : []), ...photos];
const views: { yaw: number; expression: Record<string, number> }[] = [
    { yaw: 0, expression: {} },
    { yaw: -30, expression: {} },
    { yaw: 30, expression: {} },
    { yaw: 0, expression: { jawOpen: 0.6 } },
    { yaw: 0, expression: { mouthSmile_L: 0.7, mouthSmile_R: 0.7 } },
    { yaw: 0, expression: { eyeBlink_L: 1, eyeBlink_R: 1 } },
];

const pack = await ModelPack.LoadAsync(DiskReader("models/packs/ict-base"));
const detector = await FaceLandmarkDetector.CreateAsync({ models: DiskReader(FaceApiModelFolder) });
const segmenter = await PersonSegmenter.CreateAsync({ model: DiskReader(SegmentationModelFolder) });
const dir = join("test-output", "photo-avatar-views");
mkdirSync(dir, { recursive: true });
const sheet = new PNG({ width: size * views.length, height: size * rows.length });
const session = await StartBrowser();
try {
    for (const [row, photo] of rows.entries()) {
        let avatarParameter = "";
        if (photo !== null) {
            const result = await ReconstructAvatarAsync(readFileSync(photo), pack, { detector, segmenter, fallbackMesh: false });
            result.asset.packUri = "../../models/packs/ict-base/";
            const glb = join(dir, `avatar-${row}.glb`);
            writeFileSync(glb, await WriteAvatarGlb(result.asset, "avatar"));
            avatarParameter = `avatar=../${glb}&`;
        }
        const { page } = await OpenSample(session, `${avatarParameter}ui=0&size=${size}`);
        await page.setViewportSize({ width: size, height: size });
        for (const [column, view] of views.entries()) {
            await page.evaluate(async ([yaw, expression]) => {
                const { scene, engine, camera, sphere, avatar } = window.nofaSample;
                engine.stopRenderLoop();
                sphere.setEnabled(false);
                camera.alpha = -Math.PI / 2 + ((yaw as number) * Math.PI) / 180;
                camera.beta = Math.PI / 2;
                camera.radius = 0.45;
                camera.target.set(0, 0.02, 0);
                avatar!.setExpression(new Float32Array(53));
                avatar!.setExpression(expression as Record<string, number>);
                // Two frames: the first bakes the new expression.
                for (let i = 0; i < 2; i++) {
                    engine.beginFrame();
                    scene.render();
                    engine.endFrame();
                    await (engine as unknown as { _device: GPUDevice })._device.queue.onSubmittedWorkDone();
                }
            }, [view.yaw, view.expression] as const);
            const shot = PNG.sync.read(await page.screenshot({ clip: { x: 0, y: 0, width: size, height: size }, timeout: 600_000 }));
            PNG.bitblt(shot, sheet, 0, 0, size, size, column * size, row * size);
            console.log(`${photo ?? "base head"}: view ${column + 1}/${views.length}`);
        }
        await page.close();
    }
} finally {
    await session.close();
}
writeFileSync(values.out!, PNG.sync.write(sheet));
console.log(`wrote ${values.out}`);
