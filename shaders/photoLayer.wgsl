// Per-avatar photo layer (docs/formats.md, "photo layer"): what one photo shows, looked up at a
// canonical point through the photo camera's projection (so it moves with the deformation): the
// photo's colour where its first surface is (trusted by colour.a), and a slab of density between
// a front and a back distance along the pixel's ray (hair, the neck's outline).
// An avatar without one binds 1 × 1 zero textures and a zero projection (h.z = 0: no effect).
// Needs `nofaPhotoColour: texture_2d<f32>` (rgba8unorm) + `nofaPhotoColourSampler` and
// `nofaPhotoDepth: texture_2d<f32>` (rgba16float) + `nofaPhotoDepthSampler` (linear, clamp).
struct NofaPhotoSample {
    // The photo's colour here (bilinear): the slab's colour.
    colour: vec3<f32>,
    // The photo's colour of the surface this point lies on (its texels of matching depth).
    surfaceColour: vec3<f32>,
    // How far `surfaceColour` replaces the volume's at this point (0..1).
    surfaceWeight: f32,
    // Slab density, 1/cm.
    density: f32,
    // Share of the volume's own density kept here: the photo saw its surface through this point, so what
    // lies well in front of that surface is empty space (floaters of the generated volume).
    volumeKept: f32,
};

// Depth (cm) over which a texel's surface stops counting as this point's, where texels of different depth meet.
const NOFA_PHOTO_DEPTH_SIGMA = 0.5;
// Cosines of the angle between the photo's ray and the view's ray over which the photo's colour goes from
// trusted by how squarely the photo saw the surface to trusted wholly (the photo's own view shows the photo).
const NOFA_PHOTO_ALIGNED_FROM = 0.99452; // 6°
const NOFA_PHOTO_ALIGNED_TO = 0.99985; // 1°

// Depth in front of the photo's surface (cm) over which the volume's own density goes from kept to emptied.
const NOFA_PHOTO_FREE_FROM = 1.0;
const NOFA_PHOTO_FREE_TO = 2.0;

// `projection`: rows 0..2 the layer's 3 × 4 projection (canonical cm → (u·w, v·w, w)), row 3 the
// photo camera's centre (canonical cm) and 1. `viewDirection`: the unit ray direction at this point
// (zero: no view-dependent trust).
fn nofaPhotoSample(xc: vec3<f32>, projection: mat4x4<f32>, viewDirection: vec3<f32>) -> NofaPhotoSample {
    var s = NofaPhotoSample(vec3<f32>(0.0), vec3<f32>(0.0), 0.0, 0.0, 1.0);
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
    s.colour = c.rgb;
    let slab = smoothstep(d.y - 0.3, d.y + 0.3, h.z) * (1.0 - smoothstep(d.z - 0.3, d.z + 0.3, h.z));
    s.density = d.w * slab;
    // The surface: the four texels around uv, each weighted by how near its surface lies to this point
    // (so where a nearer surface ends, e.g. the nose in front of the cheek, the two do not mix), faded out
    // 0.6–1.5 cm from the nearest of them.
    let centre = vec3<f32>(projection[0].w, projection[1].w, projection[2].w);
    let aligned = smoothstep(NOFA_PHOTO_ALIGNED_FROM, NOFA_PHOTO_ALIGNED_TO, dot(normalize(xc - centre), viewDirection));
    if (c.a <= 0.0 && aligned <= 0.0) {
        // No texel around trusts its colour (c.a is their bilinear mean) and the view is not the photo's: no weight.
        return s;
    }
    let size = vec2<i32>(textureDimensions(nofaPhotoColour));
    let texel = uv * vec2<f32>(size) - 0.5;
    let corner = floor(texel);
    let f = texel - corner;
    var colourSum = vec3<f32>(0.0);
    var trustSum = 0.0;
    var weightSum = 0.0;
    var nearest = 1e9;
    var farthest = -1e9;
    for (var k = 0; k < 4; k++) {
        let offset = vec2<i32>(k & 1, k >> 1u);
        let at = clamp(vec2<i32>(corner) + offset, vec2<i32>(0), size - 1);
        let bilinear = select(1.0 - f.x, f.x, offset.x == 1) * select(1.0 - f.y, f.y, offset.y == 1);
        let texelColour = textureLoad(nofaPhotoColour, at, 0);
        let texelDepth = textureLoad(nofaPhotoDepth, at, 0).x;
        let behind = abs(h.z - texelDepth);
        let w = bilinear * exp(-(behind * behind) / (NOFA_PHOTO_DEPTH_SIGMA * NOFA_PHOTO_DEPTH_SIGMA));
        colourSum += w * texelColour.rgb;
        trustSum += w * max(texelColour.a, aligned);
        weightSum += w;
        nearest = min(nearest, behind);
        farthest = max(farthest, texelDepth);
    }
    if (c.a > 0.0) {
        // The photo saw the head here (a texel trusts its colour): the volume 1–2 cm in front of the farthest
        // of the four surfaces fades out (the fitted mesh and the volume's surface differ by millimetres).
        s.volumeKept = 1.0 - smoothstep(NOFA_PHOTO_FREE_FROM, NOFA_PHOTO_FREE_TO, farthest - h.z);
    }
    if (weightSum > 1e-12) {
        s.surfaceColour = colourSum / weightSum;
        s.surfaceWeight = trustSum / weightSum * (1.0 - smoothstep(0.6, 1.5, nearest));
    }
    return s;
}
