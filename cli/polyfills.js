// Node 20 lacks Promise.withResolvers (libp2p 3 and Helia call it). Loaded before anything else,
// by the `glowmesh` launcher and by vitest's setupFiles, so every entry point sees the same runtime.
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers () {
      let resolve, reject
      const promise = new this((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    }
  })
}
