import { Quaternion, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { type TransformNode } from "@babylonjs/core/Meshes/transformNode.js";

/** Metres per ICT centimetre. */
export const MetresPerCentimetre = 0.01;

/**
 * The one place where ICT space (cm, right-handed, +y up, +z out of the face) meets Babylon.
 * The avatar's frame in the world is metres, +y up, facing −z in a left-handed scene (facing +z
 * in a right-handed one, where ICT's axes fit as they are). Applied to the internal node whose
 * children live in ICT space (the proxy box):
 * - left-handed scene: scale 0.01 with z negated;
 * - under a glTF loader's root (which itself mirrors right-handed glTF into the left-handed
 *   scene): scale 0.01 and a half turn about +y, so that root and frame together equal the above;
 * - right-handed scene: scale 0.01.
 * @param node the node to set up
 * @param underGltfRoot whether the avatar sits under the glTF loader's handedness-converting root
 */
export function ApplyIctFrame(node: TransformNode, underGltfRoot: boolean): void {
    const s = MetresPerCentimetre;
    if (node.getScene().useRightHandedSystem) {
        node.scaling.set(s, s, s);
    } else if (underGltfRoot) {
        node.scaling.set(s, s, s);
        node.rotationQuaternion = Quaternion.RotationAxis(Vector3.Up(), Math.PI);
    } else {
        node.scaling.set(s, s, -s);
    }
}
