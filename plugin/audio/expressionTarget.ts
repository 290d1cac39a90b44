import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh.js";
import type { MorphTarget } from "@babylonjs/core/Morph/morphTarget.js";
import { ArkitNames, ExpressionCount } from "../expression/arkitNames.js";
import { ResolveExpressionWeights, type ExpressionWeights } from "../expression/expressionWeights.js";
import type { IExpressionTarget } from "../volume/avatarVolume.js";
import { LipSyncError } from "./lipSyncError.js";

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
    private readonly _weights = new Float32Array(ExpressionCount);

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
     * @param weights 53 weights in β order, or a record by ARKit name (others 0)
     * @throws AvatarExpressionError for a wrong length, an unknown name or a non-finite value
     */
    public setExpression(weights: ExpressionWeights): void {
        ResolveExpressionWeights(weights, this._weights);
        for (let i = 0; i < this._targets.length; i++) {
            const src = this._sources[i];
            let sum = 0;
            for (let k = 0; k < src.length; k++) {
                sum += this._weights[src[k]];
            }
            this._targets[i].influence = sum / src.length;
        }
    }
}
