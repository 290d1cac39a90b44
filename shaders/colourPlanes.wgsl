// Per-avatar colour (docs/formats.md, "colour planes"): three planes of logit offsets added to
// the decoder's r, g, b before their sigmoid, looked up like the tri-plane (xy, xz, yz; the sum).
// The xy plane fades out towards the back of the head (NOFA_COLOUR_XY_FROM..TO in normalised z, made
// from plugin/volume/colourPlaneFade.ts), so the face's colours do not show on the back of the head.
// Photo reconstruction fits them; an avatar without them binds planes of zeros.
// Needs `nofaColourPlanes: texture_2d_array<f32>` (3 rgba16float layers, plane = layer, rgb used)
// and its `nofaColourPlanesSampler` (linear, clamp).
fn nofaColourOffset(u: vec3<f32>) -> vec3<f32> {
    let uv = u * 0.5 + 0.5;
    let front = smoothstep(NOFA_COLOUR_XY_FROM, NOFA_COLOUR_XY_TO, u.z);
    return front * textureSampleLevel(nofaColourPlanes, nofaColourPlanesSampler, uv.xy, 0, 0.0).xyz
        + textureSampleLevel(nofaColourPlanes, nofaColourPlanesSampler, uv.xz, 1, 0.0).xyz
        + textureSampleLevel(nofaColourPlanes, nofaColourPlanesSampler, uv.yz, 2, 0.0).xyz;
}
