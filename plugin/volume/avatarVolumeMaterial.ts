import { ShaderMaterial } from "@babylonjs/core/Materials/shaderMaterial.js";
import { ShaderLanguage } from "@babylonjs/core/Materials/shaderLanguage.js";
import { Constants } from "@babylonjs/core/Engines/constants.js";
import { Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { type Scene } from "@babylonjs/core/scene.js";
import vertexSource from "../../shaders/avatarVolume.vertex.wgsl";
import fragmentTemplate from "../../shaders/avatarVolume.fragment.wgsl";
import { type ModelPack } from "../pack/modelPack";
import { DeformedBox } from "../pack/packManifest";
import { type NetworkLayout } from "./networkLayout";
import { RaymarchFunctions } from "./shaderSources";

/**
 * The WGSL raymarching material of an avatar volume: drawn on the back faces of the proxy box,
 * it marches the deformed tri-plane volume and writes premultiplied colour and depth.
 * Created and owned by {@link AvatarVolume}.
 */
export class AvatarVolumeMaterial extends ShaderMaterial {
    private readonly _invWorld = new Matrix();

    /**
     * @param name material name
     * @param scene the scene
     * @param pack the model pack whose networks the shader bakes in
     * @param layout the pack's GPU layout
     */
    constructor(name: string, scene: Scene, pack: ModelPack, layout: NetworkLayout) {
        const fragmentSource = fragmentTemplate.replace("//NOFA_FUNCTIONS", RaymarchFunctions(pack, layout));
        super(
            name,
            scene,
            { vertexSource, fragmentSource },
            {
                attributes: ["position"],
                uniformBuffers: ["Scene", "Mesh"],
                uniforms: ["invWorld", "canonicalMin", "canonicalMax", "deformedMin", "deformedMax", "occupancyDims", "stepSize", "maxSteps", "perSampleDeformation", "skipEmpty", "showSampleCount", "photoProjection", "surfaceSubsteps", "cavityShading"],
                samplers: ["nofaTriplane", "nofaColourPlanes", "nofaPhotoColour", "nofaPhotoDepth", "nofaDisplacement", "nofaDisplacementJump", "nofaStretchKept"],
                storageBuffers: ["nofaWeights", "nofaDynamic", "nofaOccupancy"],
                shaderLanguage: ShaderLanguage.WGSL,
                needAlphaBlending: true,
            }
        );
        this.alphaMode = Constants.ALPHA_PREMULTIPLIED;
        this.backFaceCulling = true;
        this.cullBackFaces = false;
        this.forceDepthWrite = true;
        const box = pack.manifest.canonicalBox;
        const deformed = DeformedBox(pack.manifest);
        this.setVector3("canonicalMin", Vector3.FromArray(box.min));
        this.setVector3("canonicalMax", Vector3.FromArray(box.max));
        this.setVector3("deformedMin", Vector3.FromArray(deformed.min));
        this.setVector3("deformedMax", Vector3.FromArray(deformed.max));
        this.setMatrix("invWorld", this._invWorld);
        this.setPhotoProjection(new Float32Array(16));
    }

    /**
     * Sets the photo layer's projection (shaders/photoLayer.wgsl).
     * @param columnMajor the 16 floats of the 4 × 4 matrix whose rows 0..2 are the layer's 3 × 4
     * projection, column-major as WGSL reads a mat4x4 (`PhotoProjectionColumnMajor`); zeros: no layer
     */
    public setPhotoProjection(columnMajor: Float32Array): void {
        // setMatrix uploads `m` as it is, and WGSL reads it column by column.
        this.setMatrix("photoProjection", Matrix.FromArray(columnMajor));
    }

    /**
     * Sets the inverse of the proxy's world matrix (the camera is moved into the canonical frame).
     * @param world the proxy box's world matrix
     */
    public updateWorld(world: Matrix): void {
        world.invertToRef(this._invWorld);
        this.setMatrix("invWorld", this._invWorld);
    }

    /**
     * Sets the marching parameters.
     * @param stepSize distance between samples, cm
     * @param maxSteps most samples per ray
     * @param perSampleDeformation evaluate the deformation networks per sample instead of reading the baked texture
     * @param skipEmpty skip cells the occupancy grid marks empty
     * @param showSampleCount output samples per ray instead of colour (benchmark view)
     * @param surfaceSubsteps samples per step in the window around the first surface a ray meets (1: none)
     */
    public setMarching(stepSize: number, maxSteps: number, perSampleDeformation: boolean, skipEmpty: boolean, showSampleCount: boolean, surfaceSubsteps: number): void {
        this.setFloat("stepSize", stepSize);
        this.setFloat("maxSteps", maxSteps);
        this.setFloat("perSampleDeformation", perSampleDeformation ? 1 : 0);
        this.setFloat("skipEmpty", skipEmpty ? 1 : 0);
        this.setFloat("showSampleCount", showSampleCount ? 1 : 0);
        this.setFloat("surfaceSubsteps", surfaceSubsteps);
    }

    /**
     * Sets how far the inside of an opened mouth is darkened (shaders/raymarch.wgsl, "mouth cavity shading").
     * @param shading 0 (not at all) to 1 (fully)
     */
    public setCavityShading(shading: number): void {
        this.setFloat("cavityShading", shading);
    }

    /** @returns "AvatarVolumeMaterial" */
    public override getClassName(): string {
        return "AvatarVolumeMaterial";
    }
}
