import { type Command, UsageError } from '../command.js'
import { parseFlags, takeHome } from '../home.js'
import { rpcFor, RPC_FLAGS } from '../rpc.js'
import { ensureFunded } from '../../client/storage/faucet.js'
import { disputeJob } from '../compute/dispute.js'
import { requesterKey } from './infer.js'

/**
 * `glowmesh dispute JOB_ID [--layer L]`: prove a worker's layer wrong on chain (the ledger re-executes it).
 * @example await disputeCommand.run([jobId, '--layer', '1', '--json'], io)
 */
export const disputeCommand: Command = {
  path: ['dispute'],
  summary: 'dispute a compute result: send one layer with proofs (model layer, its input and claimed trace entries); the chain re-executes it',
  usage: 'glowmesh dispute JOB_ID [--layer L (default: the first layer that re-executes differently)] [--name KEY] [--json] [--node N | --rpc URL] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags, positional } = parseFlags(rest, [...RPC_FLAGS, 'layer', 'name'], ['json'])
    if (positional.length !== 1 || !/^0x[0-9a-f]{64}$/.test(positional[0])) throw new UsageError('expected one JOB_ID (0x + 64 lowercase hex digits)')
    const layer = flags.layer === undefined ? undefined : Number(flags.layer)
    if (layer !== undefined && (!Number.isInteger(layer) || layer < 0 || layer > 15)) throw new UsageError('--layer takes a layer index 0..15')
    const rpc = await rpcFor(home, flags)
    const key = await requesterKey(home, flags.name as string | undefined)
    await ensureFunded({ rpcUrl: rpc.url, address: key.address, log: (l) => io.stderr(`dispute: ${l}\n`) })
    const r = await disputeJob({ rpc, key, jobId: positional[0], layer })
    io.stdout(flags.json === true ? JSON.stringify({ ...r, disputer: key.address }) + '\n' : `job ${r.jobId}: disputed layer ${r.layer} (tx ${r.txHash}, height ${r.height}); job is now ${r.status}\n`)
    return 0
  }
}
