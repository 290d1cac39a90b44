import { FetchBytesAsync } from "./fetchBytes";

/**
 * Reads a file of a pack or an avatar, given its path relative to the pack's folder.
 * Lets the same loader read over HTTP in the browser and from disk in Node.
 */
export type FileReader = (relativePath: string) => Promise<ArrayBuffer>;

/**
 * A file reader for a base URL (a folder; a trailing slash is added when missing): `fetch` for
 * http(s), the file system for `file:` URLs in Node.
 * @param baseUrl folder URL
 * @returns a reader of files relative to it
 */
export function UrlFileReader(baseUrl: string): FileReader {
    const base = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
    return async (relativePath: string) => FetchBytesAsync(base + relativePath);
}
