/**
 * Typed errors of the WebGPU compute runner (GlowmeshError: stable `name` and `code`). There is no
 * silent CPU fallback: no adapter is WebGpuUnavailableError, and the caller picks the CPU path itself.
 */
import { GlowmeshError } from '../../protocol/errors.js'

/** No WebGPU here (no `navigator.gpu`, no adapter, no device, or Dawn/libvulkan can't load); `message` says which. @example if (err.name === 'WebGpuUnavailableError') useCpu() */
export class WebGpuUnavailableError extends GlowmeshError {
  override name = 'WebGpuUnavailableError'
  constructor (message: string, options?: { cause?: unknown }) { super('WEBGPU_UNAVAILABLE', message, options) }
}

/** The device reported a validation, out-of-memory or internal error for a submitted step. @example if (err.name === 'WebGpuError') useCpu() */
export class WebGpuError extends GlowmeshError {
  override name = 'WebGpuError'
  constructor (message: string, options?: { cause?: unknown }) { super('WEBGPU_ERROR', message, options) }
}

/** The GPU device was lost (driver reset, `destroy()`); create a new runner. @example if (err.name === 'WebGpuDeviceLostError') useCpu() */
export class WebGpuDeviceLostError extends GlowmeshError {
  override name = 'WebGpuDeviceLostError'
  constructor (message: string, options?: { cause?: unknown }) { super('WEBGPU_DEVICE_LOST', message, options) }
}

/** The call's (or the runner's) AbortSignal fired; a dispatch already submitted still finishes on the GPU, its result is dropped. @example if (err.name === 'WebGpuAbortedError') useCpu() */
export class WebGpuAbortedError extends GlowmeshError {
  override name = 'WebGpuAbortedError'
  constructor (message: string, options?: { cause?: unknown }) { super('WEBGPU_ABORTED', message, options) }
}
