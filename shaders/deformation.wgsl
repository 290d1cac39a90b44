// Backward deformation of NOFA++: x_c = x_d + w(x_d, α) · Δx(x_d, α, β), where Δx is the
// D-Net's output, or, for a D-Net with a jump (7 outputs a, j, s), a + sigmoid(k·s)·j; a D-Net
// with a carve has one more output c, which empties the deformed volume (displacementJoin.wgsl). α and β enter the D-Net and W-Net through their first-layer biases,
// folded per avatar into `nofaDynamic: array<f32>` (declared by the includer). Needs the
// generated `nofaBlendNet` and `nofaDeformationNet` (plugin/volume/shaderSources.ts).

// y[0..n) = bias read from nofaDynamic[off..off+n).
fn nofaMlpDynamicBias(y: ptr<function, NofaVector>, off: u32, n: u32) {
    for (var o = 0u; o < n; o++) {
        (*y)[o] = nofaDynamic[off + o];
    }
}

// The field's parts at one point, as the bake stores them (displacementJoin.wgsl): w·a with the
// selector s (with a jump) or the carve c (without), and w·j with the carve c (with a jump).
struct NofaBackwardField {
    primary: vec4<f32>,
    secondary: vec4<f32>,
};

// The parts of the backward field at the normalised deformed point u_d.
fn nofaBackwardField(ud: vec3<f32>) -> NofaBackwardField {
    var pe: NofaVector;
    nofaPositionalEncoding(ud, &pe);
    let w = nofaSigmoid(nofaBlendNet(&pe));
    let o = nofaDeformationNet(&pe);
    let smoothPart = w * vec3<f32>(o[0], o[1], o[2]);
    var carve = 0.0;
    if (NOFA_DEFORMATION_CARVE) {
        carve = o[select(3u, 7u, NOFA_DEFORMATION_JUMP)];
    }
    if (NOFA_DEFORMATION_JUMP) {
        return NofaBackwardField(vec4<f32>(smoothPart, o[6]), vec4<f32>(w * vec3<f32>(o[3], o[4], o[5]), carve));
    }
    return NofaBackwardField(vec4<f32>(smoothPart, carve), vec4<f32>(0.0));
}

// The deformed point (w·Δx in cm and the density kept) at the normalised deformed point u_d.
fn nofaBackwardPoint(ud: vec3<f32>) -> NofaDeformedPoint {
    let f = nofaBackwardField(ud);
    return nofaJoinField(f.primary, f.secondary);
}
