/** Paths and helpers shared by the reconstruction tests (Node only). */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const _root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");

/** The ICT-FaceKit folder: `ICT_FACEKIT_DIR`, else `../shared/ict-facekit` beside the repository. */
export const DefaultIctFolder = process.env.ICT_FACEKIT_DIR ?? join(_root, "..", "shared", "ict-facekit");

/** Whether the full ICT-FaceKit data is present (it is never committed). */
export const HasIctFolder = existsSync(join(DefaultIctFolder, "identity_modes.f16"));

/** The committed derived landmark basis. */
export const DerivedBasisPath = join(_root, "plugin", "reconstruction", "data", "ict-landmarks68.bin");

/** The face detector's weights, as the npm package ships them. */
export const FaceApiModelFolder = join(_root, "node_modules", "@vladmandic", "face-api", "model");

/** A demo photo shipped in `@vladmandic/face-api` (MIT package): one person, frontal. */
export const SamplePhotoPath = join(_root, "node_modules", "@vladmandic", "face-api", "demo", "sample2.jpg");

/**
 * A seeded normal random generator (mulberry32 + Box–Muller).
 * @param seed the seed
 * @returns a function returning N(0, 1) samples
 */
export function SeededNormal(seed: number): () => number {
    let a = seed >>> 0;
    const uniform = (): number => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}
