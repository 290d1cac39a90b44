// Front-to-back raymarching of the deformed tri-plane volume, in the canonical frame (ICT cm).
// Needs: nofaCommon, mlp, positionalEncoding, triplane, colourPlanes, photoLayer, deformation, bakedDisplacement, eyelids and the generated networks;
// globals `nofaDisplacement` and `nofaDisplacementJump` (texture_3d<f32>, each with its sampler: the
// baked backward field over the deformed box, bakeDeformation.wgsl), `nofaStretchKept` (texture_3d<f32>
// with its sampler: the stretch carve's share of density kept over the same texels, stretchCarve.wgsl; read
// only when NOFA_STRETCH_CARVE) and `nofaOccupancy: array<u32>` (dilated occupancy over the deformed box).

struct NofaRayParams {
    canonicalMin: vec3<f32>,
    canonicalMax: vec3<f32>,
    deformedMin: vec3<f32>,
    deformedMax: vec3<f32>,
    occupancyDims: vec3<u32>,
    // Distance between samples, cm.
    stepSize: f32,
    maxSteps: u32,
    // true: evaluate D-Net/W-Net at every sample (reference); false: read the baked texture.
    perSampleDeformation: bool,
    skipEmpty: bool,
    // The photo layer's projection (photoLayer.wgsl; zero: no layer).
    photoProjection: mat4x4<f32>,
    // Samples per step in the window around the first surface a ray meets (1: no refinement).
    surfaceSubsteps: u32,
    // How far the inside of an opened mouth is darkened (0: not at all, 1: fully; see below).
    cavityShading: f32,
};

// A sample whose optical depth over the full step exceeds this (−ln 0.98: opacity 2 %) starts the surface window.
const NOFA_SURFACE_DEPTH: f32 = 0.0202027;
// The window reaches this many steps past the sample that started it.
const NOFA_SURFACE_WINDOW_STEPS: f32 = 3.0;

// Mouth cavity shading: light reaches the inside of an open mouth only through the gap between the
// lips, so what a ray meets deep behind that gap is darker. A ray enters the gap where the stretch carve
// removes at least NOFA_CAVITY_ENTRY of the decoder's optical depth in one step (the lips' seam that the
// open mouth's map squeezes); what it meets from NOFA_CAVITY_FROM to NOFA_CAVITY_TO cm farther on is
// darkened down to NOFA_CAVITY_FLOOR of its colour (teeth just behind the lips stay bright, the throat dark).
const NOFA_CAVITY_ENTRY: f32 = 0.1;
const NOFA_CAVITY_FROM: f32 = 1.5;
const NOFA_CAVITY_TO: f32 = 4.5;
const NOFA_CAVITY_FLOOR: f32 = 0.15;

struct NofaRayResult {
    // Premultiplied colour and coverage.
    color: vec3<f32>,
    alpha: f32,
    // Expected termination distance along the ray (valid where alpha > 0).
    depthT: f32,
    // Samples evaluated (displacement + decoder), for the benchmark.
    samples: f32,
};

// w·Δx at the deformed point x (cm).
fn nofaDisplacementAt(x: vec3<f32>, p: NofaRayParams) -> vec3<f32> {
    if (p.perSampleDeformation) {
        return nofaBackwardDisplacement(nofaToUnit(x, p.canonicalMin, p.canonicalMax));
    }
    let texCoord = (x - p.deformedMin) / (p.deformedMax - p.deformedMin);
    return nofaBakedDisplacement(texCoord);
}

// The share of density kept at the deformed point x by the stretch carve (1 without one). Baked in both
// deformation modes: the bake runs in both.
fn nofaStretchKeptAt(x: vec3<f32>, p: NofaRayParams) -> f32 {
    if (!NOFA_STRETCH_CARVE) {
        return 1.0;
    }
    let texCoord = (x - p.deformedMin) / (p.deformedMax - p.deformedMin);
    return textureSampleLevel(nofaStretchKept, nofaStretchKeptSampler, texCoord, 0.0).x;
}

fn nofaCellIndex(cell: vec3<u32>, dims: vec3<u32>) -> u32 {
    return cell.x + dims.x * (cell.y + dims.y * cell.z);
}

