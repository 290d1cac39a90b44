/**
 * Reads a URL's bytes: `fetch` for http(s) and blob URLs, the file system for `file:` URLs in Node
 * (whose `fetch` cannot read files), so data files resolved with `new URL(…, import.meta.url)`
 * load the same way from a bundle in the browser and from the package in Node.
 * @param url the URL
 * @returns the bytes
 * @throws Error naming the URL when it cannot be read
 */
export async function FetchBytesAsync(url: string): Promise<ArrayBuffer> {
    if (url.startsWith("file:") && typeof process !== "undefined" && process.versions?.node) {
        const [{ readFile }, { fileURLToPath }] = await Promise.all([import(/* webpackIgnore: true */ "node:fs/promises"), import(/* webpackIgnore: true */ "node:url")]);
        const bytes = await readFile(fileURLToPath(url));
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    }
    const response = await fetch(url);
    if (!response.ok) {
        throw new Error(`cannot read ${url}: HTTP ${response.status}`);
    }
    return response.arrayBuffer();
}
