import { ArkitNames } from "../expression/arkitNames";
import { EncodePngAsync } from "../io/pngEncoder";
import { type IAvatarFallbackPart } from "../loader/avatarGlb";
import { type IctHeadMesh } from "./ictHeadMesh";
import { type IHeadTexture } from "./photoTexture";

const _CmToMetres = 0.01;

/**
 * The fallback meshes of a reconstructed avatar's `.glb`: the fitted 3DMM (identity α, neutral
 * expression) with the projected photo as an unlit texture, the 53 ARKit expressions as morph
 * targets on the skin, and the eyeballs as a second mesh. glTF axes (ICT's: +y up, the face
 * towards +z), metres; vertices are split where ICT's texture seams are.
 * @param mesh the head mesh
 * @param alpha the fitted identity
 * @param textures the projected photo (skin and eyes)
 * @returns the skin and eye parts, for `WriteAvatarGlb`
 */
export async function BuildFallbackMeshAsync(mesh: IctHeadMesh, alpha: ArrayLike<number>, textures: { skin: IHeadTexture; eyes: IHeadTexture }): Promise<IAvatarFallbackPart[]> {
    const positions = mesh.positions(alpha);
    const skin = await _Part("avatar-skin", mesh, positions, 0, mesh.skinTriangleCount, textures.skin, true);
    const eyes = await _Part("avatar-eyes", mesh, positions, mesh.skinTriangleCount, mesh.triangleCount, textures.eyes, false);
    return [skin, eyes];
}

async function _Part(name: string, mesh: IctHeadMesh, positions: Float32Array, from: number, to: number, texture: IHeadTexture, morphs: boolean): Promise<IAvatarFallbackPart> {
    // One output vertex per (mesh vertex, texture coordinate) pair.
    const key = new Map<string, number>();
    const source: number[] = [];
    const uvs: number[] = [];
    const indices: number[] = [];
    for (let t = from; t < to; t++) {
        for (let k = 0; k < 3; k++) {
            const v = mesh.triangles[3 * t + k];
            const u = mesh.cornerUvs[6 * t + 2 * k] / texture.uSpan;
            const w = 1 - mesh.cornerUvs[6 * t + 2 * k + 1];
            const id = `${v}:${u}:${w}`;
            let index = key.get(id);
            if (index === undefined) {
                index = source.length;
                key.set(id, index);
                source.push(v);
                uvs.push(u, w);
            }
            indices.push(index);
        }
    }
    const count = source.length;
    const out = new Float32Array(3 * count);
    source.forEach((v, i) => {
        for (let c = 0; c < 3; c++) {
            out[3 * i + c] = positions[3 * v + c] * _CmToMetres;
        }
    });
    const part: IAvatarFallbackPart = {
        name,
        positions: out,
        normals: _VertexNormals(out, indices),
        uvs: Float32Array.from(uvs),
        indices: count <= 0xffff ? Uint16Array.from(indices) : Uint32Array.from(indices),
        texture: { mimeType: "image/png", bytes: await EncodePngAsync(texture.width, texture.height, Uint8Array.from(texture.rgb, (c) => Math.round(255 * Math.min(Math.max(c, 0), 1)))) },
    };
    if (morphs) {
        const copies = new Map<number, number[]>();
        source.forEach((v, i) => {
            const list = copies.get(v);
            if (list) {
                list.push(i);
            } else {
                copies.set(v, [i]);
            }
        });
        part.morphTargets = mesh.expressions.map((e, m) => {
            const targetIndices: number[] = [];
            const deltas: number[] = [];
            e.indices.forEach((v, j) => {
                for (const i of copies.get(v) ?? []) {
                    targetIndices.push(i);
                    deltas.push(e.deltas[3 * j] * _CmToMetres, e.deltas[3 * j + 1] * _CmToMetres, e.deltas[3 * j + 2] * _CmToMetres);
                }
            });
            // glTF wants sparse indices in increasing order.
            const order = targetIndices.map((_, i) => i).sort((a, b) => targetIndices[a] - targetIndices[b]);
            return {
                name: ArkitNames[m],
                indices: Uint32Array.from(order, (i) => targetIndices[i]),
                deltas: Float32Array.from(order.flatMap((i) => [deltas[3 * i], deltas[3 * i + 1], deltas[3 * i + 2]])),
            };
        });
    }
    return part;
}

/** Area-weighted vertex normals (ICT's triangles wind counter-clockwise seen from outside). */
function _VertexNormals(positions: Float32Array, indices: number[]): Float32Array {
    const normals = new Float32Array(positions.length);
    for (let t = 0; t < indices.length; t += 3) {
        const [a, b, c] = [3 * indices[t], 3 * indices[t + 1], 3 * indices[t + 2]];
        const e1 = [0, 1, 2].map((k) => positions[b + k] - positions[a + k]);
        const e2 = [0, 1, 2].map((k) => positions[c + k] - positions[a + k]);
        const n = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
        for (const v of [a, b, c]) {
            for (let k = 0; k < 3; k++) {
                normals[v + k] += n[k];
            }
        }
    }
    for (let i = 0; i < normals.length; i += 3) {
        const l = Math.hypot(normals[i], normals[i + 1], normals[i + 2]) || 1;
        normals[i] /= l;
        normals[i + 1] /= l;
        normals[i + 2] /= l;
    }
    return normals;
}
