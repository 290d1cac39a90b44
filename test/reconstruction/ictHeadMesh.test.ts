import { IctHeadMesh } from "../../plugin/reconstruction/ictHeadMesh";
import { DiskReader } from "../support/nodeFiles";
import { DefaultIctFolder, DerivedHeadMeshPath, HasIctFolder, ReadArrayBuffer } from "./reconstructionFixtures";

const ReadDerived = (): ArrayBuffer => ReadArrayBuffer(DerivedHeadMeshPath);

describe("IctHeadMesh (the derived head mesh)", () => {
    it("parses: a symmetric head whose mirror map pairs left and right, with the 53 expressions", () => {
        const mesh = IctHeadMesh.FromBinary(ReadDerived());
        expect([mesh.vertexCount, mesh.identityCount, mesh.expressions.length]).toEqual([14388, 20, 53]);
        expect(mesh.skinTriangleCount).toBeLessThan(mesh.triangleCount);
        const p = mesh.positions([]);
        let mirrorError = 0;
        for (let v = 0; v < mesh.vertexCount; v++) {
            const m = mesh.mirror[v];
            mirrorError = Math.max(mirrorError, Math.hypot(p[3 * v] + p[3 * m], p[3 * v + 1] - p[3 * m + 1], p[3 * v + 2] - p[3 * m + 2]));
        }
        expect(mirrorError).toBeLessThan(0.5); // cm
        // jawOpen moves the chin down by centimetres.
        const jaw = mesh.positions([], Float32Array.from({ length: 53 }, (_, i) => (i === 26 ? 1 : 0)));
        const drop = Math.max(...Array.from({ length: mesh.vertexCount }, (_, v) => p[3 * v + 1] - jaw[3 * v + 1]));
        expect(drop).toBeGreaterThan(1);
    });

    (HasIctFolder ? it : it.skip)("the committed file is what the ICT-FaceKit folder gives (regenerate with writeIctHeadMesh.ts)", async () => {
        const mesh = await IctHeadMesh.FromIctFolderAsync(DiskReader(DefaultIctFolder));
        expect(new Uint8Array(mesh.serialize())).toEqual(new Uint8Array(ReadDerived()));
    });

    it("round-trips, and rejects truncated or foreign files with BAD_BASIS", () => {
        const good = ReadDerived();
        expect(new Uint8Array(IctHeadMesh.FromBinary(good).serialize())).toEqual(new Uint8Array(good));
        for (const bad of [good.slice(0, 16), good.slice(0, good.byteLength - 8), new ArrayBuffer(good.byteLength)]) {
            expect(() => IctHeadMesh.FromBinary(bad)).toThrow(expect.objectContaining({ code: "BAD_BASIS" }));
        }
    });
});
