/** /glowmesh/sample/1.0.0: DA columns of a block — cells + proofs of every blob, commitments, DA-tx inclusions (DESIGN §3). */
import { SAMPLE_PROTOCOL, SampleStatus } from '../../../protocol/wire/index.js'
import { defineHandler, refusalMessage, type Refusal } from '../handler.js'

const STATUS: Record<Refusal, SampleStatus> = {
  NOT_FOUND: SampleStatus.NOT_FOUND,
  PRUNED: SampleStatus.NOT_AVAILABLE,
  BAD_REQUEST: SampleStatus.BAD_REQUEST,
  RATE_LIMITED: SampleStatus.RATE_LIMITED,
  INTERNAL: SampleStatus.INTERNAL
}

/** Service error codes this protocol answers with their own status (the generic refusals lack them). */
const OWN: Record<string, SampleStatus> = { NOT_AVAILABLE: SampleStatus.NOT_AVAILABLE, TOO_LARGE: SampleStatus.TOO_LARGE }

const empty = { blobs: [], txs: [], columns: [] }

export const sampleHandler = defineHandler({
  protocol: SAMPLE_PROTOCOL,
  // a light node samples each block once per peer (16 columns); a full node catching up replicates
  // a block in 1–4 requests: 64 back to back, then 32/s per peer
  rate: { burst: 64, perSecond: 32 },
  async handle (req, { services, signal }) {
    if (services.sample === undefined) return { status: SampleStatus.NOT_AVAILABLE, message: 'this node keeps no DA cells', height: req.height, ...empty }
    try {
      const answer = await services.sample(req.height, req.columns, { signal, blobs: req.blobs })
      return { status: SampleStatus.OK, message: '', ...answer }
    } catch (err) {
      const own = OWN[String((err as { code?: unknown } | null)?.code)]
      if (own === undefined) throw err
      return { status: own, message: refusalMessage(err, 'NOT_FOUND'), height: req.height, ...empty }
    }
  },
  refuse: (refusal, message, request) => ({ status: STATUS[refusal], message, height: request?.height ?? 0n, ...empty })
})
