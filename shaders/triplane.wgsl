// Tri-plane feature lookup: the sum of the bilinear samples of the xy, xz and yz planes.
// Needs `nofaTriplane: texture_2d_array<f32>` (3·C/4 rgba16float layers: plane-major, see
// docs/formats.md), its `nofaTriplaneSampler` (linear, clamp), `NOFA_CHANNELS` (const u32).
fn nofaTriplaneFeatures(u: vec3<f32>, f: ptr<function, NofaVector>) {
    let uv = u * 0.5 + 0.5;
    let layers = NOFA_CHANNELS / 4u;
    for (var l = 0u; l < layers; l++) {
        let a = textureSampleLevel(nofaTriplane, nofaTriplaneSampler, uv.xy, l, 0.0);
        let b = textureSampleLevel(nofaTriplane, nofaTriplaneSampler, uv.xz, l + layers, 0.0);
        let c = textureSampleLevel(nofaTriplane, nofaTriplaneSampler, uv.yz, l + 2u * layers, 0.0);
        let s = a + b + c;
        (*f)[4u * l] = s.x;
        (*f)[4u * l + 1u] = s.y;
        (*f)[4u * l + 2u] = s.z;
        (*f)[4u * l + 3u] = s.w;
    }
}

// The decoder's raw outputs (density and r, g, b before their activations) at normalised u.
// Needs the generated `nofaDecoderNet`.
fn nofaDecodeRaw(u: vec3<f32>) -> vec4<f32> {
    var f: NofaVector;
    nofaTriplaneFeatures(u, &f);
    return nofaDecoderNet(&f);
}

// Density (1/cm, softplus) and sRGB colour (sigmoid) of the canonical volume at normalised u.
fn nofaDecode(u: vec3<f32>) -> vec4<f32> {
    let o = nofaDecodeRaw(u);
    return vec4<f32>(nofaSoftplus(o.x), nofaSigmoid(o.y), nofaSigmoid(o.z), nofaSigmoid(o.w));
}
