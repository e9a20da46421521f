// Writes demo/digits.json: 50 held-out MNIST digits (5 per class: held-out index 200·class + 0…4) as
// the model's int8 inputs (base64), for the dashboard's "verify an AI output" panel. Reproducible:
// the digits come from the `mnist` package through cli/compute/mnist.ts (built: node scripts/prepare.mjs).
// Run: node scripts/demo-digits.mjs
import { writeFileSync } from 'node:fs'
import { heldOutDigit } from '../dist/cli/compute/mnist.js'

const digits = []
for (let c = 0; c < 10; c++) {
  for (let i = 0; i < 5; i++) {
    const n = 200 * c + i
    const { pixels, label } = heldOutDigit(n)
    digits.push({ n, label, pixels: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.length).toString('base64') })
  }
}
writeFileSync(new URL('../demo/digits.json', import.meta.url), JSON.stringify({ source: 'mnist package, held-out digits (cli/compute/mnist.ts heldOutDigit)', size: 784, digits }) + '\n')
console.log(`wrote demo/digits.json: ${digits.length} digits`)
