// Compute pass: marks the cells of a grid over the deformed box in which the canonical
// density exceeds a threshold at any of 3×3×3 points (cell corners, edge midpoints, centre):
// the decoder's density (inside the canonical box), or the photo layer's slab (photoLayer.wgsl; it
// lies outside the head, and may reach beyond the canonical box).
@group(0) @binding(0) var<storage, read> nofaWeights: array<f32>;
@group(0) @binding(1) var nofaTriplaneSampler: sampler;
@group(0) @binding(2) var nofaTriplane: texture_2d_array<f32>;
@group(0) @binding(3) var<storage, read> gridParams: NofaGridParams;
@group(0) @binding(4) var<storage, read_write> occupancyOut: array<u32>;
@group(0) @binding(5) var nofaPhotoColourSampler: sampler;
@group(0) @binding(6) var nofaPhotoColour: texture_2d<f32>;
@group(0) @binding(7) var nofaPhotoDepthSampler: sampler;
@group(0) @binding(8) var nofaPhotoDepth: texture_2d<f32>;
// The photo layer's projection, as NofaRayParams.photoProjection (zero: no layer).
@group(0) @binding(9) var<storage, read> nofaPhotoProjection: mat4x4<f32>;

@compute @workgroup_size(4, 4, 4)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let dims = gridParams.dims.xyz;
    if (any(id >= dims)) {
        return;
    }
    let cellSize = (gridParams.gridMax.xyz - gridParams.gridMin.xyz) / vec3<f32>(dims);
    let cellMin = gridParams.gridMin.xyz + vec3<f32>(id) * cellSize;
    let projection = nofaPhotoProjection;
    var occupied = 0u;
    for (var k = 0u; k < 27u && occupied == 0u; k++) {
        let f = vec3<f32>(f32(k % 3u), f32((k / 3u) % 3u), f32(k / 9u)) * 0.5;
        let x = cellMin + f * cellSize;
        if (nofaPhotoSample(x, projection, vec3<f32>(0.0)).density > gridParams.extra.x) {
            occupied = 1u;
        } else if (all(x >= gridParams.canonicalMin.xyz) && all(x <= gridParams.canonicalMax.xyz)) {
            let d = nofaDecode(nofaToUnit(x, gridParams.canonicalMin.xyz, gridParams.canonicalMax.xyz));
            if (d.x > gridParams.extra.x) {
                occupied = 1u;
            }
        }
    }
    occupancyOut[id.x + dims.x * (id.y + dims.y * id.z)] = occupied;
}
