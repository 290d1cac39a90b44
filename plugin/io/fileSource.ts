/**
 * Reads a file of a pack or an avatar, given its path relative to the pack's folder.
 * Lets the same loader read over HTTP in the browser and from disk in Node.
 */
export type FileReader = (relativePath: string) => Promise<ArrayBuffer>;

/**
 * A file reader for a base URL (a folder; a trailing slash is added when missing), using `fetch`.
 * @param baseUrl folder URL
 * @returns a reader of files relative to it
 */
export function UrlFileReader(baseUrl: string): FileReader {
    const base = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
    return async (relativePath: string) => {
        const url = base + relativePath;
        const response = await fetch(url);
        if (!response.ok) {
            throw new Error(`cannot read ${url}: HTTP ${response.status}`);
        }
        return response.arrayBuffer();
    };
}
