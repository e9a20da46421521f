// The float side of scripts/train-mnist.mjs: a small dense ReLU network trained with Adam, in plain
// Float32Array loops (no dependencies), deterministic — a seeded PRNG, a fixed order, and only IEEE
// operations (+ − × ÷ √ and Math.exp in the softmax), so the same Node version gives the same bits.
// Weights are kept input-major (W[i·out + o]) while training: MNIST inputs and ReLU activations are
// mostly zero, so the forward and the weight gradient only walk the rows of the non-zero inputs.

/**
 * mulberry32: a tiny seeded PRNG; returns floats in [0, 1) with 32 bits of state.
 * @example const rand = seededRandom(1); rand() // 0.627…
 */
export function seededRandom (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A fresh network of the given layer sizes (He-uniform weights, zero biases).
 * @example const net = createMlp([784, 128, 64, 10], seededRandom(1))
 */
export function createMlp (sizes, rand) {
  const W = []
  const b = []
  for (let l = 0; l + 1 < sizes.length; l++) {
    const n = sizes[l]
    const m = sizes[l + 1]
    const limit = Math.sqrt(6 / n)
    const w = new Float32Array(n * m)
    for (let k = 0; k < w.length; k++) w[k] = (rand() * 2 - 1) * limit
    W.push(w)
    b.push(new Float32Array(m))
  }
  return { sizes: [...sizes], W, b }
}

/** Scratch buffers for one sample's forward and backward pass. */
function scratch (sizes) {
  return {
    act: sizes.map(n => new Float32Array(n)), // act[0] = input, act[l] = ReLU output (logits last)
    nz: sizes.map(n => new Int32Array(n)), // indices of the non-zero entries of act[l]
    nzCount: new Int32Array(sizes.length),
    delta: sizes.map(n => new Float32Array(n))
  }
}

/** Forward pass of one sample already in s.act[0]; leaves the logits in the last act. */
function forward (net, s) {
  const L = net.W.length
  for (let l = 0; l < L; l++) {
    const x = s.act[l]
    const nz = s.nz[l]
    let c = 0
    for (let i = 0; i < x.length; i++) if (x[i] !== 0) nz[c++] = i
    s.nzCount[l] = c
    const m = net.sizes[l + 1]
    const y = s.act[l + 1]
    const w = net.W[l]
    y.set(net.b[l])
    for (let k = 0; k < c; k++) {
      const i = nz[k]
      const v = x[i]
      const row = i * m
      for (let o = 0; o < m; o++) y[o] += v * w[row + o]
    }
    if (l + 1 < L) for (let o = 0; o < m; o++) if (y[o] < 0) y[o] = 0
  }
}

/** Softmax cross-entropy gradient into the last delta; returns the sample's loss. */
function lossGrad (s, label) {
  const z = s.act[s.act.length - 1]
  const d = s.delta[s.delta.length - 1]
  let max = -Infinity
  for (let o = 0; o < z.length; o++) if (z[o] > max) max = z[o]
  let sum = 0
  for (let o = 0; o < z.length; o++) { d[o] = Math.exp(z[o] - max); sum += d[o] }
  for (let o = 0; o < z.length; o++) d[o] /= sum
  const loss = -Math.log(Math.max(d[label], 1e-30))
  d[label] -= 1
  return loss
}

/** Backward pass: accumulates weight and bias gradients into g. */
function backward (net, s, g) {
  for (let l = net.W.length - 1; l >= 0; l--) {
    const m = net.sizes[l + 1]
    const d = s.delta[l + 1]
    const x = s.act[l]
    const nz = s.nz[l]
    const c = s.nzCount[l]
    const gw = g.W[l]
    const gb = g.b[l]
    for (let o = 0; o < m; o++) gb[o] += d[o]
    for (let k = 0; k < c; k++) {
      const i = nz[k]
      const v = x[i]
      const row = i * m
      for (let o = 0; o < m; o++) gw[row + o] += v * d[o]
    }
    if (l === 0) break
    const w = net.W[l]
    const dx = s.delta[l]
    dx.fill(0)
    for (let k = 0; k < c; k++) { // ReLU: only inputs that were positive pass a gradient
      const i = nz[k]
      const row = i * m
      let acc = 0
      for (let o = 0; o < m; o++) acc += w[row + o] * d[o]
      dx[i] = acc
    }
  }
}

/** Copies image `idx` of `pixels` (int8 0…127, 28×28) into `dst` as floats v/127, shifted by (dx, dy). */
function loadShifted (pixels, idx, dst, dx, dy) {
  dst.fill(0)
  const base = idx * 784
  for (let y = 0; y < 28; y++) {
    const sy = y - dy
    if (sy < 0 || sy > 27) continue
    for (let x = 0; x < 28; x++) {
      const sx = x - dx
      if (sx < 0 || sx > 27) continue
      dst[y * 28 + x] = pixels[base + sy * 28 + sx] / 127
    }
  }
}

/**
 * Trains `net` in place with Adam on `{ pixels (n×784 int8), labels, count }`: shuffled mini-batches,
 * learning rate decayed linearly to `lr·lrEnd`, optional random shifts of up to `shift` pixels.
 * @example trainMlp(net, train, { epochs: 12, batch: 32, lr: 0.002, shift: 1, rand: seededRandom(7) })
 */
export function trainMlp (net, data, o) {
  const { epochs, batch, lr, rand } = o
  const shift = o.shift ?? 0
  const lrEnd = o.lrEnd ?? 0.05
  const b1 = 0.9
  const b2 = 0.999
  const eps = 1e-8
  const params = [...net.W, ...net.b]
  const g = { W: net.W.map(w => new Float32Array(w.length)), b: net.b.map(b => new Float32Array(b.length)) }
  const grads = [...g.W, ...g.b]
  const m1 = params.map(p => new Float32Array(p.length))
  const m2 = params.map(p => new Float32Array(p.length))
  const s = scratch(net.sizes)
  const order = new Int32Array(data.count)
  for (let i = 0; i < order.length; i++) order[i] = i
  const steps = epochs * Math.ceil(data.count / batch)
  let t = 0
  for (let e = 0; e < epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) { // Fisher–Yates
      const j = Math.floor(rand() * (i + 1))
      const tmp = order[i]; order[i] = order[j]; order[j] = tmp
    }
    let loss = 0
    for (let start = 0; start < order.length; start += batch) {
      const end = Math.min(order.length, start + batch)
      for (const gr of grads) gr.fill(0)
      for (let k = start; k < end; k++) {
        const idx = order[k]
        const dx = shift > 0 ? Math.floor(rand() * (2 * shift + 1)) - shift : 0
        const dy = shift > 0 ? Math.floor(rand() * (2 * shift + 1)) - shift : 0
        loadShifted(data.pixels, idx, s.act[0], dx, dy)
        forward(net, s)
        loss += lossGrad(s, data.labels[idx])
        backward(net, s, g)
      }
      t++
      const rate = lr * (1 - (1 - lrEnd) * (t - 1) / Math.max(1, steps - 1))
      const inv = 1 / (end - start)
      const c1 = 1 / (1 - b1 ** t)
      const c2 = 1 / (1 - b2 ** t)
      for (let p = 0; p < params.length; p++) {
        const w = params[p]; const gr = grads[p]; const a = m1[p]; const v = m2[p]
        for (let k = 0; k < w.length; k++) {
          const gk = gr[k] * inv
          a[k] = b1 * a[k] + (1 - b1) * gk
          v[k] = b2 * v[k] + (1 - b2) * gk * gk
          w[k] -= rate * (a[k] * c1) / (Math.sqrt(v[k] * c2) + eps)
        }
      }
    }
    o.onEpoch?.(e + 1, loss / order.length)
  }
  return net
}

/**
 * The float network's predicted class for each image of `{ pixels, count }` (inputs v/127, unshifted).
 * @example const preds = predictMlp(net, heldOut)
 */
export function predictMlp (net, data) {
  const s = scratch(net.sizes)
  const out = new Uint8Array(data.count)
  for (let n = 0; n < data.count; n++) {
    loadShifted(data.pixels, n, s.act[0], 0, 0)
    forward(net, s)
    const z = s.act[s.act.length - 1]
    let best = 0
    for (let o = 1; o < z.length; o++) if (z[o] > z[best]) best = o
    out[n] = best
  }
  return out
}
