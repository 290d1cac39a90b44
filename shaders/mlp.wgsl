// Dense layers of the pack's MLPs, evaluated from one flat weight buffer.
// Needs from the includer: `NOFA_MLP_WIDTH` (widest layer, a const u32),
// `nofaWeights: array<f32>` (the pack's weights as f32, row-major [out, in] per layer).
// Network functions built from these are generated per pack (plugin/volume/shaderSources.ts).

alias NofaVector = array<f32, NOFA_MLP_WIDTH>;

// y[0..n) = bias read from nofaWeights[off..off+n).
fn nofaMlpBias(y: ptr<function, NofaVector>, off: u32, n: u32) {
    for (var o = 0u; o < n; o++) {
        (*y)[o] = nofaWeights[off + o];
    }
}

// y[o] += Σ_i W[o, i] x[i] for i < nIn, where row o of W starts at wOff + o * stride.
// `stride` is the layer's full input width, so leading columns can be used alone.
fn nofaMlpAccumulate(x: ptr<function, NofaVector>, y: ptr<function, NofaVector>, wOff: u32, stride: u32, nIn: u32, nOut: u32) {
    for (var o = 0u; o < nOut; o++) {
        var acc = (*y)[o];
        let row = wOff + o * stride;
        for (var i = 0u; i < nIn; i++) {
            acc += nofaWeights[row + i] * (*x)[i];
        }
        (*y)[o] = acc;
    }
}

fn nofaMlpRelu(y: ptr<function, NofaVector>, n: u32) {
    for (var o = 0u; o < n; o++) {
        (*y)[o] = max((*y)[o], 0.0);
    }
}
