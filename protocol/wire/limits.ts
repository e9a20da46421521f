/**
 * Every size limit of the wire, in one place. Field limits are checked after decode; message
 * limits are checked from the length prefix before a body is buffered. The repeated-field counts
 * are also compiled into the codecs (`[(protons.options).limit]` in pb/*.proto) — keep both equal.
 */

const KiB = 1024
const MiB = 1024 * KiB

// -- shared field sizes
/** sha256 / keccak256 digests, roots, ids. */
export const HASH_BYTES = 32
/** ed25519 public keys (node ids, validator keys). */
export const PUBLIC_KEY_BYTES = 32
/** ed25519 signatures. */
export const SIGNATURE_BYTES = 64
/** CometBFT addresses: the first 20 bytes of sha256(pubkey). */
export const ADDRESS_BYTES = 20
/** Status and error messages (UTF-8 bytes). */
export const MAX_STATUS_MESSAGE_BYTES = 1 * KiB
/** Merkle proof depth: 2^64 leaves. */
export const MAX_PROOF_DEPTH = 64

// -- sync
/** CometBFT's MaxChainIDLen. */
export const MAX_CHAIN_ID_LENGTH = 50
/** Largest validator set a light block may carry. */
export const MAX_VALIDATORS = 256
/** Light blocks per sync response. */
export const MAX_SYNC_COUNT = 32
/** Worst-case light block at MAX_VALIDATORS (~50 KB measured by arithmetic: 107 B per CommitSig, 83 B per Validator, ~600 B header). */
export const MAX_LIGHT_BLOCK_BYTES = 64 * KiB
/** App hashes are 32 B in glowmesh (MPT root); CometBFT allows any length, we allow up to 64. */
export const MAX_APP_HASH_BYTES = 64
export const MAX_SYNC_REQUEST_BYTES = 64
export const MAX_SYNC_RESPONSE_BYTES = MAX_SYNC_COUNT * MAX_LIGHT_BLOCK_BYTES + 2 * KiB
export const MAX_NEW_HEADER_BYTES = MAX_LIGHT_BLOCK_BYTES + 16

// -- sample (DESIGN §3)
/** Columns of the extended blob; also the most a request may ask for. */
export const NUM_COLUMNS = 128
export const CELL_BYTES = 2048
export const KZG_PROOF_BYTES = 48
export const KZG_COMMITMENT_BYTES = 48
/** Blobs per block the wire can describe; the ledger's per-block cap must not exceed it. */
export const MAX_BLOBS_PER_BLOCK = 64
/** Cells (columns × blobs) per response; a server answers TOO_LARGE above it and the client splits. */
export const MAX_SAMPLE_CELLS = 2048
export const MAX_SAMPLE_REQUEST_BYTES = 1 * KiB
/** 2048 cells with proofs (~4.3 MB) plus commitments and DA tx inclusions. */
export const MAX_SAMPLE_RESPONSE_BYTES = 8 * MiB

// -- segment (DESIGN §2)
export const CHUNK_BYTES = 256
export const SEGMENT_BYTES = 256 * KiB
export const MAX_SEGMENT_REQUEST_BYTES = 64
/** One segment, a 64-deep proof (~2.2 KB) and a status message. */
export const MAX_SEGMENT_RESPONSE_BYTES = SEGMENT_BYTES + 4 * KiB

// -- challenge (DESIGN §4)
export const MAX_CHALLENGE_POSITIONS = 16
/** A challenge deadline above a minute is not a latency test. */
export const MAX_CHALLENGE_DEADLINE_MS = 60_000
export const MAX_CHALLENGE_BYTES = 1 * KiB
/** 16 chunks × (256 B + 64-deep proof) + status. */
export const MAX_CHALLENGE_ANSWER_BYTES = 64 * KiB
export const MAX_CHALLENGE_RECEIPT_BYTES = 1 * KiB

// -- job (DESIGN §6)
/** The inference result JSON. */
export const MAX_JOB_OUTPUT_BYTES = 64 * KiB
export const MAX_JOB_BATCH_SIZE = 65_536
export const MAX_JOB_REQUEST_BYTES = MAX_JOB_OUTPUT_BYTES + 1 * KiB
export const MAX_JOB_RESPONSE_BYTES = 2 * KiB
export const MAX_JOB_OFFER_BYTES = 1 * KiB

// -- tx
/** CometBFT's default mempool max_tx_bytes. */
export const MAX_TX_BYTES = 1 * MiB
export const MAX_TX_LOG_BYTES = 4 * KiB
export const MAX_TX_REQUEST_BYTES = MAX_TX_BYTES + 8
export const MAX_TX_RESPONSE_BYTES = MAX_TX_LOG_BYTES + 64

// -- envelope
/** requestId, protocol id, kind, and an error of code ≤ 64 B + message ≤ 1 KiB. */
export const MAX_ENVELOPE_OVERHEAD_BYTES = 2 * KiB
export const MAX_ERROR_CODE_LENGTH = 64
