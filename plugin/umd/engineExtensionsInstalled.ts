/**
 * What the UMD bundle (dist/umd/nofa-babylon.js) uses in place of Babylon's WebGPU engine-extension
 * registrations. Babylon's own UMD build (babylon.js, as the Playground loads it) installs every
 * engine extension when it loads and does not export these functions, so nothing is left to do.
 * The ES-module build imports the real ones from `@babylonjs/core`.
 */

/** Nothing to do: babylon.js gave `WebGPUEngine` its compute shaders when it loaded. */
export function RegisterEnginesWebGPUExtensionsEngineComputeShader(): void {}

/** Nothing to do: babylon.js gave `WebGPUEngine` its raw textures when it loaded. */
export function RegisterEnginesWebGPUExtensionsEngineRawTexture(): void {}
