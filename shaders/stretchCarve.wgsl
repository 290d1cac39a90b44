// Compute pass: the stretch carve (docs/formats.md, "stretchCarve"). Where the backward map
// x_c = x_d + w·Δx squeezes a deformed region into a much thinner canonical one (an open mouth's
// gap onto the closed canonical lips' seam), det(∂x_c/∂x_d) ≪ 1 and the volume there is emptied:
// at every texel of the baked field this writes the share of density kept, smoothstep(from, to,
// det J), with J from central differences of the baked texels (one-sided at the faces). Runs after
// each bake; the raymarcher samples the result trilinearly (raymarch.wgsl). Needs the generated
// constants NOFA_STRETCH_FROM and NOFA_STRETCH_TO.
@group(0) @binding(0) var<storage, read> gridParams: NofaGridParams;
@group(0) @binding(1) var nofaDisplacementSampler: sampler;
@group(0) @binding(2) var nofaDisplacement: texture_3d<f32>;
@group(0) @binding(3) var nofaDisplacementJumpSampler: sampler;
@group(0) @binding(4) var nofaDisplacementJump: texture_3d<f32>;
@group(0) @binding(5) var keptOut: texture_storage_3d<rgba8unorm, write>;

// ∂x_c/∂x along `axis` at texel `id`: e_axis + the difference of w·Δx between its neighbours on that axis.
fn nofaStretchColumn(id: vec3<u32>, axis: u32, dims: vec3<u32>, cell: vec3<f32>) -> vec3<f32> {
    var lo = id;
    var hi = id;
    lo[axis] = max(id[axis], 1u) - 1u;
    hi[axis] = min(id[axis] + 1u, dims[axis] - 1u);
    let size = vec3<f32>(dims);
    let d = nofaBakedDisplacement((vec3<f32>(hi) + 0.5) / size) - nofaBakedDisplacement((vec3<f32>(lo) + 0.5) / size);
    var e = vec3<f32>(0.0);
    e[axis] = 1.0;
    return e + d / (f32(hi[axis] - lo[axis]) * cell[axis]);
}

@compute @workgroup_size(4, 4, 4)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let dims = gridParams.dims.xyz;
    if (any(id >= dims)) {
        return;
    }
    let cell = (gridParams.gridMax.xyz - gridParams.gridMin.xyz) / vec3<f32>(dims);
    let jacobian = mat3x3<f32>(nofaStretchColumn(id, 0u, dims, cell), nofaStretchColumn(id, 1u, dims, cell), nofaStretchColumn(id, 2u, dims, cell));
    let kept = smoothstep(NOFA_STRETCH_FROM, NOFA_STRETCH_TO, determinant(jacobian));
    textureStore(keptOut, id, vec4<f32>(kept, 0.0, 0.0, 1.0));
}
