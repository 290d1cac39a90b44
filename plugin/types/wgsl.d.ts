/** WGSL sources are imported as strings (webpack `asset/source`, jest `test/support/wgslTransform.cjs`). */
declare module "*.wgsl" {
    const source: string;
    export default source;
}
