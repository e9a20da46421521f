import { readFile, stat } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { type Command, UsageError } from '../command.js'
import { parseFlags } from '../home.js'
import { decodeModel, layerHashes, modelLayersRoot, type Model } from '../../protocol/compute/index.js'
import { fileRoot } from '../../protocol/storage/index.js'
import { fileCid } from '../../protocol/cid/index.js'
import { toHex } from '../../protocol/bytes.js'
import { nodeSha256 } from '../../fullnode/store/cid-check.js'
import { defaultModelPath, evaluateModel, MNIST_CLASSES } from '../compute/mnist.js'

/** The model file's path (`--model FILE`, else the committed models/mnist-mlp.gmm), bytes and decoded model. */
async function loadModel (flags: Record<string, string | true>): Promise<{ path: string, bytes: Uint8Array, model: Model }> {
  const path = typeof flags.model === 'string' ? flags.model : defaultModelPath()
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => { throw new UsageError(`cannot read ${path}: ${err.code ?? err.message}`) })
  if (!info.isFile()) throw new UsageError(`${path} is not a regular file`)
  const bytes = new Uint8Array(await readFile(path))
  return { path, bytes, model: decodeModel(bytes) }
}

function parse (args: string[]): Record<string, string | true> {
  const { flags, positional } = parseFlags(args, ['model'], ['json'])
  if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}`)
  return flags
}

/** What `glowmesh model info` prints: the identities the chain registers and the layer shapes. */
export interface ModelInfo {
  file: string
  size: number
  sha256: string
  root: string
  cid: string
  layersRoot: string
  inputSize: number
  outputSize: number
  layers: Array<{ inSize: number, outSize: number, relu: boolean, multiplier: number, shift: number, hash: string }>
}

/**
 * A model file's identities (0G root, CID, layersRoot, sha256) and layer shapes.
 * @example const info = modelInfo('models/mnist-mlp.gmm', bytes, decodeModel(bytes))
 */
export function modelInfo (file: string, bytes: Uint8Array, model: Model): ModelInfo {
  const hashes = layerHashes(model)
  return {
    file,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    root: toHex(fileRoot(bytes)),
    cid: fileCid(bytes, { sha256: nodeSha256 }).toString(),
    layersRoot: toHex(modelLayersRoot(model)),
    inputSize: model.inputSize,
    outputSize: model.layers[model.layers.length - 1].outSize,
    layers: model.layers.map((l, i) => ({ inSize: l.inSize, outSize: l.outSize, relu: l.relu, multiplier: l.multiplier, shift: l.shift, hash: toHex(hashes[i]) }))
  }
}

/** `glowmesh model eval`: held-out MNIST accuracy of an int8 model with the integer reference. */
export const modelEvalCommand: Command = {
  path: ['model', 'eval'],
  summary: 'score an int8 MNIST model on the 2,000 held-out digits (integer reference)',
  usage: 'glowmesh model eval [--model FILE] [--json]',
  async run (args, io) {
    const flags = parse(args)
    const { path, model } = await loadModel(flags)
    const e = evaluateModel(model)
    if (flags.json === true) {
      io.stdout(JSON.stringify({ model: path, accuracy: e.accuracy, samples: e.samples, correct: e.correct, perClass: e.perClass, predicted: e.predicted, ms: e.ms }) + '\n')
    } else {
      const worst = e.perClass.reduce((w, a, c) => a < e.perClass[w] ? c : w, 0)
      io.stdout(`${path}: ${(e.accuracy * 100).toFixed(2)}% (${e.correct}/${e.samples} held-out digits; weakest class ${worst} at ${(e.perClass[worst] * 100).toFixed(1)}%) in ${e.ms} ms\n`)
    }
    return 0
  }
}

/** `glowmesh model info`: a model file's 0G root, CID, layersRoot, size and layers. */
export const modelInfoCommand: Command = {
  path: ['model', 'info'],
  summary: "print an int8 model's 0G root, CID, layersRoot, size and layers",
  usage: 'glowmesh model info [--model FILE] [--json]',
  async run (args, io) {
    const flags = parse(args)
    const { path, bytes, model } = await loadModel(flags)
    const info = modelInfo(path, bytes, model)
    if (flags.json === true) io.stdout(JSON.stringify(info) + '\n')
    else {
      const shape = [info.inputSize, ...info.layers.map(l => l.outSize)].join('→')
      io.stdout(`${path}: ${shape}, ${info.size} B${info.outputSize === MNIST_CLASSES ? '' : ' (not an MNIST shape)'}\n` +
        `root        ${info.root}\ncid         ${info.cid}\nlayersRoot  ${info.layersRoot}\nsha256      ${info.sha256}\n`)
    }
    return 0
  }
}

/** Both `glowmesh model …` commands, for the command table. */
export const modelCommands: Command[] = [modelEvalCommand, modelInfoCommand]
