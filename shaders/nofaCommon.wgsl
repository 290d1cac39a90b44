// Small maths shared by every NOFA kernel. Plain WGSL: included verbatim by the Babylon
// material, the compute passes and the Node test harness.

// Ray/axis-aligned-box intersection. Returns (tNear, tFar); the ray misses when tNear > tFar.
fn nofaRayBox(ro: vec3<f32>, rd: vec3<f32>, bmin: vec3<f32>, bmax: vec3<f32>) -> vec2<f32> {
    let safeRd = select(rd, vec3<f32>(1e-8), abs(rd) < vec3<f32>(1e-8));
    let inv = 1.0 / safeRd;
    let t0 = (bmin - ro) * inv;
    let t1 = (bmax - ro) * inv;
    let tmin = min(t0, t1);
    let tmax = max(t0, t1);
    return vec2<f32>(max(max(tmin.x, tmin.y), tmin.z), min(min(tmax.x, tmax.y), tmax.z));
}

// Position in a box mapped to [-1, 1]^3 (the networks' normalised coordinates).
fn nofaToUnit(p: vec3<f32>, bmin: vec3<f32>, bmax: vec3<f32>) -> vec3<f32> {
    return 2.0 * (p - bmin) / (bmax - bmin) - 1.0;
}

// Numerically stable softplus: log(1 + e^x).
fn nofaSoftplus(x: f32) -> f32 {
    return max(x, 0.0) + log(1.0 + exp(-abs(x)));
}

fn nofaSigmoid(x: f32) -> f32 {
    return 1.0 / (1.0 + exp(-x));
}
