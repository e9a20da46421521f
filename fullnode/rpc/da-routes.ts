/**
 * The RPC's DA routes (DESIGN §3, §8), mounted with `startRpcServer({ extend })`:
 *
 * | route | body → answer |
 * |---|---|
 * | `POST /da/submit` | `application/vnd.glowmesh.da-submission` (fullnode/da/submission.ts: tx + 128 cells and proofs per blob) → `{ txHash, code, log, size, commitments }` |
 * | `POST /da/encode` | the raw payload (octet-stream, ≤ 64 blobs) → `{ token, size, commitments, expiresAt }` |
 * | `POST /da/submit-raw` | `{ token, tx: "0x…" }` (a `da.submit` signed over exactly those) → as `/da/submit` |
 * | `GET /da/:height` | the block's DA submissions, their commitments and whether each blob's cells are held here |
 *
 * Bad input is 400 with `{ error: { code, message } }` (MALFORMED_SUBMISSION, SUBMISSION_TOO_LARGE,
 * COMMITMENT_MISMATCH, INVALID_CELLS, TX_REJECTED, UNKNOWN_TOKEN, …); DA_BUSY is 503; a tx CometBFT already
 * holds is 409 TX_ALREADY_KNOWN, a full mempool 503 MEMPOOL_FULL (mempool.ts).
 */
import { HttpError, readBody, readJson, type Router } from './http.js'
import { mempoolRefusal } from './mempool.js'
import { fromHex } from '../../protocol/bytes.js'
import type { DaNode } from '../da/da-node.js'
import { MAX_SUBMISSION_BYTES } from '../da/submission.js'
import { MAX_RAW_PAYLOAD_BYTES } from '../da/intake.js'

const busy = (err: unknown): never => {
  if ((err as { code?: unknown })?.code === 'DA_BUSY') throw new HttpError(503, 'DA_BUSY', (err as Error).message)
  return mempoolRefusal(err) // CometBFT's refusals of the relayed tx (a resubmission: 409 TX_ALREADY_KNOWN)
}

/**
 * The route installer for a DA node.
 * @example await startRpcServer({ backend, host, port, extend: daRoutes(da) })
 */
export function daRoutes (da: Pick<DaNode, 'intake' | 'store'>): (router: Router) => void {
  return (r) => {
    r.add('POST', '/da/submit', async ({ req }) => await da.intake.submit(await readBody(req, MAX_SUBMISSION_BYTES)).catch(busy))
    r.add('POST', '/da/encode', async ({ req }) => await da.intake.encode(await readBody(req, MAX_RAW_PAYLOAD_BYTES)).catch(busy))
    r.add('POST', '/da/submit-raw', async ({ req }) => {
      const body = await readJson(req, 4 * 1024 * 1024)
      if (typeof body?.token !== 'string' || typeof body?.tx !== 'string' || !/^(0x)?([0-9a-fA-F]{2})+$/.test(body.tx)) throw new HttpError(400, 'BAD_REQUEST', 'body needs { "token": "…", "tx": "0x…" }')
      return await da.intake.submitRaw(body.token, fromHex(body.tx)).catch(busy)
    })
    r.add('GET', '/da/:height', async ({ params }) => {
      if (!/^[1-9][0-9]{0,14}$/.test(params.height)) throw new HttpError(400, 'BAD_HEIGHT', `height must be a positive integer, got '${params.height.slice(0, 30)}'`)
      const height = Number(params.height)
      const { head, windowBlocks } = da.store.stats()
      if (height > head) throw new HttpError(404, 'NOT_FOUND', `height ${height} is above this node's head ${head}`)
      if (height < da.store.base) throw new HttpError(404, 'NOT_HELD', `height ${height} is below ${da.store.base}, the first block this node followed (it joined by state sync): it has no DA records there`)
      const subs = await da.store.submissionsAt(height)
      const submissions = subs.map((s) => ({ index: s.index, txHash: s.txHash, size: s.size, blobs: s.commitments.map((c) => ({ commitment: c, held: da.store.has(c) })) }))
      return {
        height,
        head,
        windowBlocks,
        inWindow: height > head - windowBlocks,
        blobs: submissions.reduce((n, s) => n + s.blobs.length, 0),
        held: height > head - windowBlocks && submissions.every((s) => s.blobs.every((b) => b.held)),
        submissions
      }
    })
  }
}
