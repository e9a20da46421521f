import { type Command, UsageError } from '../command.js'
import { parseFlags, takeHome } from '../home.js'
import { rpcFor, RPC_FLAGS } from '../rpc.js'
import { loadKey } from './keys.js'
import { createWallet } from '../../fullnode/rpc/wallet.js'
import { fromHex } from '../../protocol/bytes.js'

/** `glowmesh status [--json]`: the node's height, last block time, validators, peers, multiaddrs. */
export const statusCommand: Command = {
  path: ['status'],
  summary: "a node's status: height, last block time, validators, peers, multiaddrs",
  usage: 'glowmesh status [--json] [--node N | --rpc URL] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags } = parseFlags(rest, RPC_FLAGS, ['json'])
    const st = await (await rpcFor(home, flags)).status()
    if (flags.json === true) {
      io.stdout(JSON.stringify(st) + '\n')
      return 0
    }
    io.stdout(`chain       ${st.chainId}\nheight      ${st.height}\nlast block  ${st.lastBlockTime}\npeers       ${st.peers}\n`)
    io.stdout(`validators  ${st.validators.map((v) => `${v.address} (${v.power})`).join('\n            ')}\n`)
    io.stdout(`multiaddrs  ${st.multiaddrs.join('\n            ')}\n`)
    return 0
  }
}

/** `glowmesh balance [ADDRESS]`: balance and nonce (of your default key when no address is given). */
export const balanceCommand: Command = {
  path: ['balance'],
  summary: 'an account balance (yours by default)',
  usage: 'glowmesh balance [ADDRESS] [--name KEY] [--json] [--node N | --rpc URL] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags, positional } = parseFlags(rest, [...RPC_FLAGS, 'name'], ['json'])
    const address = positional[0] ?? (await loadKey(home, (flags.name as string) ?? 'default')).address
    if (!/^0x[0-9a-f]{40}$/.test(address)) throw new UsageError('ADDRESS must be 0x + 40 lowercase hex digits')
    const a = await (await rpcFor(home, flags)).account(address)
    io.stdout(flags.json === true ? JSON.stringify(a) + '\n' : `${a.balance}\n`)
    return 0
  }
}

/** `glowmesh transfer TO AMOUNT`: sends tokens from your key; waits for the block. */
export const transferCommand: Command = {
  path: ['transfer'],
  summary: 'send tokens to an address (waits until committed)',
  usage: 'glowmesh transfer TO AMOUNT [--name KEY] [--fee N] [--json] [--node N | --rpc URL] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags, positional } = parseFlags(rest, [...RPC_FLAGS, 'name', 'fee'], ['json'])
    const [to, amount] = positional
    if (to === undefined || !/^0x[0-9a-f]{40}$/.test(to)) throw new UsageError('TO must be 0x + 40 lowercase hex digits')
    if (amount === undefined || !/^[1-9][0-9]*$/.test(amount)) throw new UsageError('AMOUNT must be a positive integer')
    const rpc = await rpcFor(home, flags)
    const key = await loadKey(home, (flags.name as string) ?? 'default')
    const st = await rpc.status()
    const wallet = createWallet({ rpc, key, chainId: st.chainId })
    const sent = await wallet.send('transfer', { to: fromHex(to, 20), amount: BigInt(amount) }, flags.fee === undefined ? {} : { fee: BigInt(flags.fee as string) })
    io.stdout(flags.json === true ? JSON.stringify(sent) + '\n' : `${sent.txHash} committed at height ${sent.height}\n`)
    return 0
  }
}

/** `glowmesh faucet [ADDRESS]`: devnet funds for an address (yours by default). */
export const faucetCommand: Command = {
  path: ['faucet'],
  summary: 'ask the devnet faucet for funds (for your key by default)',
  usage: 'glowmesh faucet [ADDRESS] [--name KEY] [--json] [--node N | --rpc URL] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags, positional } = parseFlags(rest, [...RPC_FLAGS, 'name'], ['json'])
    const address = positional[0] ?? (await loadKey(home, (flags.name as string) ?? 'default')).address
    if (!/^0x[0-9a-f]{40}$/.test(address)) throw new UsageError('ADDRESS must be 0x + 40 lowercase hex digits')
    const rpc = await rpcFor(home, flags)
    const r = await rpc.faucet(address)
    const { waitForTx } = await import('../../fullnode/rpc/wallet.js')
    const done = await waitForTx(rpc, r.txHash)
    io.stdout(flags.json === true ? JSON.stringify({ ...r, height: done.height }) + '\n' : `${r.amount} sent to ${address} (tx ${r.txHash}, height ${done.height})\n`)
    return 0
  }
}
