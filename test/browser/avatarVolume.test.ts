/**
 * Browser layer: the sample scene in headless Chromium (WebGPU on SwiftShader). Pixels are read
 * back and checked: the avatar appears (also in two viewports at once, and through an orthographic
 * camera, whose picture does not change with its distance), a mesh sphere through
 * the head occludes and is occluded per pixel, jawOpen changes the mouth region and nothing far
 * from it, the surface window costs samples and barely changes sharp surfaces, packs with a jump or a stretch carve render through the real material, a photo layer's slab shows (through the material's projection uniform and the
 * occupancy pass), bad files fail with typed errors and leave nothing on the GPU, 200 avatars created and
 * disposed leave the texture and buffer counts where they were, and the console shows no error.
 */
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Page } from "playwright-core";
import { type IBrowserSession, OpenSample, StartBrowser } from "../support/browser";
import { PNG } from "pngjs";
import { Float32ArrayToHalf } from "../../plugin/io/float16";

const Size = 160;
const AssetsDir = "dist/sample-assets/analytic";
let session: IBrowserSession;
let page: Page;
let errors: string[];

interface IImage {
    data: Uint8Array;
}

async function capture(frames = 2): Promise<IImage> {
    await page.evaluate(async (n) => {
        for (let i = 0; i < n; i++) {
            await new Promise<void>((resolve) => window.nofaSample.scene.onAfterRenderObservable.addOnce(() => resolve()));
        }
    }, frames);
    const png = PNG.sync.read(await page.screenshot({ clip: { x: 0, y: 0, width: Size, height: Size }, timeout: 240_000 }));
    return { data: new Uint8Array(png.data) };
}

const pixel = (img: IImage, x: number, y: number): number[] => {
    const i = 4 * (Math.round(y) * Size + Math.round(x));
    return [img.data[i], img.data[i + 1], img.data[i + 2]];
};
const differs = (a: IImage, b: IImage, i: number, threshold = 24): boolean =>
    Math.max(Math.abs(a.data[4 * i] - b.data[4 * i]), Math.abs(a.data[4 * i + 1] - b.data[4 * i + 1]), Math.abs(a.data[4 * i + 2] - b.data[4 * i + 2])) > threshold;
const isSkin = (c: number[]): boolean => c[0] > 120 && c[0] > c[1] + 15 && c[1] > c[2];

async function view(alpha: number, beta: number, radius: number): Promise<void> {
    await page.evaluate(([a, b, r]) => {
        const cam = window.nofaSample.camera;
        cam.alpha = a;
        cam.beta = b;
        cam.radius = r;
    }, [alpha, beta, radius]);
}

async function show(avatar: boolean, sphere: boolean): Promise<void> {
    await page.evaluate(([a, s]) => {
        window.nofaSample.avatar!.setEnabled(a);
        window.nofaSample.sphere.setEnabled(s);
    }, [avatar, sphere]);
}

async function gpuCounts(): Promise<{ textures: number; buffers: number; gpuTextures: number }> {
    await capture(3);
    return page.evaluate(() => {
        const w = window as unknown as { __gpuCounts: { buffers: number; textures: number } };
        return { textures: window.nofaSample.engine.getLoadedTexturesCache().length, buffers: w.__gpuCounts.buffers, gpuTextures: w.__gpuCounts.textures };
    });
}

beforeAll(async () => {
    session = await StartBrowser();
    const opened = await OpenSample(session, `size=${Size}&ui=0&avatar=../${AssetsDir}/analytic-head.glb`, () => {
        // Counts live GPU buffers and textures by wrapping the device (installed before the page's scripts).
        const counts = { buffers: 0, textures: 0 };
        (window as unknown as { __gpuCounts: typeof counts }).__gpuCounts = counts;
        // Wraps a create method so that each object it makes counts until its destroy().
        const track = (method: "createBuffer" | "createTexture", key: "buffers" | "textures"): void => {
            const proto = GPUDevice.prototype as unknown as Record<string, (this: GPUDevice, d: unknown) => { destroy(): void }>;
            const create = proto[method];
            proto[method] = function (this: GPUDevice, d: unknown) {
                const made = create.call(this, d);
                counts[key]++;
                const destroy = made.destroy.bind(made);
                let alive = true;
                made.destroy = () => {
                    if (alive) {
                        alive = false;
                        counts[key]--;
                    }
                    destroy();
                };
                return made;
            };
        };
        track("createBuffer", "buffers");
        track("createTexture", "textures");
    });
    page = opened.page;
    errors = opened.errors;
});

