import { ExpressionSmoother } from "../../plugin/audio/expressionSmoother.js";

describe("ExpressionSmoother", () => {
    const open = new Float32Array(53);
    open[26] = 0.6;
    const closed = new Float32Array(53);

    test("rises with the attack time, holds a peak, then releases", () => {
        const s = new ExpressionSmoother({ attack: 0.015, release: 0.035, hold: 0.02 });
        for (let i = 0; i < 10; i++) {
            s.update(open, 0, 0, 0.01);
        }
        expect(s.current[26]).toBeGreaterThan(0.59);
        s.update(closed, 0, 0, 0.01); // a one-frame dip is held: no flicker
        expect(s.current[26]).toBeGreaterThan(0.59);
        s.update(open, 0, 0, 0.01);
        s.update(closed, 0, 0, 0.01);
        s.update(closed, 0, 0, 0.01);
        for (let i = 0; i < 15; i++) {
            s.update(closed, 0, 0, 0.01);
        }
        expect(s.current[26]).toBeLessThan(0.02);
    });

    test("a likely /p b m/ closes the lips at once and holds the closure", () => {
        const s = new ExpressionSmoother({ closureGain: 5, closureHold: 0.03 });
        for (let i = 0; i < 10; i++) {
            s.update(open, 0, 0, 0.01);
        }
        s.update(open, 0, 0.3, 0.01);
        expect(s.current[26]).toBeLessThan(0.01); // jaw shut
        expect(s.current[37]).toBeCloseTo(0.45, 2); // mouthPress_L of the PP shape
        s.update(open, 0, 0, 0.01);
        s.update(open, 0, 0, 0.01);
        expect(s.current[26]).toBeLessThan(0.01); // held: no flicker
    });

    test("silence closes the mouth whatever the targets say; reset snaps it shut", () => {
        const s = new ExpressionSmoother();
        for (let i = 0; i < 10; i++) {
            s.update(open, 0, 0, 0.01);
        }
        for (let i = 0; i < 25; i++) {
            s.update(open, 0.9, 0, 0.01);
        }
        expect(s.current[26]).toBeLessThan(0.02);
        s.update(open, 0, 0, 0.01);
        s.reset();
        expect(Math.max(...s.current)).toBe(0);
    });
});

describe("IdleBlinker", () => {
    test("blinks every 2–6 s for 150 ms, both eyes, deterministic", async () => {
        const { IdleBlinker } = await import("../../plugin/audio/idleBlinker.js");
        const run = (): number[] => {
            const b = new IdleBlinker(7);
            const pose = new Float32Array(53);
            const starts: number[] = [];
            let closed = false;
            for (let f = 0; f < 3000; f++) {
                pose.fill(0);
                b.apply(0.01, pose);
                expect(pose[10]).toBe(pose[11]);
                if (pose[10] > 0.5 && !closed) {
                    starts.push(f / 100);
                }
                closed = pose[10] > 0.5;
            }
            return starts;
        };
        const starts = run();
        expect(starts.length).toBeGreaterThanOrEqual(5);
        expect(starts.length).toBeLessThanOrEqual(16);
        expect(run()).toEqual(starts);
    });
});
