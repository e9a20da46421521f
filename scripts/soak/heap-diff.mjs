#!/usr/bin/env node
// What grew between two V8 heap snapshots of one process (the soak's `--heap-snapshots` writes them
// into OUT/heap/): objects grouped by kind and constructor name, with the change in count and in
// self size, biggest growth first. Self size only (not retained size): enough to point at the kind
// of object that piles up; open the two files in Chrome DevTools' comparison view to follow retainers.
//   node scripts/soak/heap-diff.mjs OLD.heapsnapshot NEW.heapsnapshot [--top 25]
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

const { positionals, values } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } })
if (positionals.length !== 2) { process.stderr.write('usage: heap-diff.mjs OLD.heapsnapshot NEW.heapsnapshot [--top N]\n'); process.exit(2) }

/** Sums count and self size per "kind name" of one snapshot. */
export function summarize (path) {
  const snap = JSON.parse(readFileSync(path, 'utf8'))
  const fields = snap.snapshot.meta.node_fields
  const types = snap.snapshot.meta.node_types[0]
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f))
  const width = fields.length
  const groups = new Map()
  let total = 0
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]]
    // strings and code are grouped by kind only: their "name" is their content
    const name = type === 'object' || type === 'closure' || type === 'native' ? snap.strings[snap.nodes[i + iName]] : ''
    const key = `${type} ${name}`.trim()
    const size = snap.nodes[i + iSize]
    const g = groups.get(key) ?? { count: 0, size: 0 }
    g.count++
    g.size += size
    groups.set(key, g)
    total += size
  }
  return { groups, total }
}

const mib = (b) => `${(b / 2 ** 20).toFixed(2)} MiB`
const [a, b] = positionals.map(summarize)
const rows = [...new Set([...a.groups.keys(), ...b.groups.keys()])].map((k) => {
  const x = a.groups.get(k) ?? { count: 0, size: 0 }
  const y = b.groups.get(k) ?? { count: 0, size: 0 }
  return { k, dCount: y.count - x.count, dSize: y.size - x.size, size: y.size }
}).sort((p, q) => q.dSize - p.dSize)
console.log(`self size: ${mib(a.total)} → ${mib(b.total)} (${b.total >= a.total ? '+' : ''}${mib(b.total - a.total)})`)
for (const r of rows.slice(0, Number(values.top))) console.log(`${(r.dSize >= 0 ? '+' : '') + mib(r.dSize)}\t${r.dCount >= 0 ? '+' : ''}${r.dCount}\t${mib(r.size)}\t${r.k}`)
