// Compute pass: occupancy of the deformed volume for the current expression. A cell is occupied
// when any of its 8 corners or its centre, moved by the baked w·Δx (bakedDisplacement.wgsl), lands in an occupied cell of
// the canonical grid (itself dilated by one cell, which covers the displacement's variation
// within a cell). Runs after each bake, so empty space stays tight whatever the expression.
@group(0) @binding(0) var<storage, read> occupancyIn: array<u32>;
@group(0) @binding(1) var nofaDisplacementSampler: sampler;
@group(0) @binding(2) var nofaDisplacement: texture_3d<f32>;
@group(0) @binding(3) var<storage, read> gridParams: NofaGridParams;
@group(0) @binding(4) var<storage, read_write> occupancyOut: array<u32>;
@group(0) @binding(5) var nofaDisplacementJumpSampler: sampler;
@group(0) @binding(6) var nofaDisplacementJump: texture_3d<f32>;

@compute @workgroup_size(4, 4, 4)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let dims = gridParams.dims.xyz;
    if (any(id >= dims)) {
        return;
    }
    let size = gridParams.gridMax.xyz - gridParams.gridMin.xyz;
    let cellSize = size / vec3<f32>(dims);
    var occupied = 0u;
    for (var k = 0u; k < 9u && occupied == 0u; k++) {
        var f = vec3<f32>(0.5);
        if (k < 8u) {
            f = vec3<f32>(f32(k & 1u), f32((k >> 1u) & 1u), f32((k >> 2u) & 1u));
        }
        let x = gridParams.gridMin.xyz + (vec3<f32>(id) + f) * cellSize;
        let xc = x + nofaBakedDisplacement((x - gridParams.gridMin.xyz) / size);
        let c = floor((xc - gridParams.gridMin.xyz) / cellSize);
        if (all(c >= vec3<f32>(0.0)) && all(c < vec3<f32>(dims))) {
            let cell = vec3<u32>(c);
            occupied = occupancyIn[cell.x + dims.x * (cell.y + dims.y * cell.z)];
        }
    }
    occupancyOut[id.x + dims.x * (id.y + dims.y * id.z)] = occupied;
}
