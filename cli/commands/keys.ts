import { mkdir, readFile, writeFile, access } from 'node:fs/promises'
import { dirname } from 'node:path'
import { type Command, UsageError } from '../command.js'
import { keyPath, parseFlags, takeHome } from '../home.js'
import { generateKey, keyFromFile, keyToFile, bytesToBase64, type Ed25519Key } from '../../protocol/chain/index.js'

async function exists (path: string): Promise<boolean> {
  try { await access(path); return true } catch { return false }
}

/** Reads the named key from the home folder, with a clear error when it's missing. */
export async function loadKey (home: string, name = 'default'): Promise<Ed25519Key> {
  const path = keyPath(home, name)
  let text: string
  try { text = await readFile(path, 'utf8') } catch {
    throw new UsageError(`no key '${name}' in ${dirname(path)}; create one with 'glowmesh keys new${name === 'default' ? '' : ` --name ${name}`}'`)
  }
  return keyFromFile(text)
}

async function saveKey (home: string, name: string, key: Ed25519Key, force: boolean): Promise<string> {
  const path = keyPath(home, name)
  if (!force && await exists(path)) throw new UsageError(`key '${name}' exists already (${path}); pass --force to replace it`)
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  await writeFile(path, JSON.stringify(keyToFile(key), null, 2) + '\n', { mode: 0o600 })
  return path
}

const show = (key: Ed25519Key, json: boolean): string => json
  ? JSON.stringify({ address: key.address, publicKey: bytesToBase64(key.publicKey) }) + '\n'
  : `address    ${key.address}\npublicKey  ${bytesToBase64(key.publicKey)}\n`

/** `glowmesh keys new|show|export|import`: the account keys in the home folder. */
export const keysCommand: Command = {
  path: ['keys'],
  summary: 'manage account keys: new, show, export, import',
  usage: 'glowmesh keys new|show|export|import [FILE] [--name NAME] [--force] [--json] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags, positional } = parseFlags(rest, ['name'], ['force', 'json'])
    const name = (flags.name as string | undefined) ?? 'default'
    const [sub, file, ...extra] = positional
    if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(' ')}`)
    switch (sub) {
      case 'new': {
        const key = generateKey()
        const path = await saveKey(home, name, key, flags.force === true)
        io.stderr(`wrote ${path}\n`)
        io.stdout(show(key, flags.json === true))
        return 0
      }
      case 'show':
        io.stdout(show(await loadKey(home, name), flags.json === true))
        return 0
      case 'export':
        io.stdout(JSON.stringify(keyToFile(await loadKey(home, name)), null, 2) + '\n')
        return 0
      case 'import': {
        if (file === undefined) throw new UsageError('keys import needs a FILE (or - for standard input)')
        let text = ''
        if (file === '-') { for await (const c of process.stdin) text += c } else text = await readFile(file, 'utf8')
        const key = keyFromFile(text)
        const path = await saveKey(home, name, key, flags.force === true)
        io.stderr(`wrote ${path}\n`)
        io.stdout(show(key, flags.json === true))
        return 0
      }
      default:
        throw new UsageError(sub === undefined ? 'keys needs a subcommand' : `unknown subcommand '${sub}'`)
    }
  }
}
