import { IctLandmarkBasis } from "../../plugin/reconstruction/ictLandmarkBasis";
import { ReconstructionError } from "../../plugin/reconstruction/reconstructionError";
import { DiskReader } from "../support/nodeFiles";
import { DefaultIctFolder, DerivedBasisPath, HasIctFolder, ReadArrayBuffer } from "./reconstructionFixtures";

const ReadDerived = (): ArrayBuffer => ReadArrayBuffer(DerivedBasisPath);

describe("IctLandmarkBasis", () => {
    it("parses the committed derived file: 68 landmarks, 100 identity and 53 expression modes, a plausible face", () => {
        const basis = IctLandmarkBasis.FromBinary(ReadDerived());
        expect([basis.landmarkCount, basis.identityCount, basis.expressionCount]).toEqual([68, 100, 53]);
        const x = basis.evaluate([], []);
        // Outer eye corners (36: subject's right, −x; 45: left, +x) about 9–11 cm apart, nose tip (30) in front of them.
        expect(x[3 * 36]).toBeLessThan(0);
        expect(x[3 * 45]).toBeGreaterThan(0);
        expect(x[3 * 45] - x[3 * 36]).toBeGreaterThan(8);
        expect(x[3 * 45] - x[3 * 36]).toBeLessThan(12);
        expect(x[3 * 30 + 2]).toBeGreaterThan(x[3 * 36 + 2]);
        // Chin (8) below the nose tip.
        expect(x[3 * 8 + 1]).toBeLessThan(x[3 * 30 + 1]);
    });

    (HasIctFolder ? it : it.skip)("the committed file is what the ICT-FaceKit folder gives (regenerate with writeIctLandmarkBasis.ts)", async () => {
        const basis = await IctLandmarkBasis.FromIctFolderAsync(DiskReader(DefaultIctFolder));
        expect(new Uint8Array(basis.serialize())).toEqual(new Uint8Array(ReadDerived()));
    });

    it("round-trips through serialize", () => {
        const basis = IctLandmarkBasis.FromBinary(ReadDerived());
        const again = IctLandmarkBasis.FromBinary(basis.serialize());
        expect(again.identity).toEqual(basis.identity);
        expect(again.expression).toEqual(basis.expression);
    });

    it("rejects truncated or foreign files and unreadable folders with BAD_BASIS", async () => {
        const good = ReadDerived();
        for (const bad of [good.slice(0, 10), good.slice(0, good.byteLength - 4), new ArrayBuffer(good.byteLength)]) {
            expect(() => IctLandmarkBasis.FromBinary(bad)).toThrow(ReconstructionError);
            try {
                IctLandmarkBasis.FromBinary(bad);
            } catch (e) {
                expect((e as ReconstructionError).code).toBe("BAD_BASIS");
            }
        }
        await expect(IctLandmarkBasis.FromIctFolderAsync(DiskReader("/nonexistent-ict"))).rejects.toMatchObject({ code: "BAD_BASIS" });
    });
});
