/**
 * protocol/pora — Proof of Random Access (DESIGN §4). Pure and isomorphic (no Node or DOM imports).
 *
 * Kept from 0G's seal (0g-storage-node zgs_seal): 256 B chunks and 256 KiB segments, a mask bound
 * to the miner's id and the data's position (our replica id = sha256(nodeId ‖ sectorStart ‖
 * params)), sealed = data ⊕ mask, and answers checked as 0G chunk proofs (keccak tree) — here
 * against commR, the 0G root of the sealed sector, with protocol/storage's `verifyChunkProof`.
 *
 * Changed, and why: 0G's mask is a keccak chain per 4 KiB unit, which a node re-seals on the fly
 * in 112–134 µs (measured, node:crypto); any 1-D chain with 1 % checkpoints re-seals any word in
 * ≤ 100 steps (≤ 104 µs). Latency-bound challenges need the opposite, so the mask is the last
 * layer of a stacked depth-robust graph (Filecoin SDR's shape): 64 MiB sectors, one node per chunk,
 * 32 layers, each label = sha256(replicaId ‖ layer ‖ node ‖ 6 same-layer DRSample parents ‖ 8
 * uniform previous-layer parents). Cost: unsealing needs the labels again (as costly as sealing),
 * so the sealed copy is for proofs; reads come from full nodes or an unsealed cache.
 *
 * Measured (bench/pora-seal.mjs, bench/pora-attack.mjs; Node 20, 2-core VM with SHA-NI):
 *  - honest seal, this JS on one thread: 32 s per 64 MiB sector on a quiet machine (0.5 s/MiB;
 *    256 MiB ≈ 2.1 min), 50 s under load;
 *  - re-sealing one answer on the fly for a second identity that keeps 1 % of its pledge (4
 *    storage strategies): 98.1–99.0 % of the sector's labels must be recomputed: 35.8 s p50 /
 *    36.4 s p99 with node:crypto (24.0 / 24.2 s on a quiet machine; 4 real runs 18.7–26.8 s, all
 *    answers verify), ≥ 2.21 s p50 / 2.25 s p99 at the best SHA-NI rate seen (1.9 GB/s), ≥ 2.16 s
 *    with unlimited cores (critical path) — vs the proposed 500 ms deadline (late credit ends at
 *    750 ms); attacker (a), fetch then seal: ≥ 2.25 s. 0G's chain re-seals a unit in 112–134 µs;
 *  - verifying one answer: 97 µs (1 position), 349 µs (4 positions).
 */
export { type SealParams, DEFAULT_SEAL_PARAMS, TEST_SEAL_PARAMS, checkSealParams, paramsDigest } from './params.js'
export { MalformedPoraMessageError, InvalidSealParamsError } from './errors.js'
export { baseParents, expanderParents } from './graph.js'
export { replicaId, labelLayers, labeler, xorKey, labelBytes, checkSectorStart } from './label.js'
export { labelPair, labelTreeRoot } from './tree.js'
export { type SectorCommitment, type SealInput, sealSector, unsealSector, SealedSector } from './seal.js'
export { type SealingProof, type LabelOpening, type DataOpening, type OpenedLabel, type SpotCheckCounts, spotCheckPositions, proveSealing, verifySealingSpotChecks } from './spotcheck.js'
export { type ChunkRange, type ChallengeSpec, type Challenge, MAX_CHALLENGE_POSITIONS, deriveChallenges, blockChallengeId, challengeSignBytes, createChallenge, verifyChallengeSignature, encodeChallenge, decodeChallenge } from './challenge.js'
export { type Answer, type AnswerItem, type Verdict, MAX_ANSWER_BYTES, MAX_PROOF_SIBLINGS, encodeAnswer, decodeAnswer, answerHash, answerChallenge, verifyAnswer } from './answer.js'
export { type Receipt, type ReceiptFields, type ReceiptVerdict, judgeReceipt, signReceipt, receiptSignBytes, verifyReceipt, encodeReceipt, decodeReceipt, receiptReward, rewardWeight } from './receipt.js'
export { drawStream } from './rng.js'
export { type AssignInput, assignRanges, sectorStarts, ASSIGN_SEGMENT_CHUNKS, ASSIGN_SEGMENT_BYTES, ASSIGN_RUN_BYTES } from './assign.js'
export { MAX_LAYER_ROOTS, MAX_SPOT_CHECKS, encodeSectorCommitment, decodeSectorCommitment, encodeSealingProof, decodeSealingProof } from './commit-codec.js'
export { WIRE_MAX_POSITIONS, challengeToWire, challengeFromWire, answerToWire, answerFromWire } from './wire.js'