afterAll(async () => {
    await session?.close();
});

test("the avatar appears, also in two viewports at once", async () => {
    await view(-Math.PI / 2, Math.PI / 2, 0.6);
    await show(true, false);
    const withAvatar = await capture();
    const [fx, fy] = await page.evaluate(() => window.nofaSample.project(0, 0.02, -0.1));
    expect(isSkin(pixel(withAvatar, fx, fy))).toBe(true);
    await show(false, false);
    const without = await capture();
    expect(isSkin(pixel(without, fx, fy))).toBe(false);

    await show(true, false);
    await page.evaluate(() => {
        const { scene, camera } = window.nofaSample;
        const left = camera.clone("left") as typeof camera;
        const right = camera.clone("right") as typeof camera;
        left.viewport.x = 0;
        left.viewport.width = 0.5;
        right.viewport.x = 0.5;
        right.viewport.width = 0.5;
        right.alpha = -Math.PI / 2 + 0.5;
        scene.activeCameras = [left, right];
    });
    const split = await capture();
    const skinIn = (x0: number, x1: number): number => {
        let n = 0;
        for (let y = 0; y < Size; y++) for (let x = x0; x < x1; x++) n += isSkin(pixel(split, x, y)) ? 1 : 0;
        return n;
    };
    expect(skinIn(0, Size / 2)).toBeGreaterThan(100);
    expect(skinIn(Size / 2, Size)).toBeGreaterThan(100);
    await page.evaluate(() => {
        const { scene, camera } = window.nofaSample;
        scene.activeCameras!.forEach((c) => c.dispose());
        scene.activeCameras = null;
        scene.activeCamera = camera;
    });
});

test("an orthographic camera sees the head along parallel rays: the same picture from 0.6 m and from 3 m", async () => {
    await view(-Math.PI / 2, Math.PI / 2, 0.6);
    await show(true, false);
    await page.evaluate(() => {
        const cam = window.nofaSample.camera;
        cam.mode = 1; // Camera.ORTHOGRAPHIC_CAMERA
        cam.orthoLeft = -0.16;
        cam.orthoRight = 0.16;
        cam.orthoTop = 0.16;
        cam.orthoBottom = -0.16;
    });
    try {
        const near = await capture();
        const [fx, fy] = await page.evaluate(() => window.nofaSample.project(0, 0.02, -0.1));
        expect(isSkin(pixel(near, fx, fy))).toBe(true);
        await view(-Math.PI / 2, Math.PI / 2, 3);
        const far = await capture();
        let skin = 0;
        let changed = 0;
        for (let i = 0; i < Size * Size; i++) {
            skin += isSkin(pixel(near, i % Size, Math.floor(i / Size))) ? 1 : 0;
            changed += differs(near, far, i) ? 1 : 0;
        }
        expect(skin).toBeGreaterThan(500);
        expect(changed).toBeLessThan(0.02 * skin);
    } finally {
        await page.evaluate(() => (window.nofaSample.camera.mode = 0)); // Camera.PERSPECTIVE_CAMERA
        await view(-Math.PI / 2, Math.PI / 2, 0.6);
    }
});

