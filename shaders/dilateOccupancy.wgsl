// Compute pass: dilates the occupancy grid by `extra.y` cells (the largest displacement), so
// that an empty cell of the deformed volume is empty for every expression.
@group(0) @binding(0) var<storage, read> occupancyIn: array<u32>;
@group(0) @binding(1) var<storage, read_write> occupancyOut: array<u32>;
@group(0) @binding(2) var<storage, read> gridParams: NofaGridParams;

@compute @workgroup_size(4, 4, 4)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let dims = vec3<i32>(gridParams.dims.xyz);
    let c = vec3<i32>(id);
    if (any(c >= dims)) {
        return;
    }
    let r = i32(gridParams.extra.y);
    let lo = max(c - r, vec3<i32>(0));
    let hi = min(c + r, dims - 1);
    var occupied = 0u;
    for (var z = lo.z; z <= hi.z && occupied == 0u; z++) {
        for (var y = lo.y; y <= hi.y && occupied == 0u; y++) {
            for (var x = lo.x; x <= hi.x; x++) {
                if (occupancyIn[x + dims.x * (y + dims.y * z)] != 0u) {
                    occupied = 1u;
                    break;
                }
            }
        }
    }
    occupancyOut[id.x + u32(dims.x) * (id.y + u32(dims.y) * id.z)] = occupied;
}
