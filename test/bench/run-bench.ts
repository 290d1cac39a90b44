/**
 * `npm run bench`: renders the sample avatar in headless Chromium and prints JSON figures, each
 * configuration measured side by side in one run on the same page, camera and expression:
 * frame time of baked vs per-sample deformation, with vs without empty-space skipping, with the
 * surface window (the default, 4 substeps) vs without it vs a 4× smaller step everywhere, with vs without
 * the mouth cavity shading (jawOpen 0.7), mean
 * samples per ray (benchmark view of the material), PSNR between the baked and per-sample images and
 * of the window's and the plain step's images against the 4× smaller step's, and the WebGPU adapter it ran on. Ratios are what to read on a CPU renderer (SwiftShader);
 * absolute times mean something only on a real GPU.
 * Options: --size N (canvas px, default 256), --frames N (timed frames per configuration, default 3),
 * --avatar URL (relative to sample-scene/, default the sample's avatar).
 */
import { PNG } from "pngjs";
import { OpenSample, StartBrowser } from "../support/browser";

function arg(name: string, fallback: string): string {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const size = Number(arg("size", "256"));
const frames = Number(arg("frames", "3"));
const avatar = arg("avatar", "");

interface IConfig {
    name: string;
    deformationMode: "baked" | "perSample";
    skipEmptySpace: boolean;
    /** AvatarVolume.surfaceSubsteps (default 4). */
    surfaceSubsteps?: number;
    /** AvatarVolume.stepSize, cm (default 0.25). */
    stepSize?: number;
    /** AvatarVolume.mouthCavityShading (default 1). */
    mouthCavityShading?: number;
}

const configs: IConfig[] = [
    { name: "baked+skip", deformationMode: "baked", skipEmptySpace: true },
    { name: "perSample+skip", deformationMode: "perSample", skipEmptySpace: true },
    { name: "baked+noSkip", deformationMode: "baked", skipEmptySpace: false },
    { name: "perSample+noSkip", deformationMode: "perSample", skipEmptySpace: false },
    { name: "baked+skip, no surface window", deformationMode: "baked", skipEmptySpace: true, surfaceSubsteps: 1 },
    { name: "baked+skip, step/4, no surface window", deformationMode: "baked", skipEmptySpace: true, surfaceSubsteps: 1, stepSize: 0.0625 },
    { name: "baked+skip, no mouth cavity shading", deformationMode: "baked", skipEmptySpace: true, mouthCavityShading: 0 },
];

const session = await StartBrowser();
try {
    const { page, errors } = await OpenSample(session, `size=${size}&ui=0${avatar ? `&avatar=${encodeURIComponent(avatar)}` : ""}`);
    await page.evaluate(async () => {
        const { engine, camera, sphere, avatar: a } = window.nofaSample;
        engine.stopRenderLoop();
        camera.radius = 0.6;
        camera.alpha = -Math.PI / 2 + 0.3;
        camera.beta = Math.PI / 2.1;
        sphere.setEnabled(false);
        a!.setExpression({ jawOpen: 0.7, mouthSmile_L: 0.6, mouthSmile_R: 0.6, eyeBlink_L: 0.3 });
    });
    const shot = async (): Promise<Uint8Array> => {
        await page.evaluate(async () => {
            const { scene, engine } = window.nofaSample;
            engine.beginFrame();
            scene.render();
            engine.endFrame();
            await (engine as unknown as { _device: GPUDevice })._device.queue.onSubmittedWorkDone();
        });
        return new Uint8Array(PNG.sync.read(await page.screenshot({ clip: { x: 0, y: 0, width: size, height: size }, timeout: 600_000 })).data);
    };
    const result: Record<string, unknown> = {};
    const images: Record<string, Uint8Array> = {};
    for (const c of configs) {
        const ms = await page.evaluate(
            async ([mode, skip, n, substeps, step, cavity]) => {
                const { scene, engine, avatar: a } = window.nofaSample;
                const device = (engine as unknown as { _device: GPUDevice })._device;
                a!.deformationMode = mode as "baked" | "perSample";
                a!.skipEmptySpace = skip as boolean;
                a!.surfaceSubsteps = substeps as number;
                a!.stepSize = step as number;
                a!.mouthCavityShading = cavity as number;
                a!.showSampleCount = false;
                // One warm-up frame, then n timed ones (no named closures: page code is not transpiled helpers).
                let t0 = 0;
                for (let i = 0; i <= (n as number); i++) {
                    if (i === 1) t0 = performance.now();
                    engine.beginFrame();
                    scene.render();
                    engine.endFrame();
                    await device.queue.onSubmittedWorkDone();
                }
                return (performance.now() - t0) / (n as number);
            },
            [c.deformationMode, c.skipEmptySpace, frames, c.surfaceSubsteps ?? 4, c.stepSize ?? 0.25, c.mouthCavityShading ?? 1] as const
        );
        images[c.name] = await shot();
        await page.evaluate(() => (window.nofaSample.avatar!.showSampleCount = true));
        const counts = await shot();
        await page.evaluate(() => (window.nofaSample.avatar!.showSampleCount = false));
        let sum = 0;
        let rays = 0;
        for (let i = 0; i < counts.length; i += 4) {
            if (counts[i + 1] === 255 && counts[i + 2] === 0) {
                sum += (counts[i] / 255) * 1024;
                rays++;
            }
        }
        result[c.name] = { frameMs: Number(ms.toFixed(1)), meanSamplesPerRay: Number((sum / Math.max(rays, 1)).toFixed(1)), rays };
    }
    await page.evaluate(() => window.nofaSample.avatar!.setEnabled(false));
    const background = await shot();
    const psnr = (a: Uint8Array, b: Uint8Array): { psnrDb: number | "identical"; pixels: number } => {
        let se = 0;
        let n = 0;
        for (let i = 0; i < a.length; i += 4) {
            const covered = [0, 1, 2].some((k) => Math.abs(a[i + k] - background[i + k]) > 2 || Math.abs(b[i + k] - background[i + k]) > 2);
            if (!covered) continue;
            for (let k = 0; k < 3; k++) se += (a[i + k] - b[i + k]) ** 2;
            n += 3;
        }
        const mse = se / Math.max(n, 1);
        return { psnrDb: mse === 0 ? "identical" : Number((10 * Math.log10((255 * 255) / mse)).toFixed(2)), pixels: n / 3 };
    };
    const get = (name: string) => result[name] as { frameMs: number; meanSamplesPerRay: number };
    const adapter = await page.evaluate(async () => {
        const a = await navigator.gpu.requestAdapter();
        return a ? { vendor: a.info.vendor, architecture: a.info.architecture, description: a.info.description } : null;
    });
    const report = {
        adapter,
        canvas: `${size}x${size}`,
        timedFramesPerConfig: frames,
        configs: result,
        ratios: {
            bakedSpeedupOverPerSample: Number((get("perSample+skip").frameMs / get("baked+skip").frameMs).toFixed(2)),
            bakedSpeedupOverPerSampleNoSkip: Number((get("perSample+noSkip").frameMs / get("baked+noSkip").frameMs).toFixed(2)),
            skippingSpeedup: Number((get("baked+noSkip").frameMs / get("baked+skip").frameMs).toFixed(2)),
            samplesWithSkippingOverUniform: Number((get("baked+skip").meanSamplesPerRay / get("baked+noSkip").meanSamplesPerRay).toFixed(3)),
            surfaceWindowCost: Number((get("baked+skip").frameMs / get("baked+skip, no surface window").frameMs).toFixed(2)),
            quarterStepCost: Number((get("baked+skip, step/4, no surface window").frameMs / get("baked+skip, no surface window").frameMs).toFixed(2)),
            mouthCavityShadingCost: Number((get("baked+skip").frameMs / get("baked+skip, no mouth cavity shading").frameMs).toFixed(2)),
        },
        quality: {
            bakedVsPerSample: psnr(images["baked+skip"], images["perSample+skip"]),
            skipVsNoSkip: psnr(images["baked+skip"], images["baked+noSkip"]),
            surfaceWindowVsQuarterStep: psnr(images["baked+skip"], images["baked+skip, step/4, no surface window"]),
            noSurfaceWindowVsQuarterStep: psnr(images["baked+skip, no surface window"], images["baked+skip, step/4, no surface window"]),
            mouthCavityShadingOnVsOff: psnr(images["baked+skip"], images["baked+skip, no mouth cavity shading"]),
        },
        targets: { bakedSpeedupOverPerSample: ">= 5 at >= 40 dB", samplesWithSkippingOverUniform: "<= 0.25" },
        consoleErrors: errors,
    };
    console.log(JSON.stringify(report, null, 2));
} finally {
    await session.close();
}
