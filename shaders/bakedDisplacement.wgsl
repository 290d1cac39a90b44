// The deformed point (displacementJoin.wgsl) read from the baked textures at texture coordinate
// `texCoord` (0–1 over the deformed box): both parts filtered trilinearly, then joined. Needs the
// includer's globals `nofaDisplacement` and `nofaDisplacementJump` (texture_3d<f32>) with their
// samplers; the second is read only for a D-Net with a jump.
fn nofaBakedDeformedPoint(texCoord: vec3<f32>) -> NofaDeformedPoint {
    var secondary = vec4<f32>(0.0);
    if (NOFA_DEFORMATION_JUMP) {
        secondary = textureSampleLevel(nofaDisplacementJump, nofaDisplacementJumpSampler, texCoord, 0.0);
    }
    return nofaJoinField(textureSampleLevel(nofaDisplacement, nofaDisplacementSampler, texCoord, 0.0), secondary);
}
