/**
 * Photo → avatar in the browser: the sample scene's photo panel (`window.nofaSample.photo`) runs
 * the whole reconstruction in headless Chromium (face-api on TensorFlow.js's wasm backend,
 * G(α) on onnxruntime-web, the colour fit in JavaScript) and the avatar appears beside the base
 * head, in the photo's colours; a photo that is not one fails with its typed error and leaves
 * nothing in the scene or on the GPU.
 */
import { readFileSync } from "node:fs";
import { PNG } from "pngjs";
import { type IBrowserSession, OpenSample, StartBrowser } from "../support/browser";
import { SamplePhotoPath } from "../reconstruction/reconstructionFixtures";

const Size = 192;
let session: IBrowserSession;

beforeAll(async () => {
    session = await StartBrowser();
});
afterAll(async () => {
    await session?.close();
});

test("a dropped photo becomes an avatar beside the base head; a bad one leaves nothing behind", async () => {
    const { page, errors } = await OpenSample(session, `size=${Size}`);
    await page.setViewportSize({ width: Size, height: Size });
    const counts = (): Promise<number[]> =>
        page.evaluate(() => {
            const { scene, engine } = window.nofaSample;
            return [scene.meshes.length, scene.transformNodes.length, scene.materials.length, engine.getLoadedTexturesCache().length];
        });
    await page.evaluate(() => window.nofaSample.engine.stopRenderLoop());
    const before = await counts();
    const failure = await page.evaluate(async () => {
        try {
            await window.nofaSample.photo!.reconstructAsync(new TextEncoder().encode("not a photo").buffer);
            return null;
        } catch (e) {
            return { name: (e as Error).name, code: (e as { code?: string }).code };
        }
    });
    expect(failure).toEqual({ name: "ReconstructionError", code: "BAD_IMAGE" });
    expect(await counts()).toEqual(before);

    const bytes = Array.from(readFileSync(SamplePhotoPath));
    const stages = await page.evaluate(async (b) => {
        const { photo, camera } = window.nofaSample;
        const seen: string[] = [];
        photo!.onAvatarObservable.addOnce(() => seen.push("avatar"));
        const avatar = await photo!.reconstructAsync(new Uint8Array(b).buffer);
        // Look at the new head alone, from the front.
        camera.target.set(avatar.position.x, 0, 0);
        camera.alpha = -Math.PI / 2;
        camera.beta = Math.PI / 2;
        camera.radius = 0.5;
        return [...seen, avatar.name, document.getElementById("status")!.textContent ?? ""];
    }, bytes);
    expect(stages.slice(0, 2)).toEqual(["avatar", "photoAvatar"]);
    expect(stages[2]).toMatch(/photo → avatar in [\d.]+ s \(decode/);
    await page.evaluate(async () => {
        const { scene, engine, sphere } = window.nofaSample;
        sphere.setEnabled(false);
        (document.getElementById("panel") as HTMLElement).style.display = "none";
        engine.beginFrame();
        scene.render();
        engine.endFrame();
        await (engine as unknown as { _device: GPUDevice })._device.queue.onSubmittedWorkDone();
    });
    const png = PNG.sync.read(await page.screenshot({ clip: { x: 0, y: 0, width: Size, height: Size }, timeout: 300_000 }));
    // The face fills the middle of the view: not the clear colour, and not the base pack's orange skin.
    const at = (x: number, y: number): number[] => [0, 1, 2].map((c) => png.data[4 * (y * Size + x) + c]);
    const middle = at(Size / 2, Size / 2);
    const clear = [0.11, 0.13, 0.16].map((c) => Math.round(255 * c));
    expect(Math.max(...middle.map((v, c) => Math.abs(v - clear[c])))).toBeGreaterThan(60);
    // sample2's skin is pale and cool (r − b small); the base head's is orange (r − b > 60).
    expect(middle[0] - middle[2]).toBeLessThan(50);
    expect(errors).toEqual([]);
}, 900_000);