test("a mesh sphere through the head occludes it and is occluded by it, per pixel", async () => {
    await view(0, Math.PI / 2, 0.6); // from the side (+x)
    await page.evaluate(() => window.nofaSample.sphere.position.set(0, 0, -0.1));
    await show(false, false);
    const background = await capture();
    await show(true, false);
    const head = await capture();
    await show(false, true);
    const sphere = await capture();
    await show(true, true);
    const both = await capture();
    let mask = 0;
    let sphereInFront = 0;
    let headInFront = 0;
    for (let i = 0; i < Size * Size; i++) {
        if (!differs(sphere, background, i) || !differs(head, background, i)) {
            continue; // only where both the sphere and the head cover the pixel
        }
        mask++;
        if (!differs(both, sphere, i, 12)) sphereInFront++;
        else if (!differs(both, head, i, 12)) headInFront++;
    }
    expect(mask).toBeGreaterThan(200);
    expect(sphereInFront / mask).toBeGreaterThan(0.15);
    expect(headInFront / mask).toBeGreaterThan(0.15);
    expect((sphereInFront + headInFront) / mask).toBeGreaterThan(0.9);
    await show(true, false);
});

/** Pixels that differ between two frames inside the analytic head's mouth region (projected from its box, 2 px margin) and outside it. */
async function mouthChanges(a: IImage, b: IImage): Promise<{ inside: number; outside: number }> {
    const [x0, y0] = await page.evaluate(() => window.nofaSample.project(-0.06, -0.02, -0.1));
    const [x1, y1] = await page.evaluate(() => window.nofaSample.project(0.06, -0.2, -0.1));
    let inside = 0;
    let outside = 0;
    for (let y = 0; y < Size; y++) {
        for (let x = 0; x < Size; x++) {
            if (!differs(a, b, y * Size + x)) continue;
            if (x >= Math.min(x0, x1) - 2 && x <= Math.max(x0, x1) + 2 && y >= Math.min(y0, y1) - 2 && y <= Math.max(y0, y1) + 2) inside++;
            else outside++;
        }
    }
    return { inside, outside };
}

test("jawOpen changes the mouth region and nothing far from it", async () => {
    await view(-Math.PI / 2, Math.PI / 2, 0.6);
    await page.evaluate(() => window.nofaSample.avatar!.setExpression({ jawOpen: 0 }));
    const closed = await capture();
    await page.evaluate(() => window.nofaSample.avatar!.setExpression({ jawOpen: 1 }));
    const open = await capture();
    await page.evaluate(() => window.nofaSample.avatar!.setExpression({ jawOpen: 0 }));
    const { inside, outside } = await mouthChanges(open, closed);
    expect(inside).toBeGreaterThan(40);
    expect(outside).toBeLessThan(inside * 0.02);
});

test("surfaceSubsteps: the surface window costs samples and barely changes the analytic head's sharp surfaces; bad values throw a RangeError and change nothing", async () => {
    await view(-Math.PI / 2, Math.PI / 2, 0.6);
    const meanSamples = async (substeps: number): Promise<{ image: IImage; samples: number }> => {
        await page.evaluate((n) => (window.nofaSample.avatar!.surfaceSubsteps = n), substeps);
        const image = await capture();
        await page.evaluate(() => (window.nofaSample.avatar!.showSampleCount = true));
        const counts = await capture();
        await page.evaluate(() => (window.nofaSample.avatar!.showSampleCount = false));
        let sum = 0;
        let rays = 0;
        for (let i = 0; i < Size * Size; i++) {
            if (counts.data[4 * i + 1] === 255 && counts.data[4 * i + 2] === 0) {
                sum += counts.data[4 * i];
                rays++;
            }
        }
        return { image, samples: sum / Math.max(rays, 1) };
    };
    const plain = await meanSamples(1);
    const windowed = await meanSamples(4);
    expect(windowed.samples).toBeGreaterThan(plain.samples);
    expect(countDiffering(plain.image, windowed.image)).toBeLessThan(Size * Size * 0.02);
    for (const bad of [0, 2.5, 17, Number.NaN]) {
        const message = await page.evaluate((n) => {
            try {
                window.nofaSample.avatar!.surfaceSubsteps = n;
                return "no error";
            } catch (e) {
                return `${(e as Error).name}: ${(e as Error).message}`;
            }
        }, bad);
        expect(message).toMatch(/^RangeError: surfaceSubsteps must be an integer from 1 to 16/);
    }
    expect(await page.evaluate(() => window.nofaSample.avatar!.surfaceSubsteps)).toBe(4);
});

