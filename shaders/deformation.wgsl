// Backward deformation of NOFA++: x_c = x_d + w(x_d, α) · Δx(x_d, α, β).
// α and β enter the D-Net and W-Net through their first-layer biases, folded per avatar into
// `nofaDynamic: array<f32>` (declared by the includer). Needs the generated `nofaBlendNet`
// and `nofaDeformationNet` (plugin/volume/shaderSources.ts).

// y[0..n) = bias read from nofaDynamic[off..off+n).
fn nofaMlpDynamicBias(y: ptr<function, NofaVector>, off: u32, n: u32) {
    for (var o = 0u; o < n; o++) {
        (*y)[o] = nofaDynamic[off + o];
    }
}

// w·Δx in cm at the normalised deformed point u_d.
fn nofaBackwardDisplacement(ud: vec3<f32>) -> vec3<f32> {
    var pe: NofaVector;
    nofaPositionalEncoding(ud, &pe);
    let w = nofaSigmoid(nofaBlendNet(&pe));
    return w * nofaDeformationNet(&pe);
}
