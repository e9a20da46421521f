/**
 * Publishing a model on the market: its GMM1 bytes stored as a glowmesh file (0G root + CID), then
 * `compute.model.register` with the layersRoot, shape and the owner's reference class distribution.
 */
import type { Ed25519Key } from '../../protocol/chain/index.js'
import { encodeDistribution } from '../../protocol/chain/compute.js'
import { decodeModel, modelLayersRoot, type Model } from '../../protocol/compute/index.js'
import { fromHex, toHex } from '../../protocol/bytes.js'
import { InvalidInputError } from '../../protocol/errors.js'
import { TxFailedError } from '../../fullnode/rpc/wallet.js'
import type { RpcClient } from '../../fullnode/rpc/client.js'
import { cidToSubmission, parseCid } from '../../protocol/cid/index.js'
import { storeBytes } from './blobs.js'
import { computeApi, sendTx, type ModelView } from '../../client/compute/market.js'

/** What ensureModelRegistered resolves to. */
export interface RegisteredModel {
  root: string, cid: string, layersRoot: string, inputSize: number, outputSize: number, layerCount: number
  /** False when the model was on chain already (nothing sent). */
  registered: boolean
}

/** Options of ensureModelRegistered. */
export interface EnsureModelOptions {
  rpc: RpcClient
  key: Ed25519Key
  /** The GMM1 file. */
  modelBytes: Uint8Array
  /** outputSize permille values summing to 1000 (cli/compute/mnist.ts `referenceDistribution(model)`), or a function computing them (called only when registering). */
  referenceDistribution: number[] | ((model: Model) => number[])
  signal?: AbortSignal
}

/**
 * Stores the model file and registers it, unless a model with its root is registered already
 * (then only checks that the chain's layersRoot is this file's). Idempotent.
 * @example const m = await ensureModelRegistered({ rpc, key, modelBytes, referenceDistribution })
 */
export async function ensureModelRegistered (o: EnsureModelOptions): Promise<RegisteredModel> {
  const model = decodeModel(o.modelBytes)
  const layersRoot = toHex(modelLayersRoot(model))
  const outputSize = model.layers[model.layers.length - 1].outSize
  const api = computeApi(o.rpc)
  const chainId = (await o.rpc.status(o.signal)).chainId
  const stored = await storeBytes({ rpc: o.rpc, key: o.key, chainId, bytes: o.modelBytes, epochs: 1000, signal: o.signal })
  const shape = { root: stored.root, cid: stored.cid, layersRoot, inputSize: model.inputSize, outputSize, layerCount: model.layers.length }
  const check = (m: ModelView): RegisteredModel => {
    if (m.layersRoot !== layersRoot) throw new InvalidInputError(`model ${stored.root} is registered with layersRoot ${m.layersRoot}, this file has ${layersRoot}`)
    return { ...shape, registered: false }
  }
  const existing = await api.model(stored.root, o.signal)
  if (existing !== undefined) return check(existing)
  const distribution = typeof o.referenceDistribution === 'function' ? o.referenceDistribution(model) : o.referenceDistribution
  if (distribution.length !== outputSize) throw new InvalidInputError(`referenceDistribution: expected ${outputSize} values, got ${distribution.length}`)
  try {
    await sendTx(o.rpc, o.key, chainId, 'compute.model.register', {
      root: fromHex(stored.root, 32),
      cid: cidToSubmission(parseCid(stored.cid)),
      layersRoot: fromHex(layersRoot, 32),
      inputSize: model.inputSize,
      outputSize,
      layerCount: model.layers.length,
      referenceDistribution: encodeDistribution(distribution)
    }, { signal: o.signal })
  } catch (err) {
    // Registered by someone else in the meantime: fine when it is the same model.
    const raced = err instanceof TxFailedError ? await api.model(stored.root, o.signal) : undefined
    if (raced === undefined) throw err
    return check(raced)
  }
  return { ...shape, registered: true }
}
