/**
 * The light node's identity (DESIGN §4): a persistent ed25519 key in key.json format; its public
 * key is the node id and its libp2p peer id. Created on first run, mode 0600, written atomically.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateKey, keyFromFile, keyToFile, type Ed25519Key } from '../../protocol/chain/index.js'

/**
 * Loads key.json at `path`, or creates it.
 * @example const key = await loadOrCreateKey(join(home, 'light', 'key.json')); key.publicKey // 32 bytes: the node id
 */
export async function loadOrCreateKey (path: string): Promise<Ed25519Key> {
  let text: string | undefined
  try { text = await readFile(path, 'utf8') } catch (err: any) { if (err?.code !== 'ENOENT') throw err }
  if (text !== undefined) return keyFromFile(JSON.parse(text))
  const key = generateKey()
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}`
  const fh = await open(tmp, 'w', 0o600)
  try { await fh.writeFile(JSON.stringify(keyToFile(key), null, 2) + '\n'); await fh.sync() } finally { await fh.close() }
  await rename(tmp, path)
  return key
}
