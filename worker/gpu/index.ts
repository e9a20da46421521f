/** worker/gpu: the WGSL int8 kernels and the WebGPU runner (pure WebGPU API: browser Worker or Node/Dawn). */
export * from './errors.js'
export * from './runner.js'
export { matmulSource, REQUANT_SOURCE, ARGMAX_SOURCE, MATMUL_TILE, type DotPath } from './wgsl.js'
export { packRows, packTransposed, unpackRows, wordsFor } from './pack.js'
