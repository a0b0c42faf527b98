// How far a packed trial's numbers may be from the same trial run alone (relative, per value).
// The packed trainer computes each member's step with the same operations in the same order
// as a lone trial, so the results are equal: 0.
export const PACK_TOLERANCE = 0;
