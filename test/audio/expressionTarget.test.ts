import { NullEngine } from "@babylonjs/core/Engines/nullEngine.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { MorphTarget } from "@babylonjs/core/Morph/morphTarget.js";
import { MorphTargetManager } from "@babylonjs/core/Morph/morphTargetManager.js";
import { Scene } from "@babylonjs/core/scene.js";
import { ExpressionCount, GetExpressionIndex } from "../../plugin/expression/arkitNames.js";
import { MorphTargetExpressionTarget } from "../../plugin/audio/expressionTarget.js";
import { LipSyncError } from "../../plugin/audio/lipSyncError.js";

describe("MorphTargetExpressionTarget (glTF-style ARKit morph targets)", () => {
    test("drives ARKit- and ICT-named targets on a mesh and its children", () => {
        const engine = new NullEngine();
        const scene = new Scene(engine);
        const root = new Mesh("__root__", scene);
        const head = new Mesh("head", scene);
        head.parent = root;
        const manager = new MorphTargetManager(scene);
        const names = ["jawOpen", "mouthSmileLeft", "eyeBlink_R", "browInnerUp", "tongueOut", "Face.blendShape.mouthPucker"];
        const targets = names.map((n) => new MorphTarget(n, 0, scene));
        targets.forEach((t) => manager.addTarget(t));
        head.morphTargetManager = manager;
        const driver = new MorphTargetExpressionTarget(root);
        expect(driver.targetCount).toBe(5);
        const w = new Float32Array(ExpressionCount);
        w[GetExpressionIndex("jawOpen")] = 0.7;
        w[GetExpressionIndex("mouthSmile_L")] = 0.3;
        w[GetExpressionIndex("eyeBlink_R")] = 1;
        w[GetExpressionIndex("browInnerUp_L")] = 0.2;
        w[GetExpressionIndex("browInnerUp_R")] = 0.4;
        w[GetExpressionIndex("mouthPucker")] = 0.5;
        driver.setExpression(w);
        expect(targets.map((t) => Math.round(t.influence * 100) / 100)).toEqual([0.7, 0.3, 1, 0.3, 0, 0.5]);
        scene.dispose();
        engine.dispose();
    });

    test("a mesh without ARKit morph targets is a typed error", () => {
        const engine = new NullEngine();
        const scene = new Scene(engine);
        expect(() => new MorphTargetExpressionTarget(new Mesh("plain", scene))).toThrow(LipSyncError);
        engine.dispose();
    });
});
