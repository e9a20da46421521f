// Every `glowmesh` subcommand, one module each. Add yours here.
import type { Command } from '../command.js'
import { rootCommand } from './root.js'

export const commands: Command[] = [
  rootCommand
]
