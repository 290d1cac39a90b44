// Compute pass: bakes the backward field at every texel centre of the displacement textures over
// the deformed box: w·a (cm) and the selector s into `displacementOut`, and, for a field with a
// jump, w·j into `displacementJumpOut` (deformation.wgsl). Runs whenever α or β change; the
// raymarcher samples both trilinearly and joins them (displacementJoin.wgsl).
@group(0) @binding(0) var<storage, read> nofaWeights: array<f32>;
@group(0) @binding(1) var<storage, read> nofaDynamic: array<f32>;
@group(0) @binding(2) var<storage, read> gridParams: NofaGridParams;
@group(0) @binding(3) var displacementOut: texture_storage_3d<rgba16float, write>;
@group(0) @binding(4) var displacementJumpOut: texture_storage_3d<rgba16float, write>;

@compute @workgroup_size(4, 4, 4)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    if (any(id >= gridParams.dims.xyz)) {
        return;
    }
    let ud = nofaToUnit(nofaGridCellCentre(id, gridParams), gridParams.canonicalMin.xyz, gridParams.canonicalMax.xyz);
    let f = nofaBackwardField(ud);
    textureStore(displacementOut, id, f.smoothAndSelector);
    if (NOFA_DEFORMATION_JUMP) {
        textureStore(displacementJumpOut, id, vec4<f32>(f.jump, 0.0));
    }
}
