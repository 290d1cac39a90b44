// Bundles entry.ts for browserPhoto.test.ts into test-output/reconstruction/bundle.js.
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = path.dirname(fileURLToPath(import.meta.url));

export default {
    mode: "production",
    devtool: false,
    entry: path.join(dir, "entry.ts"),
    output: { path: path.join(dir, "..", "..", "..", "test-output", "reconstruction"), filename: "bundle.js" },
    resolve: { extensions: [".ts", ".js"], extensionAlias: { ".js": [".ts", ".js"] } },
    module: { rules: [{ test: /\.ts$/, loader: "ts-loader", options: { transpileOnly: true } }] },
    optimization: { minimize: false },
    performance: { hints: false },
};
