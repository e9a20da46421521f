/**
 * The ABCI 2.0 application interface (CometBFT v0.38) that fullnode/app/abci-server.ts drives.
 * Message types are cosmjs-types' `tendermint/abci/types` (int64 as bigint). The server answers
 * Echo and Flush itself and calls these methods one at a time, in arrival order, behind one global
 * queue (CometBFT's four connections would otherwise interleave). Methods must be deterministic
 * where CometBFT requires it (PrepareProposal may not be; ProcessProposal, FinalizeBlock and Commit
 * must be), persist only in `commit`, and report failures as result codes, never by throwing
 * (a thrown error becomes an Exception response, which stops the engine).
 */
import type {
  RequestInfo, ResponseInfo, RequestInitChain, ResponseInitChain, RequestQuery, ResponseQuery,
  RequestCheckTx, ResponseCheckTx, RequestPrepareProposal, ResponsePrepareProposal,
  RequestProcessProposal, ResponseProcessProposal, RequestFinalizeBlock, ResponseFinalizeBlock,
  ResponseCommit, RequestListSnapshots, ResponseListSnapshots, RequestOfferSnapshot, ResponseOfferSnapshot,
  RequestLoadSnapshotChunk, ResponseLoadSnapshotChunk, RequestApplySnapshotChunk, ResponseApplySnapshotChunk,
  RequestExtendVote, ResponseExtendVote, RequestVerifyVoteExtension, ResponseVerifyVoteExtension
} from 'cosmjs-types/tendermint/abci/types'

export interface AbciApplication {
  info: (req: RequestInfo) => Promise<ResponseInfo>
  initChain: (req: RequestInitChain) => Promise<ResponseInitChain>
  query: (req: RequestQuery) => Promise<ResponseQuery>
  checkTx: (req: RequestCheckTx) => Promise<ResponseCheckTx>
  prepareProposal: (req: RequestPrepareProposal) => Promise<ResponsePrepareProposal>
  processProposal: (req: RequestProcessProposal) => Promise<ResponseProcessProposal>
  finalizeBlock: (req: RequestFinalizeBlock) => Promise<ResponseFinalizeBlock>
  commit: () => Promise<ResponseCommit>
  listSnapshots: (req: RequestListSnapshots) => Promise<ResponseListSnapshots>
  offerSnapshot: (req: RequestOfferSnapshot) => Promise<ResponseOfferSnapshot>
  loadSnapshotChunk: (req: RequestLoadSnapshotChunk) => Promise<ResponseLoadSnapshotChunk>
  applySnapshotChunk: (req: RequestApplySnapshotChunk) => Promise<ResponseApplySnapshotChunk>
  extendVote?: (req: RequestExtendVote) => Promise<ResponseExtendVote>
  verifyVoteExtension?: (req: RequestVerifyVoteExtension) => Promise<ResponseVerifyVoteExtension>
}