/**
 * Frames of the analytic head on one of its variant packs (test/support/analyticHead.ts), loaded beside the
 * sample's own avatar: each shot shows one of the two (`true`: the variant) at the given jawOpen.
 */
async function variantShots(variant: "jump" | "stretch", shots: [number, boolean][]): Promise<IImage[]> {
    await show(true, false);
    await view(-Math.PI / 2, Math.PI / 2, 0.6);
    await page.evaluate(async (url) => {
        const { scene, AvatarVolume } = window.nofaSample;
        (window as unknown as { __variantAvatar: unknown }).__variantAvatar = await AvatarVolume.LoadAsync(url, scene);
    }, `../${AssetsDir}/analytic-head-${variant}.glb`);
    const images: IImage[] = [];
    for (const [jaw, useVariant] of shots) {
        await page.evaluate(
            ([j, use]) => {
                const other = (window as unknown as { __variantAvatar: { setEnabled(on: boolean): void; setExpression(w: Record<string, number>): void } }).__variantAvatar;
                window.nofaSample.avatar!.setEnabled(!use);
                other.setEnabled(use);
                (use ? other : window.nofaSample.avatar!).setExpression({ jawOpen: j });
            },
            [jaw, useVariant] as const
        );
        images.push(await capture(3));
    }
    await page.evaluate(() => (window as unknown as { __variantAvatar: { dispose(): void } }).__variantAvatar.dispose());
    await show(true, false);
    await page.evaluate(() => window.nofaSample.avatar!.setExpression({ jawOpen: 0 }));
    return images;
}

const countDiffering = (a: IImage, b: IImage): number => Array.from({ length: Size * Size }, (_, i) => differs(a, b, i)).filter(Boolean).length;

test("a pack whose D-Net has a jump renders through both baked textures: the analytic jaw split into a + sigmoid(k·s)·j gives the same picture", async () => {
    // analytic-head-jump's D-Net: a = ½·jaw, j = jaw, s = 0 (test/support/analyticHead.ts). Read
    // and joined, that is the analytic jaw; with the second texture ignored it would open half as far.
    const [plain, half, jumped] = await variantShots("jump", [[0.8, false], [0.4, false], [0.8, true]]);
    expect(countDiffering(plain, half)).toBeGreaterThan(40);
    expect(countDiffering(jumped, plain)).toBeLessThan(0.05 * countDiffering(plain, half));
});

test("a pack with a stretch carve opens the analytic mouth where the lowered jaw's map squeezes a band into a sheet, and changes nothing with the jaw closed", async () => {
    const [closed, closedCarved, open, openCarved] = await variantShots("stretch", [[0, false], [0, true], [0.8, false], [0.8, true]]);
    const { inside, outside } = await mouthChanges(open, openCarved);
    expect(countDiffering(closedCarved, closed)).toBeLessThan(5);
    expect(inside).toBeGreaterThan(20);
    expect(outside).toBeLessThan(inside * 0.05);
});

