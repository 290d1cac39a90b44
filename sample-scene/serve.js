// Static server for the sample scene: serves the repository folder on 127.0.0.1 (loopback only).
// `node sample-scene/serve.js [port]` (default 8080; 0 picks a free port) prints the URL.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = normalize(join(fileURLToPath(import.meta.url), "..", ".."));
const types = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".glb": "model/gltf-binary",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".onnx": "application/octet-stream",
};

/**
 * Starts the server.
 * @param {number} port port to listen on (0: any free port)
 * @param {Array<[string, string]>} mounts URL prefixes (ending in "/") served from other folders,
 *   tried in order before the repository itself (tests use them for fixtures and builds)
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export function StartServer(port = 8080, mounts = []) {
    const all = [...mounts.map(([prefix, dir]) => [prefix, normalize(dir)]), ["/", root]];
    const server = createServer(async (req, res) => {
        const url = new URL(req.url ?? "/", "http://localhost");
        const pathname = decodeURIComponent(url.pathname);
        const [prefix, base] = all.find(([p]) => pathname.startsWith(p));
        let path = normalize(join(base, pathname.slice(prefix.length)));
        if (!path.startsWith(base + sep) && path !== base) {
            res.writeHead(403).end();
            return;
        }
        try {
            if ((await stat(path)).isDirectory()) {
                path = join(path, "index.html");
            }
            const body = await readFile(path);
            res.writeHead(200, { "Content-Type": types[extname(path)] ?? "application/octet-stream", "Cache-Control": "no-store" });
            res.end(body);
        } catch {
            res.writeHead(404).end("not found");
        }
    });
    return new Promise((resolve) => {
        server.listen(port, "127.0.0.1", () => {
            const address = server.address();
            resolve({ url: `http://127.0.0.1:${address.port}/`, close: () => new Promise((done) => server.close(() => done())) });
        });
    });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    const port = process.argv[2] !== undefined ? Number(process.argv[2]) : Number(process.env.PORT ?? 8080);
    const { url } = await StartServer(port);
    console.log(`Sample scene: ${url}sample-scene/  (Ctrl+C to stop)`);
}
