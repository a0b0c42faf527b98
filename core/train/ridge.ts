// Ridge regression in float64 for the giant-step readout: β = (ZᵀZ/n + λI)⁻¹ Zᵀy/n, solved by
// Cholesky (the matrix is symmetric positive definite for λ > 0, and for λ = 0 when Z has full
// column rank).

/** Solves (G + λI) β = r for symmetric G (k × k, row-major) and r (k × m); returns β (k × m). */
export function ridgeSolve(G: Float64Array, r: Float64Array, k: number, m: number, lambda: number): Float64Array {
  const A = Float64Array.from(G);
  for (let i = 0; i < k; i++) A[i * k + i] += lambda;
  // Cholesky A = C·Cᵀ in place (lower triangle)
  for (let j = 0; j < k; j++) {
    let d = A[j * k + j];
    for (let p = 0; p < j; p++) d -= A[j * k + p] * A[j * k + p];
    if (!(d > 0)) {
      throw new Error(`ridge readout: the feature Gram matrix is singular (pivot ${j}); use a positive giantStep.ridge`);
    }
    const c = Math.sqrt(d);
    A[j * k + j] = c;
    for (let i = j + 1; i < k; i++) {
      let s = A[i * k + j];
      for (let p = 0; p < j; p++) s -= A[i * k + p] * A[j * k + p];
      A[i * k + j] = s / c;
    }
  }
  const x = Float64Array.from(r);
  for (let col = 0; col < m; col++) {
    // forward: C·u = r
    for (let i = 0; i < k; i++) {
      let s = x[i * m + col];
      for (let p = 0; p < i; p++) s -= A[i * k + p] * x[p * m + col];
      x[i * m + col] = s / A[i * k + i];
    }
    // backward: Cᵀ·β = u
    for (let i = k - 1; i >= 0; i--) {
      let s = x[i * m + col];
      for (let p = i + 1; p < k; p++) s -= A[p * k + i] * x[p * m + col];
      x[i * m + col] = s / A[i * k + i];
    }
  }
  return x;
}
