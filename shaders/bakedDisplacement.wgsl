// w·Δx (cm) read from the baked textures at texture coordinate `texCoord` (0–1 over the deformed
// box): both parts filtered trilinearly, then joined (displacementJoin.wgsl). Needs the includer's
// globals `nofaDisplacement` and `nofaDisplacementJump` (texture_3d<f32>) with their samplers.
fn nofaBakedDisplacement(texCoord: vec3<f32>) -> vec3<f32> {
    var jump = vec3<f32>(0.0);
    if (NOFA_DEFORMATION_JUMP) {
        jump = textureSampleLevel(nofaDisplacementJump, nofaDisplacementJumpSampler, texCoord, 0.0).xyz;
    }
    return nofaJoinDisplacement(textureSampleLevel(nofaDisplacement, nofaDisplacementSampler, texCoord, 0.0), jump);
}
