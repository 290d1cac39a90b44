/**
 * The photo avatar's fallback mesh where avatar volumes cannot run (a NullEngine stands in for
 * WebGL2): `AvatarVolume.LoadAsync` says why and what to do, and the glTF loader gives the textured
 * mesh with the 53 ARKit morph targets, which a `MorphTargetExpressionTarget` (what `LipSync` uses
 * for meshes) drives.
 */
import { NullEngine } from "@babylonjs/core/Engines/nullEngine.js";
import { ImportMeshAsync } from "@babylonjs/core/Loading/sceneLoader.js";
import { Scene } from "@babylonjs/core/scene.js";
import "../../plugin/index";
import { MorphTargetExpressionTarget } from "../../plugin/audio/expressionTarget";
import { AvatarUnsupportedError } from "../../plugin/errors";
import { WriteAvatarGlb } from "../../plugin/loader/avatarGlb";
import { BuildFallbackMeshAsync } from "../../plugin/reconstruction/fallbackMesh";
import { IctHeadMesh } from "../../plugin/reconstruction/ictHeadMesh";
import { AvatarVolume } from "../../plugin/volume/avatarVolume";
import { DerivedHeadMeshPath, ReadArrayBuffer } from "../reconstruction/reconstructionFixtures";

test("without WebGPU, a photo avatar loads as its fallback mesh, and its ARKit morph targets follow the expression", async () => {
    const mesh = IctHeadMesh.FromBinary(ReadArrayBuffer(DerivedHeadMeshPath));
    const texture = (w: number, h: number, uSpan: number) => ({ width: w, height: h, uSpan, rgb: new Float32Array(w * h * 3).fill(0.6), weight: new Float32Array(w * h) });
    const parts = await BuildFallbackMeshAsync(mesh, new Float32Array(20), { skin: texture(16, 8, 2), eyes: texture(8, 8, 1) });
    const asset = { packId: "ict-base", packVersion: "1.0.0", alpha: new Float32Array(20), triplane: new Uint16Array(3 * 4 * 2 * 2), channels: 4, resolution: 2 };
    const glb = await WriteAvatarGlb(asset, "avatar", parts);

    const engine = new NullEngine();
    const scene = new Scene(engine);
    await expect(AvatarVolume.LoadAsync("avatar.glb", scene)).rejects.toThrow(AvatarUnsupportedError);
    const result = await ImportMeshAsync(glb, scene, { pluginExtension: ".glb" });
    const skin = result.meshes.find((m) => m.name === "avatar-skin")!;
    const eyes = result.meshes.find((m) => m.name === "avatar-eyes")!;
    expect(skin.getTotalVertices()).toBeGreaterThan(10000);
    expect(eyes.getTotalVertices()).toBeGreaterThan(1000);
    expect(skin.morphTargetManager?.numTargets).toBe(53);
    expect(result.transformNodes.some((n) => n instanceof AvatarVolume)).toBe(false);
    new MorphTargetExpressionTarget(result.meshes[0]).setExpression({ jawOpen: 0.7, eyeBlink_L: 0.4 });
    expect(skin.morphTargetManager!.getTargetByName("jawOpen")!.influence).toBeCloseTo(0.7);
    expect(skin.morphTargetManager!.getTargetByName("eyeBlink_L")!.influence).toBeCloseTo(0.4);
    scene.dispose();
    engine.dispose();
});
