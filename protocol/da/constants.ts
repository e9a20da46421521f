// Sizes fixed by DESIGN §3 (blob packing) and EIP-7594 (cells). Every other module derives from these.

/** Field elements in a blob (EIP-4844). */
export const FIELD_ELEMENTS_PER_BLOB = 4096
/** Bytes of one BLS12-381 scalar field element, big-endian. */
export const BYTES_PER_FIELD_ELEMENT = 32
/** Bytes of one blob: 4096 × 32 = 131072. */
export const BYTES_PER_BLOB = FIELD_ELEMENTS_PER_BLOB * BYTES_PER_FIELD_ELEMENT
/** Payload bytes carried by one field element: the first (most significant) byte stays 0, so any value is below the field modulus. */
export const PAYLOAD_BYTES_PER_FIELD_ELEMENT = 31
/** Payload bytes carried by one blob: 4096 × 31 = 126976. */
export const PAYLOAD_BYTES_PER_BLOB = FIELD_ELEMENTS_PER_BLOB * PAYLOAD_BYTES_PER_FIELD_ELEMENT
/** Cells of the 2x-extended blob (EIP-7594 CELLS_PER_EXT_BLOB); also the number of sampling columns. */
export const CELLS_PER_EXT_BLOB = 128
/** Field elements per cell (EIP-7594 FIELD_ELEMENTS_PER_CELL). */
export const FIELD_ELEMENTS_PER_CELL = 64
/** Bytes of one cell: 64 × 32 = 2048. */
export const BYTES_PER_CELL = FIELD_ELEMENTS_PER_CELL * BYTES_PER_FIELD_ELEMENT
/** Cells needed to recover a blob: half of the extension (rate 1/2 Reed–Solomon). */
export const CELLS_FOR_RECOVERY = CELLS_PER_EXT_BLOB / 2
/** Bytes of a compressed G1 commitment. */
export const BYTES_PER_COMMITMENT = 48
/** Bytes of a compressed G1 cell proof. */
export const BYTES_PER_PROOF = 48
