/**
 * The mouth cavity shading's strength (plugin/volume/mouthCavityShading.ts): nothing at or below the
 * photo's own jawOpen, full from 0.3 beyond it, scaled by the avatar's setting.
 */
import { MouthCavityJawRange, MouthCavityShading } from "../../plugin/volume/mouthCavityShading";

test("the shading grows with jawOpen beyond the photo's own, from 0 to the avatar's strength", () => {
    const [from, to] = MouthCavityJawRange;
    // Without a photo (the base pack), from jawOpen 0.
    expect(MouthCavityShading(1, 0)).toBe(0);
    expect(MouthCavityShading(1, from)).toBe(0);
    expect(MouthCavityShading(1, to)).toBe(1);
    expect(MouthCavityShading(1, 1)).toBe(1);
    // A photo taken with the mouth open: its own opening and anything less keep the photo's colours.
    expect(MouthCavityShading(1, 0.52, 0.52)).toBe(0);
    expect(MouthCavityShading(1, 0.2, 0.52)).toBe(0);
    expect(MouthCavityShading(1, 0.52 + to, 0.52)).toBe(1);
    // Monotonic in between, and scaled by the strength.
    const ramp = Array.from({ length: 11 }, (_, i) => MouthCavityShading(1, from + ((to - from) * i) / 10));
    ramp.slice(1).forEach((v, i) => expect(v).toBeGreaterThan(ramp[i]));
    expect(MouthCavityShading(0.5, 0.8)).toBe(0.5);
    expect(MouthCavityShading(0, 0.8)).toBe(0);
});
