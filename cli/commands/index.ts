// Every `glowmesh` subcommand, one module each. Add yours here.
import type { Command } from '../command.js'
import { rootCommand } from './root.js'
import { keysCommand } from './keys.js'
import { daEncodeCommand } from './da.js'
import { nodeCommand, initCommand } from './node.js'
import { devnetCommand } from './devnet.js'
import { statusCommand, balanceCommand, transferCommand, faucetCommand } from './chain.js'
import { putCommand, getCommand } from './files.js'

export const commands: Command[] = [
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
  rootCommand,
  daEncodeCommand
]
