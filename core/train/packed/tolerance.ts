// How closely a packed trial's numbers must match the same trial run alone: the largest
// relative difference of any metric or result value. 0: the packed trainer is bit-for-bit equal
// to a solo run on wasm and tfjs-node (each trial's slice of a batched product is the solo
// product, reductions keep the solo order; docs/architecture.md says how).
export const PACK_TOLERANCE = 0;
