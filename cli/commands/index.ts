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
import { modelCommands } from './model.js'
import { workerCommand } from './worker.js'
import { inferCommand } from './infer.js'
import { disputeCommand } from './dispute.js'
import { verifyInferenceCommand } from './verify-inference.js'

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
  ...modelCommands,
  workerCommand,
  inferCommand,
  disputeCommand,
  verifyInferenceCommand,
  rootCommand,
  cidCommand,
  daEncodeCommand,
  daSubmitCommand
]
