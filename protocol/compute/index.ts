/** protocol/compute: the int8 model format, the CPU reference, traces, Freivalds, verification and result documents. */
export * from './errors.js'
export * from './quant.js'
export * from './model.js'
export * from './infer.js'
export * from './trace.js'
export * from './freivalds.js'
export * from './verify.js'
export * from './result.js'
