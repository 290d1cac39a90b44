/** Raw WebGPU in Node (Dawn on lavapipe), see ../shared/TESTING.md §2. */
import { create, globals } from "webgpu";

Object.assign(globalThis, globals);
let _gpu: GPU | undefined;

/** Adapter and device; the GPU instance is kept referenced (TESTING.md P2). */
export async function GetDevice(): Promise<{ adapter: GPUAdapter; device: GPUDevice }> {
    _gpu ??= create([]);
    const adapter = await _gpu.requestAdapter();
    if (!adapter) {
        throw new Error("WebGPU: no adapter (is mesa-vulkan-drivers >= 25 installed? run test/setup/install-system-deps.sh)");
    }
    const device = await adapter.requestDevice();
    return { adapter, device };
}

/** Destroys the device. */
export function ReleaseGpu(device?: GPUDevice): void {
    device?.destroy();
}

/** Copies a buffer back to the CPU. */
export async function ReadBuffer(device: GPUDevice, src: GPUBuffer, size: number): Promise<ArrayBuffer> {
    const rb = device.createBuffer({ size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(src, 0, rb, 0, size);
    device.queue.submit([enc.finish()]);
    await rb.mapAsync(GPUMapMode.READ);
    const out = rb.getMappedRange().slice(0);
    rb.unmap();
    rb.destroy();
    return out;
}

/** A storage buffer holding `data`. */
export function StorageFrom(device: GPUDevice, data: ArrayBufferView, extraUsage = 0): GPUBuffer {
    const size = Math.max(16, Math.ceil(data.byteLength / 4) * 4);
    const buf = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | extraUsage });
    device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
    return buf;
}

/** An empty storage buffer of `size` bytes. */
export function StorageOf(device: GPUDevice, size: number): GPUBuffer {
    return device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
}

/**
 * Compiles `code`, binds `resources` to group 0 bindings in order, dispatches, and fails on
 * any validation or compilation error.
 */
export async function Dispatch(device: GPUDevice, code: string, resources: GPUBindingResource[], workgroups: [number, number, number]): Promise<void> {
    device.pushErrorScope("validation");
    const module = device.createShaderModule({ code });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === "error");
    if (errors.length) {
        throw new Error("WGSL: " + errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join("\n"));
    }
    const pipeline = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
    const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: resources.map((resource, binding) => ({ binding, resource })) });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(...workgroups);
    pass.end();
    device.queue.submit([enc.finish()]);
    const error = await device.popErrorScope();
    if (error) {
        throw new Error("WebGPU validation: " + error.message);
    }
}