test("mouthCavityShading darkens what the analytic mouth shows behind its carved lips, and nothing else; jawOpen 0 or a shading of 0 changes nothing; bad values throw a RangeError, a photo expression of the wrong length an AvatarFormatError", async () => {
    await show(false, false);
    await view(-Math.PI / 2, Math.PI / 2, 0.6);
    await page.evaluate(async (url) => {
        const { scene, AvatarVolume } = window.nofaSample;
        (window as unknown as { __cavityAvatar: unknown }).__cavityAvatar = await AvatarVolume.LoadAsync(url, scene);
    }, `../${AssetsDir}/analytic-head-stretch.glb`);
    const shot = async (jaw: number, shading: number): Promise<IImage> => {
        await page.evaluate(
            ([j, s]) => {
                const a = (window as unknown as { __cavityAvatar: { setExpression(w: Record<string, number>): void; mouthCavityShading: number } }).__cavityAvatar;
                a.setExpression({ jawOpen: j });
                a.mouthCavityShading = s;
            },
            [jaw, shading] as const
        );
        return capture(3);
    };
    const [closedShaded, closedPlain, openShaded, openPlain] = [await shot(0, 1), await shot(0, 0), await shot(0.8, 1), await shot(0.8, 0)];
    const bad = await page.evaluate(() => {
        const a = (window as unknown as { __cavityAvatar: { mouthCavityShading: number; dispose(): void } }).__cavityAvatar;
        const messages = [-0.1, 1.5, Number.NaN].map((v) => {
            try {
                a.mouthCavityShading = v;
                return "no error";
            } catch (e) {
                return `${(e as Error).name}: ${(e as Error).message}`;
            }
        });
        messages.push(String(a.mouthCavityShading));
        a.dispose();
        return messages;
    });
    // An asset made in code whose photo layer's expression has the wrong length: a typed error naming it.
    const badExpression = await page.evaluate(async () => {
        const { scene, avatar, AvatarVolume } = window.nofaSample;
        const photoLayer = { projection: new Float32Array(12), width: 1, height: 1, colour: new Uint8Array(4), depth: new Uint16Array(4), expression: new Float32Array(52) };
        try {
            await AvatarVolume.CreateAsync("badExpression", scene, avatar!.pack!, { ...avatar!.asset!, photoLayer });
            return "no error";
        } catch (e) {
            return `${(e as Error).name} ${(e as { field?: string }).field}`;
        }
    });
    expect(badExpression).toBe("AvatarFormatError photoLayer.expression");
    await show(true, false);
    expect(countDiffering(closedShaded, closedPlain)).toBe(0);
    const { inside, outside } = await mouthChanges(openShaded, openPlain);
    expect(inside).toBeGreaterThan(20);
    expect(outside).toBe(0);
    // Where they differ, the shaded mouth is darker.
    let darker = 0;
    let lighter = 0;
    for (let i = 0; i < Size * Size; i++) {
        if (!differs(openShaded, openPlain, i)) continue;
        const sum = (im: IImage): number => im.data[4 * i] + im.data[4 * i + 1] + im.data[4 * i + 2];
        if (sum(openShaded) < sum(openPlain)) darker++;
        else lighter++;
    }
    expect(lighter).toBe(0);
    expect(darker).toBe(inside);
    expect(bad.slice(0, 3).every((m) => /^RangeError: mouthCavityShading must be a number from 0 to 1/.test(m))).toBe(true);
    expect(bad[3]).toBe("0");
});

test("a photo layer's slab paints the face and shows beside the head (the material's projection uniform and the occupancy pass both see it)", async () => {
    // Seen from a camera at canonical z = 60 looking down −z (u = ½ + x/w, v = ½ − y/w, w = 60 − z):
    // green, untrusted at the surface, a 5/cm slab from z = 13.5 to z = 10 over the whole layer.
    const W = 8;
    const H = 8;
    const layer = {
        projection: [1, 0, -0.5, 30, 0, -1, -0.5, 30, 0, 0, -1, 60],
        colour: Array.from({ length: W * H }, () => [40, 220, 40, 0]).flat(),
        depth: Array.from(Float32ArrayToHalf(Float32Array.from(Array.from({ length: W * H }, () => [0, 46.5, 50, 5]).flat()))),
    };
    await show(false, false);
    await view(-Math.PI / 2, Math.PI / 2, 0.6);
    const [fx, fy] = await page.evaluate(() => window.nofaSample.project(0, 0.02, -0.1));
    const [sx, sy] = await page.evaluate(() => window.nofaSample.project(0.11, 0.0, -0.12));
    const shots: IImage[] = [];
    for (const withLayer of [false, true]) {
        await page.evaluate(
            async ([l, on, w, h]) => {
                const { scene, avatar, AvatarVolume } = window.nofaSample;
                const asset = { ...avatar!.asset! };
                if (on) {
                    asset.photoLayer = { projection: Float32Array.from(l.projection), width: w, height: h, colour: Uint8Array.from(l.colour), depth: Uint16Array.from(l.depth) };
                }
                (window as unknown as { __photoAvatar: unknown }).__photoAvatar = await AvatarVolume.CreateAsync(on ? "photoLayer" : "noPhotoLayer", scene, avatar!.pack!, asset);
            },
            [layer, withLayer, W, H] as const
        );
        shots.push(await capture(3));
        await page.evaluate(() => (window as unknown as { __photoAvatar: { dispose(): void } }).__photoAvatar.dispose());
    }
    const green = (c: number[]): boolean => c[1] > c[0] + 60 && c[1] > c[2] + 60;
    expect(isSkin(pixel(shots[0], fx, fy))).toBe(true);
    expect(green(pixel(shots[1], fx, fy))).toBe(true);
    expect(green(pixel(shots[0], sx, sy))).toBe(false);
    expect(green(pixel(shots[1], sx, sy))).toBe(true);
    await show(true, false);
});

