import { GLTFLoader } from "@babylonjs/loaders/glTF/2.0/glTFLoader.pure.js";
import { type IGLTFLoaderExtension } from "@babylonjs/loaders/glTF/2.0/glTFLoaderExtension.js";
import { type INode } from "@babylonjs/loaders/glTF/2.0/glTFLoaderInterfaces.js";
import { registerGLTFExtension, unregisterGLTFExtension } from "@babylonjs/loaders/glTF/2.0/glTFLoaderExtensionRegistry.js";
import { type TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import { type Nullable } from "@babylonjs/core/types.js";
import { Matrix, Quaternion, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { AvatarFormatError } from "../errors";
import { ModelPack } from "../pack/modelPack";
import { AvatarVolume } from "../volume/avatarVolume";
import { AvatarVolumeExtensionName, ParseAvatarVolumeExtension } from "./avatarGlb";

/**
 * glTF loader extension for `NOFA_avatar_volume` (docs/formats.md): a node carrying it becomes an
 * {@link AvatarVolume}. The pack it names must be registered (`ModelPack.LoadAsync`) or reachable
 * through the extension's `pack.uri`, relative to the file. On an engine that cannot run avatar
 * volumes (WebGL2) the node loads as plain glTF, so the file's fallback mesh shows instead.
 */
export class NOFA_avatar_volume implements IGLTFLoaderExtension {
    /** The extension's name. */
    public readonly name = AvatarVolumeExtensionName;
    /** Whether the extension is used by the file being loaded. */
    public enabled: boolean;
    private _loader: Nullable<GLTFLoader>;

    /** @internal */
    constructor(loader: GLTFLoader) {
        this._loader = loader;
        this.enabled = loader.isExtensionUsed(AvatarVolumeExtensionName);
    }

    /** @internal */
    public dispose(): void {
        this._loader = null;
    }

    /** @internal */
    public loadNodeAsync(context: string, node: INode, assign: (babylonTransformNode: TransformNode) => void): Nullable<Promise<TransformNode>> {
        // Without WebGPU the node loads as plain glTF: its children, the fallback mesh with the ARKit
        // morph targets (written for photo avatars), are what the scene shows.
        if (!this._loader || !AvatarVolume.IsSupported(this._loader.babylonScene.getEngine())) {
            return null;
        }
        return GLTFLoader.LoadExtensionAsync<unknown, TransformNode>(context, node, this.name, async (extensionContext, extension) => {
            const loader = this._loader!;
            const scene = loader.babylonScene;
            scene._blockEntityCollection = !!loader._assetContainer;
            const avatar = new AvatarVolume(node.name || `avatar${node.index}`, scene);
            avatar._parentContainer = loader._assetContainer;
            scene._blockEntityCollection = false;
            node._babylonTransformNode = avatar;
            GLTFLoader.AddPointerMetadata(avatar, context);
            assign(avatar);
            try {
                _applyNodeTransform(node, avatar);
                avatar._ictFrameUnderGltfRoot = !scene.useRightHandedSystem;
                const asset = await ParseAvatarVolumeExtension(extension, (index) => loader.loadBufferViewAsync(`/bufferViews/${index}`, { ...loader.gltf.bufferViews![index], index } as never), extensionContext);
                let pack = ModelPack.Find(asset.packId, asset.packVersion);
                if (!pack) {
                    if (!asset.packUri) {
                        throw new AvatarFormatError(`${extensionContext}.pack`, `pack ${asset.packId}@${asset.packVersion} is not loaded (call ModelPack.LoadAsync) and the file gives no uri`);
                    }
                    pack = await ModelPack.LoadAsync(new URL(asset.packUri, new URL(loader.rootUrl ?? "", globalThis.location?.href ?? "file:///")).href);
                }
                await avatar._setVolumeAsync(pack, asset);
            } catch (e) {
                avatar.dispose();
                throw e;
            }
            return avatar;
        });
    }
}

/** Applies a glTF node's TRS or matrix to the avatar node. */
function _applyNodeTransform(node: INode, target: TransformNode): void {
    if (node.matrix) {
        const scaling = new Vector3();
        const rotation = new Quaternion();
        const position = new Vector3();
        Matrix.FromArray(node.matrix).decompose(scaling, rotation, position);
        target.position = position;
        target.rotationQuaternion = rotation;
        target.scaling = scaling;
        return;
    }
    if (node.translation) {
        target.position = Vector3.FromArray(node.translation);
    }
    if (node.rotation) {
        target.rotationQuaternion = Quaternion.FromArray(node.rotation);
    }
    if (node.scale) {
        target.scaling = Vector3.FromArray(node.scale);
    }
}

let _registered = false;

/**
 * Registers the `NOFA_avatar_volume` glTF loader extension with `@babylonjs/loaders`.
 * Idempotent. The package's main entry calls it; tree-shaking users of `pure` call it themselves.
 */
export function RegisterAvatarVolumeLoader(): void {
    if (_registered) {
        return;
    }
    _registered = true;
    unregisterGLTFExtension(AvatarVolumeExtensionName);
    registerGLTFExtension(AvatarVolumeExtensionName, true, (loader) => new NOFA_avatar_volume(loader));
}
