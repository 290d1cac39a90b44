// The backward field's parts joined (models/deformation.py). `primary` holds w·a in xyz and, in w,
// the selector s of a D-Net with a jump, or else the carve c of a D-Net with one; `secondary` holds
// w·j in xyz and, with a jump, the carve c in w. With a jump, w·Δx = w·a + sigmoid(k·s)·w·j; with a
// carve, the density found at x_c is multiplied by 1 − sigmoid(k·c). The sigmoids come after any
// filtering, so a baked texture keeps the jump and the carve's edge sharp. Needs the generated
// constants NOFA_DEFORMATION_JUMP, NOFA_JUMP_SHARPNESS, NOFA_DEFORMATION_CARVE and NOFA_CARVE_SHARPNESS.

// A deformed point: where it comes from in the canonical volume, and the share of density kept there.
struct NofaDeformedPoint {
    // w·Δx (cm): x_c = x_d + displacement.
    displacement: vec3<f32>,
    // 1 without a carve.
    kept: f32,
};

fn nofaJoinField(primary: vec4<f32>, secondary: vec4<f32>) -> NofaDeformedPoint {
    var displacement = primary.xyz;
    var carve = primary.w;
    if (NOFA_DEFORMATION_JUMP) {
        displacement += secondary.xyz / (1.0 + exp(-NOFA_JUMP_SHARPNESS * primary.w));
        carve = secondary.w;
    }
    var kept = 1.0;
    if (NOFA_DEFORMATION_CARVE) {
        kept = 1.0 / (1.0 + exp(clamp(NOFA_CARVE_SHARPNESS * carve, -60.0, 60.0)));
    }
    return NofaDeformedPoint(displacement, kept);
}
