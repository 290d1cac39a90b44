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
// Four outputs at a time, four inputs at a time: each x[i] is read once per four rows, and the running
// sums stay in a vec4 (a GPU keeps a run-time-indexed array in memory, not in registers).
fn nofaMlpAccumulate(x: ptr<function, NofaVector>, y: ptr<function, NofaVector>, wOff: u32, stride: u32, nIn: u32, nOut: u32) {
    let in4 = nIn & ~3u;
    var o = 0u;
    for (; o + 4u <= nOut; o += 4u) {
        let r0 = wOff + o * stride;
        let r1 = r0 + stride;
        let r2 = r1 + stride;
        let r3 = r2 + stride;
        var acc = vec4<f32>((*y)[o], (*y)[o + 1u], (*y)[o + 2u], (*y)[o + 3u]);
        var i = 0u;
        for (; i < in4; i += 4u) {
            let xi = vec4<f32>((*x)[i], (*x)[i + 1u], (*x)[i + 2u], (*x)[i + 3u]);
            acc += vec4<f32>(
                dot(vec4<f32>(nofaWeights[r0 + i], nofaWeights[r0 + i + 1u], nofaWeights[r0 + i + 2u], nofaWeights[r0 + i + 3u]), xi),
                dot(vec4<f32>(nofaWeights[r1 + i], nofaWeights[r1 + i + 1u], nofaWeights[r1 + i + 2u], nofaWeights[r1 + i + 3u]), xi),
                dot(vec4<f32>(nofaWeights[r2 + i], nofaWeights[r2 + i + 1u], nofaWeights[r2 + i + 2u], nofaWeights[r2 + i + 3u]), xi),
                dot(vec4<f32>(nofaWeights[r3 + i], nofaWeights[r3 + i + 1u], nofaWeights[r3 + i + 2u], nofaWeights[r3 + i + 3u]), xi)
            );
        }
        for (; i < nIn; i++) {
            let xi = (*x)[i];
            acc += xi * vec4<f32>(nofaWeights[r0 + i], nofaWeights[r1 + i], nofaWeights[r2 + i], nofaWeights[r3 + i]);
        }
        (*y)[o] = acc.x;
        (*y)[o + 1u] = acc.y;
        (*y)[o + 2u] = acc.z;
        (*y)[o + 3u] = acc.w;
    }
    for (; o < nOut; o++) {
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