// Samples sit on the lattice t = tStart + (i + 0.5)·stepSize, with or without skipping, so
// skipping only drops samples in empty cells and leaves the others where they were. The first sample
// whose optical depth exceeds NOFA_SURFACE_DEPTH is not composited: with surfaceSubsteps > 1 the ray goes
// back to the previous sample and marches at stepSize / surfaceSubsteps to NOFA_SURFACE_WINDOW_STEPS
// steps past it (the interval from the previous sample's centre, which it half counted already, to the
// end of that last step), then on along the lattice. Thin parts (eyelids, the eyes' rims) that fall
// between two samples are then seen; samples in front of the first surface are unchanged.
fn nofaRaymarch(ro: vec3<f32>, rd: vec3<f32>, p: NofaRayParams) -> NofaRayResult {
    var r = NofaRayResult(vec3<f32>(0.0), 0.0, 0.0, 0.0);
    let hit = nofaRayBox(ro, rd, p.deformedMin, p.deformedMax);
    let tStart = max(hit.x, 0.0);
    if (hit.y <= tStart) {
        return r;
    }
    let dt = p.stepSize;
    let steps = min(u32(ceil((hit.y - tStart) / dt)), p.maxSteps);
    let cellSize = (p.deformedMax - p.deformedMin) / vec3<f32>(p.occupancyDims);
    let fineDt = dt / f32(max(p.surfaceSubsteps, 1u));
    var refined = p.surfaceSubsteps <= 1u;
    var fineLeft = 0u;
    var tFine = 0.0;
    var transmittance = 1.0;
    var weightedT = 0.0;
    var cavityT = -1.0;
    var i = 0u;
    loop {
        var t = tFine;
        var sampleDt = fineDt;
        if (fineLeft > 0u) {
            tFine = tFine + fineDt;
            fineLeft = fineLeft - 1u;
        } else {
            if (i >= steps) {
                break;
            }
            t = tStart + (f32(i) + 0.5) * dt;
            sampleDt = dt;
            let x = ro + rd * t;
            if (p.skipEmpty) {
                let cellF = clamp(floor((x - p.deformedMin) / cellSize), vec3<f32>(0.0), vec3<f32>(p.occupancyDims - 1u));
                let cell = vec3<u32>(cellF);
                if (nofaOccupancy[nofaCellIndex(cell, p.occupancyDims)] == 0u) {
                    let cellMin = p.deformedMin + cellF * cellSize;
                    let exitT = nofaRayBox(ro, rd, cellMin, cellMin + cellSize).y;
                    i = max(u32(max(ceil((exitT - tStart) / dt - 0.5), 0.0)), i + 1u);
                    continue;
                }
            }
            i = i + 1u;
        }
        let x = ro + rd * t;
        r.samples += 1.0;
        // The eyelid rig's map (the lids alone; identity without a rig), then the learned field's w·Δx.
        let xc = nofaEyelidBackward(x) + nofaDisplacementAt(x, p);
        // The photo layer: its colour at the surface it saw, its slab's density and colour. Its slab
        // (hair) may reach beyond the canonical box, where the decoder has no volume.
        let ph = nofaPhotoSample(xc, p.photoProjection, rd);
        var densityVolume = 0.0;
        var colourVolume = vec3<f32>(0.0);
        if (all(xc >= p.canonicalMin) && all(xc <= p.canonicalMax)) {
            let uc = nofaToUnit(xc, p.canonicalMin, p.canonicalMax);
            let o = nofaDecodeRaw(uc);
            densityVolume = nofaSoftplus(o.x) * ph.volumeKept;
            let logits = o.yzw + nofaColourOffset(uc);
            colourVolume = vec3<f32>(nofaSigmoid(logits.x), nofaSigmoid(logits.y), nofaSigmoid(logits.z));
        } else if (ph.density <= 0.0) {
            continue;
        }
        let colourSurface = mix(colourVolume, ph.surfaceColour, ph.surfaceWeight);
        let kept = nofaStretchKeptAt(x, p);
        if (cavityT < 0.0 && p.cavityShading > 0.0 && densityVolume * (1.0 - kept) * dt > NOFA_CAVITY_ENTRY) {
            cavityT = t;
        }
        let density = (densityVolume + ph.density) * kept;
        if (!refined && density * dt > NOFA_SURFACE_DEPTH) {
            // The surface window (see above); this sample's interval is marched again, finely.
            refined = true;
            fineLeft = u32(ceil((NOFA_SURFACE_WINDOW_STEPS + 1.5) * f32(p.surfaceSubsteps)));
            tFine = t - dt + 0.5 * fineDt;
            i = i + u32(NOFA_SURFACE_WINDOW_STEPS);
            continue;
        }
        var colour = (densityVolume * colourSurface + ph.density * ph.colour) / max(densityVolume + ph.density, 1e-6);
        if (cavityT >= 0.0) {
            colour *= 1.0 - p.cavityShading * (1.0 - NOFA_CAVITY_FLOOR) * smoothstep(NOFA_CAVITY_FROM, NOFA_CAVITY_TO, t - cavityT);
        }
        let a = 1.0 - exp(-density * sampleDt);
        let w = transmittance * a;
        r.color += w * colour;
        weightedT += w * t;
        transmittance *= 1.0 - a;
        if (transmittance < 0.004) {
            break;
        }
    }
    r.alpha = 1.0 - transmittance;
    if (r.alpha > 0.0) {
        r.depthT = weightedT / r.alpha;
    }
    return r;
}
