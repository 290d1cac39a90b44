/** Lip-sync (DESIGN.md §7): the public API of plugin/audio. Side-effect free. */
export { LipSync, type ILipSyncOptions, type LipSyncAudioSource } from "./lipSync.js";
export { LipSyncAnalyzer, type ILipSyncAnalyzerOptions, type ILipSyncFrames } from "./lipSyncAnalyzer.js";
export { LipSyncError, type LipSyncErrorCode } from "./lipSyncError.js";
export { ExpressionTrack, type ISerializedExpressionTrack } from "./expressionTrack.js";
export { ExpressionSmoother, type IExpressionSmootherOptions } from "./expressionSmoother.js";
export { MorphTargetExpressionTarget } from "./expressionTarget.js";
export { LipSyncFeatureConfig, LipSyncFeatureExtractor } from "./lipSyncFeatures.js";
export { ComputeLipSyncFeatures } from "./computeFeatures.js";
export { StreamingResampler } from "./streamingResampler.js";
export { DecodeWav, type IMonoAudio } from "./decodeWav.js";
export { Visemes, MergedVisemeClasses, MergedVisemeOf, VisemeShapes, VisemeDominance, GetVisemeIndex, type Viseme } from "./visemes.js";
export { ComputeVisemeTargets, VisemeBlendToExpression, VisemeShapeMatrix, type IVisemeSegment } from "./visemeTargets.js";
export { IdleBlinker } from "./idleBlinker.js";
