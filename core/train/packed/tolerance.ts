// How closely a packed trial's numbers must match the same trial run alone: the largest
// relative difference of any metric or result value. 0 while runPack trains members one after
// another (the same code path, so bit-for-bit equal); the vectorised trainer states its own
// float32 bound here, with the reason.
export const PACK_TOLERANCE = 0;
