// PE(u) = [u, sin(2^k π u), cos(2^k π u) for k < NOFA_PE_FREQUENCIES] (docs/formats.md).
// Needs `NOFA_PE_FREQUENCIES` (const u32) and the `NofaVector` alias (mlp.wgsl).
fn nofaPositionalEncoding(u: vec3<f32>, x: ptr<function, NofaVector>) {
    (*x)[0] = u.x;
    (*x)[1] = u.y;
    (*x)[2] = u.z;
    var freq = 3.14159265358979;
    for (var k = 0u; k < NOFA_PE_FREQUENCIES; k++) {
        let s = sin(u * freq);
        let c = cos(u * freq);
        let base = 3u + 6u * k;
        (*x)[base] = s.x;
        (*x)[base + 1u] = s.y;
        (*x)[base + 2u] = s.z;
        (*x)[base + 3u] = c.x;
        (*x)[base + 4u] = c.y;
        (*x)[base + 5u] = c.z;
        freq = freq * 2.0;
    }
}
