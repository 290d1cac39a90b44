// The backward field's two smooth parts joined at its jump (models/deformation.py): w·Δx =
// smooth + sigmoid(k·s)·jump, where `smoothAndSelector` holds w·a in xyz and s in w, and `jump`
// holds w·j. The sigmoid comes after any filtering, so a baked texture keeps the jump sharp.
// Needs the generated constants NOFA_DEFORMATION_JUMP (bool) and NOFA_JUMP_SHARPNESS (k);
// without a jump the field is `smoothAndSelector.xyz`.
fn nofaJoinDisplacement(smoothAndSelector: vec4<f32>, jump: vec3<f32>) -> vec3<f32> {
    if (NOFA_DEFORMATION_JUMP) {
        return smoothAndSelector.xyz + jump / (1.0 + exp(-NOFA_JUMP_SHARPNESS * smoothAndSelector.w));
    }
    return smoothAndSelector.xyz;
}
