// Every `glowmesh` subcommand, one module each. Add yours here.
import type { Command } from '../command.js'
import { rootCommand } from './root.js'
import { keysCommand } from './keys.js'
import { daEncodeCommand } from './da.js'

export const commands: Command[] = [
  rootCommand,
  keysCommand,
  daEncodeCommand
]
