// The npm registry this project installs from serves only some platform packages of
// @crate-crypto/node-eth-kzg (linux-x64-gnu among them); the lockfile npm writes still lists the
// others as optionalDependencies, and `npm ci` then refuses the lockfile ("Missing: … from lock
// file"). Drop optional dependencies that have no entry of their own. Run after every `npm install`:
// `npm run fix-lock`.
import { readFileSync, writeFileSync } from 'node:fs'

const path = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(path, 'utf8'))
let dropped = 0
for (const [key, entry] of Object.entries(lock.packages)) {
  if (entry.optionalDependencies === undefined) continue
  for (const name of Object.keys(entry.optionalDependencies)) {
    const nested = `${key === '' ? '' : key + '/'}node_modules/${name}`
    if (lock.packages[nested] === undefined && lock.packages[`node_modules/${name}`] === undefined) {
      delete entry.optionalDependencies[name]
      dropped++
    }
  }
}
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n')
process.stderr.write(`fix-lock: dropped ${dropped} unresolvable optional dependencies\n`)
