/**
 * SHA-256 of bytes as lowercase hex, with the platform's WebCrypto (browsers on secure
 * origins, localhost included, and Node 20).
 * @param bytes the data
 * @returns 64 hex digits
 */
export async function Sha256Hex(bytes: ArrayBufferView): Promise<string> {
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const digest = await globalThis.crypto.subtle.digest("SHA-256", view.slice());
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
