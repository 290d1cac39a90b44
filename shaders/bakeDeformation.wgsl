// Compute pass: bakes w·Δx (cm) at every texel centre of the displacement texture over the
// deformed box. Runs whenever α or β change; the raymarcher then samples it trilinearly.
@group(0) @binding(0) var<storage, read> nofaWeights: array<f32>;
@group(0) @binding(1) var<storage, read> nofaDynamic: array<f32>;
@group(0) @binding(2) var<storage, read> gridParams: NofaGridParams;
@group(0) @binding(3) var displacementOut: texture_storage_3d<rgba16float, write>;

@compute @workgroup_size(4, 4, 4)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    if (any(id >= gridParams.dims.xyz)) {
        return;
    }
    let ud = nofaToUnit(nofaGridCellCentre(id, gridParams), gridParams.canonicalMin.xyz, gridParams.canonicalMax.xyz);
    textureStore(displacementOut, id, vec4<f32>(nofaBackwardDisplacement(ud), 0.0));
}
