/**
 * Side-effect-free entry: every class and function, nothing registered. Call
 * `RegisterAvatarVolumeLoader()` yourself to load avatar `.glb` files (the main entry does).
 */
export * from "./errors";
export * from "./expression/arkitNames";
export * from "./expression/expressionWeights";
export * from "./pack/packManifest";
export * from "./pack/modelPack";
export * from "./pack/avatarGenerator";
export * from "./io/fileSource";
export * from "./volume/avatarAsset";
export * from "./volume/avatarVolume";
export * from "./volume/avatarVolumeMaterial";
export * from "./loader/avatarGlb";
export * from "./loader/avatarVolumeLoaderExtension";
export * from "./audio/lipSync";
export * from "./audio/lipSyncError";
export * from "./audio/expressionTrack";
export * from "./audio/expressionSmoother";
export * from "./audio/expressionTarget";
export * from "./audio/visemes";
export * from "./audio/visemeTargets";
export * from "./audio/idleBlinker";
export * from "./reconstruction/reconstructionError";
export * from "./reconstruction/multiPie68";
export * from "./reconstruction/imagePixels";
export * from "./reconstruction/exifOrientation";
export * from "./reconstruction/faceLandmarkDetector";
export * from "./reconstruction/personSegmenter";
export * from "./reconstruction/ictLandmarkBasis";
export * from "./reconstruction/initialPose";
export * from "./reconstruction/landmarkFitter";
export * from "./reconstruction/landmarkRegressorFeatures";
export * from "./reconstruction/landmarkRegressor";
export * from "./reconstruction/ictHeadMesh";
export * from "./reconstruction/photoTexture";
export * from "./reconstruction/colourPlanesFit";
export * from "./reconstruction/fallbackMesh";
export * from "./reconstruction/photoAvatar";
