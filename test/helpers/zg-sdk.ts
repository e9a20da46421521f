// The 0G TypeScript SDK as the reference for storage roots (devDependency; tests and bench only).
import { ZgFile, MerkleTree as ZgMerkleTree } from '@0gfoundation/0g-ts-sdk'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The SDK's root of the file at `path` (ZgFile.fromFilePath + merkleTree), as 0x-hex. */
export async function sdkRootOfFile (path: string): Promise<string> {
  const file = await ZgFile.fromFilePath(path)
  try {
    const [tree, err] = await file.merkleTree()
    if (err !== null || tree === null) throw err ?? new Error('no tree')
    return tree.rootHash() as string
  } finally {
    await file.close()
  }
}

/** The SDK's root of `data` (written to a temp file first: the ZgFile path is the reference). */
export async function sdkRoot (data: Uint8Array): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'glowmesh-zg-'))
  const path = join(dir, 'f')
  try {
    writeFileSync(path, data)
    return await sdkRootOfFile(path)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export { ZgMerkleTree }