test("bad avatar files get typed errors and leave nothing on the GPU", async () => {
    const glb = readFileSync(join(AssetsDir, "analytic-head.glb"));
    const badHash = new Uint8Array(glb);
    badHash[badHash.length - 64] ^= 0x5a;
    writeFileSync(join(AssetsDir, "bad-hash.glb"), badHash);
    writeFileSync(join(AssetsDir, "truncated.glb"), glb.subarray(0, glb.length / 2));
    copyFileSync(join(AssetsDir, "pack", "pack.json"), join(AssetsDir, "pack", "pack.json.bak"));
    const before = await gpuCounts();
    for (const [file, pattern] of [["bad-hash.glb", /sha256\.triplane/], ["truncated.glb", /./]] as const) {
        const result = await page.evaluate(async (url) => {
            const nodes = window.nofaSample.scene.transformNodes.length + window.nofaSample.scene.meshes.length;
            try {
                await window.nofaSample.AvatarVolume.LoadAsync(url, window.nofaSample.scene);
                return { name: "none", message: "loaded", nodesLeft: 0 };
            } catch (e) {
                const err = e as Error & { field?: string };
                const after = window.nofaSample.scene.transformNodes.length + window.nofaSample.scene.meshes.length;
                return { name: err.name, message: `${err.field ?? ""} ${err.message}`, nodesLeft: after - nodes };
            }
        }, `../${AssetsDir}/${file}`);
        expect(result.message).toMatch(pattern);
        expect(result.name).not.toBe("none");
        if (file === "bad-hash.glb") {
            expect(result.name).toBe("AvatarFormatError");
        }
        expect(result.nodesLeft).toBe(0);
    }
    expect(await gpuCounts()).toEqual(before);
    errors.splice(0, errors.length, ...errors.filter((e) => !/bad-hash|truncated|AvatarFormatError|Unable to load/.test(e)));
});

test("200 avatars created and disposed leave texture and buffer counts where they started", async () => {
    await show(false, false);
    const before = await gpuCounts();
    const result = await page.evaluate(async () => {
        const { scene, avatar, AvatarVolume } = window.nofaSample;
        const pack = avatar!.pack!;
        const asset = avatar!.asset!;
        let peak = 0;
        for (let i = 0; i < 200; i++) {
            const a = await AvatarVolume.CreateAsync(`leak${i}`, scene, pack, asset);
            a.setExpression({ jawOpen: (i % 10) / 10 });
            if (i % 50 === 0) {
                await new Promise<void>((resolve) => scene.onAfterRenderObservable.addOnce(() => resolve()));
                peak = Math.max(peak, (window as unknown as { __gpuCounts: { buffers: number } }).__gpuCounts.buffers);
            }
            a.dispose();
        }
        return peak;
    });
    const after = await gpuCounts();
    expect(result).toBeGreaterThan(before.buffers);
    expect(after).toEqual(before);
    await show(true, false);
});

test("the console shows no WebGPU validation error", () => {
    expect(errors).toEqual([]);
});
