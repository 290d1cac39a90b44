/** Test helper: a RIFF/WAVE file (16-bit PCM) from float channels. */
export function MakeWav(channels: Float32Array[], sampleRate: number): Uint8Array {
    const n = channels[0].length;
    const c = channels.length;
    const buf = new ArrayBuffer(44 + n * c * 2);
    const v = new DataView(buf);
    const str = (o: number, s: string): void => [...s].forEach((ch, i) => v.setUint8(o + i, ch.charCodeAt(0)));
    str(0, "RIFF");
    v.setUint32(4, 36 + n * c * 2, true);
    str(8, "WAVE");
    str(12, "fmt ");
    v.setUint32(16, 16, true);
    v.setUint16(20, 1, true);
    v.setUint16(22, c, true);
    v.setUint32(24, sampleRate, true);
    v.setUint32(28, sampleRate * c * 2, true);
    v.setUint16(32, c * 2, true);
    v.setUint16(34, 16, true);
    str(36, "data");
    v.setUint32(40, n * c * 2, true);
    for (let i = 0; i < n; i++) {
        for (let k = 0; k < c; k++) {
            v.setInt16(44 + (i * c + k) * 2, Math.max(-32768, Math.min(32767, Math.round(channels[k][i] * 32767))), true);
        }
    }
    return new Uint8Array(buf);
}
