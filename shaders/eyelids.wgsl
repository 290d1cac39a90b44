// The eyelid rig (docs/formats.md, "eyelids"; the maths of models/eyelids.py): blinks as a closed-form
// backward map. Per eye, a point's elevation e = atan2(y, z) about the eye's lateral axis through the
// eyeball's centre; the upper lid (canonical e from the margin e_m to e_m + span) turns down by
// blink·θ·h(e − e_m), h = 1 up to the plateau, then falling linearly to 0 at the span (e_m and θ both
// grown by blink·inset: a closing lid shows itself from above its thin, rounded margin); the map inverts
// that at the same distance from the axis, within the shell around the eyeball, between the margin's
// ends (tapering past them). Reads the rig's block of the includer's `nofaDynamic` at NOFA_EYELID_OFFSET:
// per eye centre (3), radius, blink, 3 unused, then the margin's x, elevation and turn (NOFA_EYELID_POINTS
// each, x increasing). Needs the generated constants NOFA_EYELIDS, NOFA_EYELID_OFFSET, NOFA_EYELID_POINTS,
// NOFA_EYELID_INSET, NOFA_EYELID_PLATEAU, NOFA_EYELID_SPAN (radians), NOFA_EYELID_SHELL (cm beyond the radius), NOFA_EYELID_TAPER (cm).

// The margin's value `row` (1: elevation, 2: turn) at x, piecewise linear, held beyond the ends.
fn nofaEyelidMargin(base: u32, row: u32, x: f32) -> f32 {
    let n = NOFA_EYELID_POINTS;
    let xs = base + 8u;
    let xc = clamp(x, nofaDynamic[xs], nofaDynamic[xs + n - 1u]);
    var i = 1u;
    loop {
        if (i >= n - 1u || nofaDynamic[xs + i] >= xc) {
            break;
        }
        i = i + 1u;
    }
    let x0 = nofaDynamic[xs + i - 1u];
    let f = clamp((xc - x0) / max(nofaDynamic[xs + i] - x0, 1e-6), 0.0, 1.0);
    let v = xs + row * n;
    return mix(nofaDynamic[v + i - 1u], nofaDynamic[v + i], f);
}

// The canonical point of the deformed point x (cm) under the lids alone (x where no lid moves it).
fn nofaEyelidBackward(x: vec3<f32>) -> vec3<f32> {
    var out = x;
    if (!NOFA_EYELIDS) {
        return out;
    }
    let n = NOFA_EYELID_POINTS;
    for (var eye = 0u; eye < 2u; eye = eye + 1u) {
        let base = NOFA_EYELID_OFFSET + eye * (8u + 3u * n);
        let blink = nofaDynamic[base + 4u];
        if (blink <= 0.0) {
            continue;
        }
        let centre = vec3<f32>(nofaDynamic[base], nofaDynamic[base + 1u], nofaDynamic[base + 2u]);
        let p = x - centre;
        let shell = (length(p) - nofaDynamic[base + 3u] - NOFA_EYELID_SHELL.x) / (NOFA_EYELID_SHELL.y - NOFA_EYELID_SHELL.x);
        if (shell >= 1.0) {
            continue;
        }
        let t = clamp(shell, 0.0, 1.0);
        let beyond = max(max(nofaDynamic[base + 8u] - p.x, p.x - nofaDynamic[base + 8u + n - 1u]), 0.0);
        let fade = (1.0 - t * t * (3.0 - 2.0 * t)) * max(1.0 - beyond / NOFA_EYELID_TAPER, 0.0);
        let theta = blink * (nofaEyelidMargin(base, 2u, p.x) + NOFA_EYELID_INSET) * fade;
        let margin = nofaEyelidMargin(base, 1u, p.x) + blink * NOFA_EYELID_INSET * fade;
        let e = atan2(p.y, p.z);
        if (theta > 0.0 && e >= margin - theta && e <= margin + NOFA_EYELID_SPAN) {
            let k = theta / (NOFA_EYELID_SPAN - NOFA_EYELID_PLATEAU);
            var ec = (e + k * (margin + NOFA_EYELID_SPAN)) / (1.0 + k);
            if (e <= margin + NOFA_EYELID_PLATEAU - theta) {
                ec = e + theta;
            }
            let rho = length(p.yz);
            out = centre + vec3<f32>(p.x, rho * sin(ec), rho * cos(ec));
        }
    }
    return out;
}
