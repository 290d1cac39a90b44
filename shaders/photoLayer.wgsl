// Per-avatar photo layer (docs/formats.md, "photo layer"): what one photo shows, looked up at a
// canonical point through the photo camera's projection (so it moves with the deformation): the
// photo's colour where its first surface is (trusted by colour.a), and a slab of density between
// a front and a back distance along the pixel's ray (hair, the neck's outline).
// An avatar without one binds 1 × 1 zero textures and a zero projection (h.z = 0: no effect).
// Needs `nofaPhotoColour: texture_2d<f32>` (rgba8unorm) + `nofaPhotoColourSampler` and
// `nofaPhotoDepth: texture_2d<f32>` (rgba16float) + `nofaPhotoDepthSampler` (linear, clamp).
struct NofaPhotoSample {
    colour: vec3<f32>,
    // How far the photo's colour replaces the volume's at this point (0..1).
    surfaceWeight: f32,
    // Slab density, 1/cm.
    density: f32,
};

// `projection`: rows 0..2 the layer's 3 × 4 projection (canonical cm → (u·w, v·w, w)), row 3 unused.
fn nofaPhotoSample(xc: vec3<f32>, projection: mat4x4<f32>) -> NofaPhotoSample {
    var s = NofaPhotoSample(vec3<f32>(0.0), 0.0, 0.0);
    let h = projection * vec4<f32>(xc, 1.0);
    if (h.z <= 1e-3) {
        return s;
    }
    let uv = h.xy / h.z;
    if (any(uv < vec2<f32>(0.0)) || any(uv > vec2<f32>(1.0))) {
        return s;
    }
    let c = textureSampleLevel(nofaPhotoColour, nofaPhotoColourSampler, uv, 0.0);
    let d = textureSampleLevel(nofaPhotoDepth, nofaPhotoDepthSampler, uv, 0.0);
    let behind = h.z - d.x;
    s.colour = c.rgb;
    s.surfaceWeight = c.a * (1.0 - smoothstep(0.6, 1.5, abs(behind)));
    let slab = smoothstep(d.y - 0.3, d.y + 0.3, h.z) * (1.0 - smoothstep(d.z - 0.3, d.z + 0.3, h.z));
    s.density = d.w * slab;
    return s;
}
