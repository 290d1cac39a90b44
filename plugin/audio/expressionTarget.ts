import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh.js";
import type { MorphTarget } from "@babylonjs/core/Morph/morphTarget.js";
import { ArkitNames, ExpressionCount } from "../expression/arkitNames.js";
import { LipSyncError } from "./lipSyncError.js";

/** Anything that takes 53 expression weights in β order (an `AvatarVolume` does). */
export interface IExpressionTarget {
    /** Applies 53 weights in [0, 1], in β order (see `ArkitNames`). */
    setExpression(weights: Float32Array): void;
}

const _Normalize = (name: string): string =>
    name
        .replace(/^.*[.:|]/, "") // "Face.blendShape.jawOpen" style prefixes
        .toLowerCase()
        .replace(/_/g, "")
        .replace(/left$/, "l")
        .replace(/right$/, "r");

/**
 * Drives the ARKit-named morph targets of a mesh and its descendants (a glTF avatar: names as
 * ARKit writes them, `eyeBlinkLeft`, or as ICT does, `eyeBlink_L`; ARKit's unsplit `browInnerUp`
 * and `cheekPuff` take the mean of ICT's two sides). Morph targets with other names are untouched.
 */
export class MorphTargetExpressionTarget implements IExpressionTarget {
    private readonly _targets: MorphTarget[] = [];
    private readonly _sources: Int32Array[] = [];

    /**
     * @param mesh the mesh (or the root of a loaded glTF) whose morph targets to drive
     * @throws {@link LipSyncError} `INVALID_ARGUMENT` when no morph target has an ARKit name
     */
    constructor(mesh: AbstractMesh) {
        const byName = new Map<string, number[]>();
        ArkitNames.forEach((n, i) => {
            const key = _Normalize(n);
            byName.set(key, [i]);
            if (/[lr]$/.test(key) && (n.startsWith("browInnerUp") || n.startsWith("cheekPuff"))) {
                const whole = key.slice(0, -1);
                byName.set(whole, [...(byName.get(whole) ?? []), i]);
            }
        });
        const meshes = [mesh, ...mesh.getChildMeshes(false)];
        for (const m of meshes) {
            const manager = m.morphTargetManager;
            if (!manager) {
                continue;
            }
            for (let t = 0; t < manager.numTargets; t++) {
                const target = manager.getTarget(t);
                const sources = byName.get(_Normalize(target.name));
                if (sources) {
                    this._targets.push(target);
                    this._sources.push(Int32Array.from(sources));
                }
            }
        }
        if (this._targets.length === 0) {
            throw new LipSyncError("INVALID_ARGUMENT", `mesh "${mesh.name}" has no morph target with an ARKit name`);
        }
    }

    /** Number of morph targets driven. */
    public get targetCount(): number {
        return this._targets.length;
    }

    /** @returns "MorphTargetExpressionTarget" */
    public getClassName(): string {
        return "MorphTargetExpressionTarget";
    }

    /**
     * Sets the morph target influences.
     * @param weights 53 weights in β order
     */
    public setExpression(weights: Float32Array): void {
        if (weights.length !== ExpressionCount) {
            throw new LipSyncError("INVALID_ARGUMENT", `expected ${ExpressionCount} weights, got ${weights.length}`);
        }
        for (let i = 0; i < this._targets.length; i++) {
            const src = this._sources[i];
            let sum = 0;
            for (let k = 0; k < src.length; k++) {
                sum += weights[src[k]];
            }
            this._targets[i].influence = sum / src.length;
        }
    }
}
