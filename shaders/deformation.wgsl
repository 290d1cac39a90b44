// Backward deformation of NOFA++: x_c = x_d + w(x_d, α) · Δx(x_d, α, β), where Δx is the
// D-Net's output, or, for a D-Net with a jump (7 outputs a, j, s), a + sigmoid(k·s)·j
// (displacementJoin.wgsl). α and β enter the D-Net and W-Net through their first-layer biases,
// folded per avatar into `nofaDynamic: array<f32>` (declared by the includer). Needs the
// generated `nofaBlendNet` and `nofaDeformationNet` (plugin/volume/shaderSources.ts).

// y[0..n) = bias read from nofaDynamic[off..off+n).
fn nofaMlpDynamicBias(y: ptr<function, NofaVector>, off: u32, n: u32) {
    for (var o = 0u; o < n; o++) {
        (*y)[o] = nofaDynamic[off + o];
    }
}

// The field's parts at one point: w·a and the selector s, and w·j (zero without a jump).
struct NofaBackwardField {
    smoothAndSelector: vec4<f32>,
    jump: vec3<f32>,
};

// The parts of w·Δx (cm) at the normalised deformed point u_d, as the bake stores them.
fn nofaBackwardField(ud: vec3<f32>) -> NofaBackwardField {
    var pe: NofaVector;
    nofaPositionalEncoding(ud, &pe);
    let w = nofaSigmoid(nofaBlendNet(&pe));
    let o = nofaDeformationNet(&pe);
    let smoothPart = w * vec3<f32>(o[0], o[1], o[2]);
    if (NOFA_DEFORMATION_JUMP) {
        return NofaBackwardField(vec4<f32>(smoothPart, o[6]), w * vec3<f32>(o[3], o[4], o[5]));
    }
    return NofaBackwardField(vec4<f32>(smoothPart, 0.0), vec3<f32>(0.0));
}

// w·Δx in cm at the normalised deformed point u_d.
fn nofaBackwardDisplacement(ud: vec3<f32>) -> vec3<f32> {
    let f = nofaBackwardField(ud);
    return nofaJoinDisplacement(f.smoothAndSelector, f.jump);
}
