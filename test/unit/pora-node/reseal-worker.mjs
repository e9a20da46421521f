// Attacker (b)'s re-sealing core (one per CPU): seals one sector for one identity from the single
// data copy the attacker keeps, with the real seal (built protocol/pora in dist/).
import { parentPort } from 'node:worker_threads'
import { sealSector } from '../../../dist/protocol/pora/index.js'

parentPort.on('message', ({ id, data, nodeId, sectorStart, params }) => {
  const { sealed } = sealSector({ data, nodeId, sectorStart, params })
  parentPort.postMessage({ id, sealed }, [sealed.buffer])
})
