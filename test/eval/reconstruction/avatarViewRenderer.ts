/**
 * Renders avatar `.glb` files in headless Chromium (WebGPU on SwiftShader) through the sample
 * scene's hooks (`window.nofaSample`): the scene's meshes hidden, a neutral grey background
 * (0.5, 0.5, 0.5), the camera at the origin looking along +z, its projection set per view to a crop
 * of the photo (see fittedCamera.ts), and the avatar's ICT frame placed by a world matrix.
 */
import { type Matrix } from "@babylonjs/core/Maths/math.vector.js";
import { type TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import { PNG } from "pngjs";
import { type IBrowserSession, type ISamplePage, OpenSample, StartBrowser } from "../../support/browser";
import { type ICropProjection } from "./fittedCamera";

/** One picture to take of the loaded avatar. */
export interface IAvatarView {
    /** ICT cm → world, Babylon layout (`IctToWorldMatrix`). */
    world: number[];
    /** The crop's projection. */
    projection: ICropProjection;
    /** 53 expression weights. */
    expression: ArrayLike<number>;
}

/** A rendered view. */
export interface IRenderedView {
    /** RGBA, `size × size`, rows top-down. */
    rgba: Uint8Array;
    /** Render time (frames submitted to GPU work done), ms. */
    renderMs: number;
    /** Frames rendered (more than one when the deformation's bake was not ready in the first). */
    frames: number;
    /** Largest difference between the proxy's world matrix and the requested one (checks the placement). */
    placementError: number;
}

/** The URL prefix the avatars' folder is served under. */
const _AvatarPrefix = "/eval-avatars/";

/** A headless Chromium page that renders avatars at given poses. */
export class AvatarViewRenderer {
    private readonly _session: IBrowserSession;
    private readonly _sample: ISamplePage;
    private readonly _size: number;
    private readonly _stepCm: number;
    private _loaded: string;

    private constructor(session: IBrowserSession, sample: ISamplePage, size: number, stepCm: number, loaded: string) {
        this._session = session;
        this._sample = sample;
        this._size = size;
        this._stepCm = stepCm;
        this._loaded = loaded;
    }

    /**
     * Starts Chromium, serves `avatarDir` and the repository, and opens the sample scene on the first avatar.
     * Needs the sample built (`dist/sample`, `npx webpack --env only=sample`).
     * @param avatarDir folder holding the `.glb` files (their pack URIs resolve from there)
     * @param first file name of the first avatar
     * @param size render size, px (square)
     * @param stepCm raymarching step, ICT cm
     * @returns the renderer
     */
    public static async StartAsync(avatarDir: string, first: string, size: number, stepCm: number): Promise<AvatarViewRenderer> {
        const session = await StartBrowser([[_AvatarPrefix, avatarDir]]);
        try {
            const sample = await OpenSample(session, `size=${size}&ui=0&avatar=${encodeURIComponent(_AvatarPrefix + first)}`);
            const side = Math.max(320, size);
            await sample.page.setViewportSize({ width: side, height: side });
            const viewError = await sample.page.evaluate(() => {
                const s = window.nofaSample;
                s.engine.stopRenderLoop();
                s.engine.resize();
                s.sphere.setEnabled(false);
                s.scene.getMeshByName("ground")?.setEnabled(false);
                s.scene.clearColor.set(0.5, 0.5, 0.5, 1);
                const cam = s.camera;
                cam.detachControl();
                cam.target.set(0, 0, 1);
                cam.alpha = -Math.PI / 2;
                cam.beta = Math.PI / 2;
                cam.radius = 1;
                cam.minZ = 0.01;
                cam.maxZ = 20;
                const view = cam.getViewMatrix(true).toArray();
                return Math.max(...view.map((v, i) => Math.abs(v - (i % 5 === 0 ? 1 : 0))));
            });
            if (!(viewError < 1e-6)) {
                throw new Error(`the sample camera's view matrix is not the identity (off by ${viewError})`);
            }
            return new AvatarViewRenderer(session, sample, size, stepCm, first);
        } catch (e) {
            await session.close();
            throw e;
        }
    }

    /** Console errors the page logged so far (WebGPU validation and the like). */
    public get consoleErrors(): string[] {
        return this._sample.errors;
    }

    /**
     * Renders views of one avatar.
     * @param file the avatar's file name in the served folder
     * @param views the views
     * @returns one picture per view
     */
    public async renderAsync(file: string, views: IAvatarView[]): Promise<IRenderedView[]> {
        const page = this._sample.page;
        if (file !== this._loaded) {
            await page.evaluate(async (url) => {
                const s = window.nofaSample;
                let top: TransformNode | null = s.avatar;
                while (top?.parent) {
                    top = top.parent as TransformNode;
                }
                top?.dispose();
                s.avatar = null;
                s.avatar = await s.AvatarVolume.LoadAsync(url, s.scene);
            }, _AvatarPrefix + file);
            this._loaded = file;
        }
        const out: IRenderedView[] = [];
        for (const view of views) {
            const figures = await page.evaluate(
                async ([world, p, expression, step]) => {
                    const s = window.nofaSample;
                    const avatar = s.avatar!;
                    avatar.stepSize = step;
                    const proxy = avatar.proxyMesh!;
                    const frame = proxy.parent as TransformNode;
                    avatar.unfreezeWorldMatrix();
                    const avatarWorld = avatar.computeWorldMatrix(true).clone();
                    const MatrixClass = avatarWorld.constructor as typeof Matrix;
                    // frameWorld = F · avatarWorld (row vectors), and the proxy sits at the frame's origin.
                    const frameLocal = frame.computeWorldMatrix(true).multiply(avatarWorld.clone().invert());
                    const wanted = MatrixClass.FromArray(world);
                    avatar.freezeWorldMatrix(frameLocal.clone().invert().multiply(wanted));
                    frame.computeWorldMatrix(true);
                    const got = proxy.computeWorldMatrix(true).toArray();
                    const placementError = Math.max(...got.map((v, i) => Math.abs(v - world[i])));
                    const cam = s.camera;
                    cam.unfreezeProjectionMatrix();
                    const m = cam.getProjectionMatrix(true).toArray();
                    m[0] = p.m0;
                    m[1] = 0;
                    m[4] = 0;
                    m[5] = p.m5;
                    m[8] = p.m8;
                    m[9] = p.m9;
                    cam.freezeProjectionMatrix(MatrixClass.FromArray(m));
                    // Only a changed expression re-bakes the deformation (a compute pass that costs seconds on SwiftShader).
                    if (expression.some((v, i) => Math.abs(v - avatar.expression[i]) > 1e-6)) {
                        avatar.setExpression(Float32Array.from(expression));
                    }
                    const device = (s.engine as unknown as { _device: GPUDevice })._device;
                    // The deformation is re-baked before a frame only once its compute passes are ready: render
                    // again (at most twice more) while the avatar still holds a stale bake (an internal flag).
                    const internal = avatar as unknown as { _deformationDirty: boolean };
                    const t0 = performance.now();
                    let frames = 0;
                    do {
                        s.engine.beginFrame();
                        s.scene.render();
                        s.engine.endFrame();
                        await device.queue.onSubmittedWorkDone();
                        frames++;
                    } while (internal._deformationDirty && frames < 3);
                    return { renderMs: performance.now() - t0, placementError, frames, stale: internal._deformationDirty };
                },
                [view.world, view.projection, Array.from(view.expression), this._stepCm] as const
            );
            const shot = PNG.sync.read(await page.screenshot({ clip: { x: 0, y: 0, width: this._size, height: this._size }, timeout: 600_000 }));
            if (figures.stale) {
                throw new Error(`${file}: the deformation was still not baked after ${figures.frames} frames`);
            }
            out.push({ rgba: new Uint8Array(shot.data), renderMs: figures.renderMs, placementError: figures.placementError, frames: figures.frames });
        }
        return out;
    }

    /** Closes the browser and the server. */
    public async closeAsync(): Promise<void> {
        await this._session.close();
    }
}
