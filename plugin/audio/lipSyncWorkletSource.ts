/** Name under which the capture processor is registered in the AudioWorklet scope. */
export const LipSyncCaptureProcessorName = "nofa-lipsync-capture";

/**
 * Source of the AudioWorklet processor that feeds live audio to the lip-sync worker: it mixes
 * its input to mono, posts blocks of 256 samples with the context time of their end to a
 * MessagePort (sent to it through `node.port`), and passes its input through to its output, so
 * a media element routed through it stays audible. Loaded from a Blob URL, so it needs no
 * bundler support for worklets.
 */
export const LipSyncWorkletSource = `
class NofaLipSyncCapture extends AudioWorkletProcessor {
    constructor() {
        super();
        this._sink = null;
        this._block = new Float32Array(256);
        this._n = 0;
        this.port.onmessage = (e) => { this._sink = e.data; };
    }
    process(inputs, outputs) {
        const input = inputs[0];
        const output = outputs[0];
        if (input && input.length > 0) {
            const channels = input.length;
            const n = input[0].length;
            for (let i = 0; i < n; i++) {
                let s = 0;
                for (let c = 0; c < channels; c++) s += input[c][i];
                this._block[this._n++] = s / channels;
                if (this._n === this._block.length) {
                    if (this._sink) {
                        const block = this._block;
                        this._sink.postMessage({ samples: block, time: currentTime + (i + 1) / sampleRate }, [block.buffer]);
                        this._block = new Float32Array(256);
                    }
                    this._n = 0;
                }
            }
            for (let c = 0; c < output.length; c++) output[c].set(input[Math.min(c, channels - 1)]);
        }
        return true;
    }
}
registerProcessor("${"nofa-lipsync-capture"}", NofaLipSyncCapture);
`;
