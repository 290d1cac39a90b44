// Parameters of the compute passes that fill a grid over the deformed box.
struct NofaGridParams {
    // The grid's box (the deformed box), cm; w unused.
    gridMin: vec4<f32>,
    gridMax: vec4<f32>,
    // Cells per axis; w unused.
    dims: vec4<u32>,
    canonicalMin: vec4<f32>,
    canonicalMax: vec4<f32>,
    // x: density threshold (1/cm) for occupancy; y: dilation radius in cells.
    extra: vec4<f32>,
};

fn nofaGridCellCentre(id: vec3<u32>, g: NofaGridParams) -> vec3<f32> {
    return g.gridMin.xyz + (vec3<f32>(id) + 0.5) / vec3<f32>(g.dims.xyz) * (g.gridMax.xyz - g.gridMin.xyz);
}
