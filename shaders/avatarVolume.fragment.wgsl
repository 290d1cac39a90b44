// Babylon WGSL: raymarches the avatar volume for the back faces of its proxy box. The maths lives
// in plain WGSL (raymarch.wgsl and what it includes), inserted at NOFA_FUNCTIONS, so the Node
// tests run exactly this code. Writes premultiplied colour and the depth of the expected
// termination point, so meshes in front of and behind the head composite per pixel.
#include<sceneUboDeclaration>
#include<meshUboDeclaration>

varying vLocal : vec3<f32>;

uniform invWorld : mat4x4<f32>;
uniform canonicalMin : vec3<f32>;
uniform canonicalMax : vec3<f32>;
uniform deformedMin : vec3<f32>;
uniform deformedMax : vec3<f32>;
uniform occupancyDims : vec3<f32>;
uniform stepSize : f32;
uniform maxSteps : f32;
uniform perSampleDeformation : f32;
uniform skipEmpty : f32;
uniform showSampleCount : f32;
uniform photoProjection : mat4x4<f32>;
uniform surfaceSubsteps : f32;
uniform cavityShading : f32;

var nofaTriplaneSampler : sampler;
var nofaTriplane : texture_2d_array<f32>;
var nofaColourPlanesSampler : sampler;
var nofaColourPlanes : texture_2d_array<f32>;
var nofaPhotoColourSampler : sampler;
var nofaPhotoColour : texture_2d<f32>;
var nofaPhotoDepthSampler : sampler;
var nofaPhotoDepth : texture_2d<f32>;
var nofaDisplacementSampler : sampler;
var nofaDisplacement : texture_3d<f32>;
var nofaDisplacementJumpSampler : sampler;
var nofaDisplacementJump : texture_3d<f32>;
var nofaStretchKeptSampler : sampler;
var nofaStretchKept : texture_3d<f32>;
var<storage, read> nofaWeights : array<f32>;
var<storage, read> nofaDynamic : array<f32>;
var<storage, read> nofaOccupancy : array<u32>;

//NOFA_FUNCTIONS

@fragment
fn main(input : FragmentInputs) -> FragmentOutputs {
    var ro = (uniforms.invWorld * vec4<f32>(scene.vEyePosition.xyz, 1.0)).xyz;
    var rd = normalize(fragmentInputs.vLocal - ro);
    if (scene.projection[3][3] > 0.5) {
        // Orthographic camera (its projection keeps w = 1): parallel rays along the camera's axis (the
        // view matrix's third row), pointing away from the eye, started outside the box.
        let axis = normalize((uniforms.invWorld * vec4<f32>(scene.view[0][2], scene.view[1][2], scene.view[2][2], 0.0)).xyz);
        rd = select(axis, -axis, dot(axis, fragmentInputs.vLocal - ro) < 0.0);
        ro = fragmentInputs.vLocal - rd * (2.0 * distance(uniforms.deformedMin, uniforms.deformedMax));
    }
    let params = NofaRayParams(uniforms.canonicalMin, uniforms.canonicalMax, uniforms.deformedMin, uniforms.deformedMax,
        vec3<u32>(uniforms.occupancyDims), uniforms.stepSize, u32(uniforms.maxSteps),
        uniforms.perSampleDeformation > 0.5, uniforms.skipEmpty > 0.5, uniforms.photoProjection, u32(uniforms.surfaceSubsteps), uniforms.cavityShading);
    let r = nofaRaymarch(ro, rd, params);
    if (uniforms.showSampleCount > 0.5) {
        // Benchmark view: samples per ray in the red channel (count / 1024), green marks the ray.
        fragmentOutputs.color = vec4<f32>(r.samples / 1024.0, 1.0, 0.0, 1.0);
        fragmentOutputs.fragDepth = 0.0;
        return fragmentOutputs;
    }
    if (r.alpha < 0.004) {
        discard;
    }
    fragmentOutputs.color = vec4<f32>(r.color, r.alpha);
    let clip = scene.viewProjection * (mesh.world * vec4<f32>(ro + rd * r.depthT, 1.0));
    fragmentOutputs.fragDepth = clamp(clip.z / clip.w, 0.0, 1.0);
}
