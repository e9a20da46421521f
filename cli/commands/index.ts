// Every `glowmesh` subcommand, one module each. Add yours here.
import type { Command } from '../command.js'
import { rootCommand } from './root.js'
import { cidCommand } from './cid.js'
import { keysCommand } from './keys.js'
import { daEncodeCommand, daSubmitCommand } from './da.js'
import { nodeCommand, initCommand } from './node.js'
import { devnetCommand } from './devnet.js'
import { statusCommand, balanceCommand, transferCommand, faucetCommand } from './chain.js'
import { putCommand, getCommand } from './files.js'
import { lightCommand } from './light.js'
import { startCommand } from './start.js'
import { edgeCommand } from './edge.js'

export const commands: Command[] = [
  startCommand,
  devnetCommand,
  nodeCommand,
  initCommand,
  statusCommand,
  keysCommand,
  balanceCommand,
  transferCommand,
  faucetCommand,
  putCommand,
  getCommand,
  lightCommand,
  edgeCommand,
  rootCommand,
  cidCommand,
  daEncodeCommand,
  daSubmitCommand
]
