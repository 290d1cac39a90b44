/**
 * nofa-babylon: photoreal, animatable volumetric heads (NOFA++) for Babylon.js 9 on WebGPU.
 * Importing this entry registers Babylon's glTF loader and the `NOFA_avatar_volume` extension; import
 * `nofa-babylon/pure` to register nothing.
 */
import { RegisterGLTFFileLoader } from "@babylonjs/loaders/glTF/glTFFileLoader.pure.js";
import { RegisterGLTF2Loader } from "@babylonjs/loaders/glTF/2.0/glTFLoader.pure.js";
import { RegisterAvatarVolumeLoader } from "./pure";

export * from "./pure";

RegisterGLTFFileLoader();
RegisterGLTF2Loader();
RegisterAvatarVolumeLoader();
