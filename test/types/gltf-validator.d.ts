/** The part of Khronos' `gltf-validator` (npm) the tests use. */
declare module "gltf-validator" {
    interface IValidationReport {
        issues: { numErrors: number; numWarnings: number; messages: { code: string; message: string; pointer?: string }[] };
    }
    const validator: { validateBytes(data: Uint8Array): Promise<IValidationReport> };
    export default validator;
}
