/**
 * The package's command line (Node): `nofa-babylon reconstruct PHOTO -o AVATAR.glb`.
 * Built into dist/cli/nofa-babylon.mjs (the package's `bin`); `npx tsx plugin/cli/nofaCli.ts …` runs the source.
 */
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { UrlFileReader } from "../io/fileSource";
import { WriteAvatarGlb } from "../loader/avatarGlb";
import { ModelPack } from "../pack/modelPack";
import { FaceLandmarkDetector } from "../reconstruction/faceLandmarkDetector";
import { ReconstructAvatarAsync } from "../reconstruction/photoAvatar";
import { ReconstructionError } from "../reconstruction/reconstructionError";

const Usage = `usage: nofa-babylon reconstruct PHOTO -o AVATAR.glb [options]

One portrait photo (JPEG or PNG) → an avatar .glb: the volume (NOFA_avatar_volume) and a
fallback textured mesh with the 53 ARKit morph targets.

options:
  -o, --out FILE        where to write the .glb (required)
      --face N          which face when the photo holds several, by size (0: largest; default 0)
      --pack DIR        model pack folder (default: the package's models/packs/ict-base)
      --pack-uri URI    recorded in the .glb: where a viewer finds the pack, relative to the .glb
      --no-fallback     leave the fallback mesh out (a smaller file)
      --no-segmentation hair matte from colours alone, without the person segmentation model
      --refine          the optional longer refinement: finer colour planes from a finer projection
                        of the photo (≈ 11–13 s more on 2 cores; docs/reconstruction.md has its figures)
  -q, --quiet           print nothing but errors
  -h, --help            this text`;

/**
 * Runs the command line.
 * @param argv the arguments after the program's name
 * @returns the process exit code (0 done, 1 the photo could not be reconstructed, 2 bad usage)
 */
export async function RunNofaCliAsync(argv: string[]): Promise<number> {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                out: { type: "string", short: "o" },
                face: { type: "string" },
                pack: { type: "string" },
                "pack-uri": { type: "string" },
                "no-fallback": { type: "boolean" },
                "no-segmentation": { type: "boolean" },
                refine: { type: "boolean" },
                quiet: { type: "boolean", short: "q" },
                help: { type: "boolean", short: "h" },
            },
        });
    } catch (e) {
        console.error(`${(e as Error).message}\n\n${Usage}`);
        return 2;
    }
    const { values, positionals } = parsed;
    if (values.help) {
        console.log(Usage);
        return 0;
    }
    const [command, photo] = positionals;
    const faceIndex = Number(values.face ?? 0);
    if (command !== "reconstruct" || !photo || !values.out || positionals.length !== 2 || !(Number.isInteger(faceIndex) && faceIndex >= 0)) {
        console.error(Usage);
        return 2;
    }
    const log = values.quiet ? () => {} : (line: string) => console.error(line);
    try {
        const bytes = await readFile(photo);
        const packUrl = values.pack ? pathToFileURL(join(values.pack, "/")).href : new URL("../../models/packs/ict-base/", import.meta.url).href;
        const faceApiFolder = join(dirname(createRequire(import.meta.url).resolve("@vladmandic/face-api")), "..", "model", "/");
        const [pack, detector] = await Promise.all([ModelPack.LoadAsync(UrlFileReader(packUrl)), FaceLandmarkDetector.CreateAsync({ models: UrlFileReader(pathToFileURL(faceApiFolder).href) })]);
        const started = performance.now();
        // A line per stage, and one per 5 % within the refinement.
        let logged = { stage: "", percent: -Infinity };
        const result = await ReconstructAvatarAsync(bytes, pack, {
            detector,
            faceIndex,
            refine: values.refine,
            fallbackMesh: !values["no-fallback"],
            segmentationModel: values["no-segmentation"] ? undefined : UrlFileReader(new URL("../../models/third-party/selfie-segmentation/", import.meta.url).href),
            onProgress: (p) => {
                const percent = 100 * p.fraction;
                if (p.stage !== logged.stage || percent >= logged.percent + 5) {
                    logged = { stage: p.stage, percent };
                    log(`${percent.toFixed(0).padStart(3)} % ${p.stage}`);
                }
            },
        });
        const seconds = (performance.now() - started) / 1000;
        if (values["pack-uri"]) {
            result.asset.packUri = values["pack-uri"];
        }
        const glb = await WriteAvatarGlb(result.asset, "avatar", result.fallback);
        await writeFile(values.out, glb);
        const stages = Object.entries(result.timings)
            .map(([stage, ms]) => `${stage} ${(ms! / 1000).toFixed(2)} s`)
            .join(", ");
        log(`wrote ${values.out} (${(glb.byteLength / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)} s: ${stages}`);
        log(`face ${faceIndex + 1} of ${result.face.faceCount}; landmark error ${(100 * result.fit.meanErrorIod).toFixed(1)} % of the inter-ocular distance`);
        return 0;
    } catch (e) {
        if (e instanceof ReconstructionError) {
            console.error(`cannot reconstruct ${photo}: ${e.message}`);
            return 1;
        }
        console.error(`cannot reconstruct ${photo}: ${(e as Error).message ?? e}`);
        return 1;
    }
}
