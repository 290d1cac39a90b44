import { LipSyncError } from "./lipSyncError.js";
import { LipSyncFeatureConfig, LipSyncFeatureExtractor } from "./lipSyncFeatures.js";
import { StreamingResampler } from "./streamingResampler.js";

/**
 * Lip-sync features of a whole mono signal (the offline pass; the live path streams the same
 * resampler and extractor block by block and gets the same frames).
 * @param samples mono samples in [-1, 1]
 * @param sampleRate their rate (8–192 kHz)
 * @returns `frameCount` frames of {@link LipSyncFeatureConfig.featureCount} values, row-major
 * @throws {@link LipSyncError} `EMPTY_AUDIO` or `INVALID_ARGUMENT`
 */
export function ComputeLipSyncFeatures(samples: Float32Array, sampleRate: number): { features: Float32Array; frameCount: number } {
    if (samples.length === 0) {
        throw new LipSyncError("EMPTY_AUDIO", "no samples");
    }
    const resampler = new StreamingResampler(sampleRate, LipSyncFeatureConfig.sampleRate);
    const extractor = new LipSyncFeatureExtractor();
    const total = Math.max(1, Math.round((samples.length * LipSyncFeatureConfig.sampleRate) / sampleRate));
    const frameCount = LipSyncFeatureExtractor.FrameCount(total);
    const F = LipSyncFeatureConfig.featureCount;
    const features = new Float32Array(frameCount * F);
    let produced = 0;
    let frames = 0;
    const onFrame = (f: Float32Array): void => {
        if (frames < frameCount) {
            features.set(f, frames * F);
        }
        frames++;
    };
    const onSamples = (s: Float32Array): void => {
        const n = Math.min(s.length, total - produced);
        if (n > 0) {
            extractor.process(s.subarray(0, n), onFrame);
            produced += n;
        }
    };
    resampler.process(samples, onSamples);
    resampler.flush(onSamples);
    extractor.flush(produced, onFrame);
    return { features, frameCount };
}
