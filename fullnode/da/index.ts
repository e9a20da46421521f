// fullnode/da: Node-only DA pieces (the native KZG backend).
export { createNativeKzg, type NativeKzg, type NativeKzgOptions } from './native-kzg.js'
