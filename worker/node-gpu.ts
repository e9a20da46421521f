/// <reference types="@webgpu/types" />
/**
 * Node only: WebGPU through Dawn (the `webgpu` package) for worker/gpu's runner. Without a hardware
 * Vulkan driver, Chromium's SwiftShader ICD is used (VK_ICD_FILENAMES is set when unset and the file
 * exists). Never import this from a page or a Worker bundle.
 */
import { existsSync } from 'node:fs'
import { WebGpuUnavailableError } from './gpu/errors.js'

/** Chromium's SwiftShader Vulkan ICD (Debian's chromium package). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json'

/**
 * Loads Dawn and returns its `GPU` (pass it to createGpuCompute({ gpu })); throws
 * WebGpuUnavailableError saying why when Dawn can't load (e.g. libvulkan missing) or no adapter exists.
 * @example const gc = await createGpuCompute({ gpu: await createNodeGpu() })
 */
export async function createNodeGpu (options: { dawnOptions?: string[], icd?: string } = {}): Promise<GPU> {
  const env = process.env // Vulkan's loader reads the real environment at each create()
  const icd = options.icd ?? SWIFTSHADER_ICD
  if ((env.VK_ICD_FILENAMES ?? '') === '' && existsSync(icd)) env.VK_ICD_FILENAMES = icd
  let mod: { create: (o: string[]) => GPU }
  try {
    mod = await import('webgpu') as unknown as { create: (o: string[]) => GPU }
  } catch (cause) {
    throw new WebGpuUnavailableError(`Dawn (the 'webgpu' package) failed to load: ${(cause as Error)?.message ?? String(cause)} (is libvulkan1 installed?)`, { cause })
  }
  let gpu: GPU
  try { gpu = mod.create(options.dawnOptions ?? []) } catch (cause) {
    throw new WebGpuUnavailableError(`Dawn's create() failed: ${(cause as Error)?.message ?? String(cause)}`, { cause })
  }
  const adapter = await gpu.requestAdapter().catch((cause: unknown) => { throw new WebGpuUnavailableError(`Dawn requestAdapter() failed: ${(cause as Error)?.message ?? String(cause)}`, { cause }) })
  if (adapter === null) {
    throw new WebGpuUnavailableError(`Dawn found no GPU adapter (VK_ICD_FILENAMES=${env.VK_ICD_FILENAMES ?? 'unset'}; ${existsSync(icd) ? '' : `${icd} is missing; `}install libvulkan1 and a Vulkan driver, or Debian's chromium for SwiftShader)`)
  }
  return gpu
}
