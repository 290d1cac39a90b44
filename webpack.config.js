// Builds (a) the library as side-effect-free ES modules (dist/lib, types from tsc),
// (b) a UMD bundle for the Babylon Playground with the global BABYLON as external (dist/umd),
// (c) the sample scene (dist/sample), (d) the `nofa-babylon` command for Node (dist/cli).
// `webpack --env only=sample` builds one of them.
import path from "node:path";
import webpack from "webpack";
import { fileURLToPath } from "node:url";

const dir = path.dirname(fileURLToPath(import.meta.url));

const rules = [
    { test: /\.ts$/, loader: "ts-loader", options: { transpileOnly: true } },
    { test: /\.wgsl$/, type: "asset/source" },
];
const common = {
    mode: "production",
    devtool: false,
    resolve: { extensions: [".ts", ".js"], extensionAlias: { ".js": [".ts", ".js"] } },
    module: { rules },
    performance: { hints: false },
    optimization: { minimize: false },
    // face-api's prebuilt ES bundle probes for `require` at run time; webpack flags it, harmlessly.
    ignoreWarnings: [{ module: /@vladmandic[\\/]face-api/, message: /Critical dependency/ }],
};

const library = {
    ...common,
    name: "lib",
    entry: { pure: "./plugin/pure.ts", index: "./plugin/index.ts" },
    experiments: { outputModule: true },
    output: { path: path.join(dir, "dist/lib"), filename: "[name].js", library: { type: "module" }, module: true, clean: { keep: /\.d\.ts$/ } },
    externalsType: "module",
    externals: [
        ({ request, context }, callback) => {
            if (/^(@babylonjs\/|@vladmandic\/face-api|@tensorflow\/)/.test(request) || ["onnxruntime-web", "meyda", "jpeg-js"].includes(request)) {
                return callback(null, request);
            }
            // index.js re-exports pure.js instead of bundling a second copy.
            if (request === "./pure" && context === path.join(dir, "plugin")) {
                return callback(null, "./pure.js");
            }
            callback();
        },
    ],
};

/** The WebGPU engine-extension registrations that babylon.js runs itself and does not export. */
const webGpuExtensionRegistrations = /^@babylonjs\/core\/Engines\/WebGPU\/Extensions\/engine\.(computeShader|rawTexture)\.pure\.js$/;

const umd = {
    ...common,
    name: "umd",
    entry: "./plugin/index.ts",
    output: { path: path.join(dir, "dist/umd"), filename: "nofa-babylon.js", library: { name: "NOFA", type: "umd" }, globalObject: "this", clean: true },
    // Babylon's UMD builds: the core and the glTF file loader on the global BABYLON, the glTF 2.0
    // loader and its extension registry on BABYLON.GLTF2 (as the Playground has them; tested by
    // test/browser/playgroundUmd.test.ts).
    externals: [
        ({ request }, callback) => {
            if (webGpuExtensionRegistrations.test(request)) {
                return callback(); // bundled, replaced below
            }
            if (/^@babylonjs\/core\//.test(request)) {
                return callback(null, { root: "BABYLON", commonjs: "@babylonjs/core", commonjs2: "@babylonjs/core", amd: "@babylonjs/core" });
            }
            if (/^@babylonjs\/loaders\/glTF\/2\.0\//.test(request)) {
                return callback(null, { root: ["BABYLON", "GLTF2"], commonjs: "@babylonjs/loaders", commonjs2: "@babylonjs/loaders", amd: "@babylonjs/loaders" });
            }
            if (/^@babylonjs\/loaders\//.test(request)) {
                return callback(null, { root: "BABYLON", commonjs: "@babylonjs/loaders", commonjs2: "@babylonjs/loaders", amd: "@babylonjs/loaders" });
            }
            callback();
        },
    ],
    // babylon.js installs the WebGPU engine's extensions itself and does not export their registrations.
    plugins: [
        new webpack.NormalModuleReplacementPlugin(webGpuExtensionRegistrations, path.join(dir, "plugin/umd/engineExtensionsInstalled.ts")),
    ],
};

const sample = {
    ...common,
    name: "sample",
    mode: "development",
    entry: "./sample-scene/main.ts",
    output: { path: path.join(dir, "dist/sample"), filename: "main.js", clean: true },
};

const cli = {
    ...common,
    name: "cli",
    target: "node20",
    entry: "./plugin/cli/nofaCliMain.ts",
    // import.meta.url must stay the installed file's own (where the pack and face-api are found from).
    module: { rules, parser: { javascript: { importMeta: false, createRequire: false } } },
    experiments: { outputModule: true },
    output: { path: path.join(dir, "dist/cli"), filename: "nofa-babylon.mjs", module: true, chunkFormat: "module", library: { type: "module" }, clean: true },
    // Every package (and node: built-in) stays an import, resolved from the installed dependencies;
    // "import" keeps the library's lazy `import()`s lazy (face-api's browser build must never load in Node).
    externalsType: "import",
    externals: [({ request }, callback) => (/^[@a-z]/.test(request) ? callback(null, request) : callback())],
    plugins: [new webpack.BannerPlugin({ banner: "#!/usr/bin/env node", raw: true, entryOnly: true })],
};

export default (env = {}) => {
    const all = { lib: library, umd, sample, cli };
    return env.only ? [all[env.only]] : Object.values(all);
};
