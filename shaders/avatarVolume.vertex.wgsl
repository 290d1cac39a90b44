// Babylon WGSL: the proxy box of an avatar volume. Its local frame is the canonical frame (ICT cm).
#include<sceneUboDeclaration>
#include<meshUboDeclaration>

attribute position : vec3<f32>;
varying vLocal : vec3<f32>;

@vertex
fn main(input : VertexInputs) -> FragmentInputs {
    vertexOutputs.position = scene.viewProjection * mesh.world * vec4<f32>(vertexInputs.position, 1.0);
    vertexOutputs.vLocal = vertexInputs.position;
}
