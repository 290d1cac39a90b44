/** Node helpers to read packs and avatars from disk through the runtime's own loaders. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type FileReader } from "../../plugin/io/fileSource";

/** A pack file reader for a folder on disk. */
export function DiskReader(dir: string): FileReader {
    return async (relativePath: string) => {
        const b = await readFile(join(dir, relativePath));
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    };
}
