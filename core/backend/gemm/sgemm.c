// Single-precision matrix product for the wasm backend, compiled to WebAssembly (build.sh) and
// run inside the tfjs-wasm module's own linear memory, so tensors are read and written in place.
//
// Why our own: tfjs-wasm sends products with a transposed operand to a scalar loop and packs the
// right operand anew on every call; its XNNPACK kernels use 128-bit SIMD without fused
// multiply-add. This is the classic blocked GEMM (pack a KC×NC panel of B and an MC×KC panel of
// A, then a register-tiled MR×NR micro-kernel), with transposes absorbed by the packing and,
// in the relaxed build, f32x4.relaxed_madd (an FMA where the CPU has one).
//
// Constraints of running in someone else's memory: no static data, no shadow stack (every
// buffer is the caller's scratch), so the module needs nothing but the imported memory.
#include <wasm_simd128.h>

#define MR 4
#define NR 8
#define KC 256
#define NC 256
#define MC 64

typedef v128_t V;
#ifdef RELAXED
#define MADD(a, b, c) __builtin_wasm_relaxed_madd_f32x4(a, b, c)
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul(a, b), c)
#endif

// B block (rows pc.., columns jc..) → panels of NR columns, k-major, zero-padded
static void pack_b(int kc, int nc, const float* B, int ldb, int transB, int pc, int jc, float* Bp) {
  for (int j0 = 0; j0 < nc; j0 += NR) {
    int nr = nc - j0 < NR ? nc - j0 : NR;
    float* dst = Bp + (j0 / NR) * kc * NR;
    if (!transB && nr == NR) {
      const float* src = B + pc * ldb + jc + j0;
      for (int k = 0; k < kc; k++, src += ldb, dst += NR) {
        wasm_v128_store(dst, wasm_v128_load(src));
        wasm_v128_store(dst + 4, wasm_v128_load(src + 4));
      }
    } else {
      for (int k = 0; k < kc; k++, dst += NR)
        for (int jj = 0; jj < NR; jj++) {
          int j = jc + j0 + jj;
          dst[jj] = jj < nr ? (transB ? B[j * ldb + pc + k] : B[(pc + k) * ldb + j]) : 0.f;
        }
    }
  }
}

// A block (rows ic.., columns pc..) → panels of MR rows, k-major, zero-padded
static void pack_a(int mc, int kc, const float* A, int lda, int transA, int ic, int pc, float* Ap) {
  for (int i0 = 0; i0 < mc; i0 += MR) {
    int mr = mc - i0 < MR ? mc - i0 : MR;
    float* dst = Ap + (i0 / MR) * kc * MR;
    if (transA && mr == MR) {
      const float* src = A + pc * lda + ic + i0;
      for (int k = 0; k < kc; k++, src += lda, dst += MR) wasm_v128_store(dst, wasm_v128_load(src));
    } else {
      for (int k = 0; k < kc; k++, dst += MR)
        for (int ii = 0; ii < MR; ii++) {
          int i = ic + i0 + ii;
          dst[ii] = ii < mr ? (transA ? A[(pc + k) * lda + i] : A[i * lda + pc + k]) : 0.f;
        }
    }
  }
}

// What happens to a finished entry y = alpha·(op(A)·op(B))_ij on the last pass over K, in the
// order the unfused ops would apply them: y·step(mask_ij) (the backward pass through a ReLU:
// step is 1 above 0, 0 at or below it, NaN at NaN as tf.step) and Z_ij = relu(y) (the forward
// pass keeps both h and φ(h)). Null pointers skip a stage. Passed as plain arguments: a struct
// behind a pointer would need a shadow stack, and this module owns no memory for one.

static inline V step_of(V m) {
  V one = wasm_f32x4_splat(1.f), zero = wasm_f32x4_splat(0.f);
  V s = wasm_v128_bitselect(one, zero, wasm_f32x4_gt(m, zero));
  return wasm_v128_bitselect(s, m, wasm_f32x4_eq(m, m));  // NaN lanes keep the NaN
}

static inline V relu_of(V y) { return wasm_f32x4_pmax(y, wasm_f32x4_splat(0.f)); }

static inline float step1(float m) { return m != m ? m : (m > 0.f ? 1.f : 0.f); }
static inline float relu1(float y) { return y < 0.f ? 0.f : y; }

// C[MR×NR] = Ap·Bp over kc, plus C when !first; on the last pass scaled and finished (alpha, mask, relu as above)
// (`off` is the tile's offset in C, shared by the epilogue's tensors). The scale comes after the
// sum over every pass, so alpha·(A·B) rounds exactly as a product followed by a multiply.
static void micro(int kc, const float* Ap, const float* Bp, float* C, int ldc, int first, int last,
                  V alpha, const float* mask, float* relu, int off) {
  V c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; k++, Ap += MR, Bp += NR) {
    V b0 = wasm_v128_load(Bp), b1 = wasm_v128_load(Bp + 4);
    V a = wasm_v128_load32_splat(Ap);
    c00 = MADD(a, b0, c00); c01 = MADD(a, b1, c01);
    a = wasm_v128_load32_splat(Ap + 1);
    c10 = MADD(a, b0, c10); c11 = MADD(a, b1, c11);
    a = wasm_v128_load32_splat(Ap + 2);
    c20 = MADD(a, b0, c20); c21 = MADD(a, b1, c21);
    a = wasm_v128_load32_splat(Ap + 3);
    c30 = MADD(a, b0, c30); c31 = MADD(a, b1, c31);
  }
#define STORE_ROW(r, x0, x1)                                                     \
  {                                                                              \
    float* p = C + (r) * ldc;                                                    \
    V y0 = x0, y1 = x1;                                                          \
    if (!first) {                                                                \
      y0 = wasm_f32x4_add(y0, wasm_v128_load(p));                                \
      y1 = wasm_f32x4_add(y1, wasm_v128_load(p + 4));                            \
    }                                                                            \
    if (last) {                                                                  \
      int q = off + (r) * ldc;                                                   \
      y0 = wasm_f32x4_mul(y0, alpha);                                        \
      y1 = wasm_f32x4_mul(y1, alpha);                                        \
      if (mask) {                                                            \
        y0 = wasm_f32x4_mul(y0, step_of(wasm_v128_load(mask + q)));          \
        y1 = wasm_f32x4_mul(y1, step_of(wasm_v128_load(mask + q + 4)));      \
      }                                                                          \
      if (relu) {                                                            \
        wasm_v128_store(relu + q, relu_of(y0));                              \
        wasm_v128_store(relu + q + 4, relu_of(y1));                          \
      }                                                                          \
    }                                                                            \
    wasm_v128_store(p, y0);                                                      \
    wasm_v128_store(p + 4, y1);                                                  \
  }
  STORE_ROW(0, c00, c01)
  STORE_ROW(1, c10, c11)
  STORE_ROW(2, c20, c21)
  STORE_ROW(3, c30, c31)
}

/** Floats of scratch memory sgemm needs. */
__attribute__((export_name("scratch_floats"))) int scratch_floats(void) { return KC * NC + MC * KC + MR * NR; }

/** Lane 0 of MADD(a, b, c): tells the caller whether products are fused on this machine. */
__attribute__((export_name("madd_probe"))) float madd_probe(float a, float b, float c) {
  return wasm_f32x4_extract_lane(MADD(wasm_f32x4_splat(a), wasm_f32x4_splat(b), wasm_f32x4_splat(c)), 0);
}

static void gemm(int M, int N, int K, const float* A, int transA, const float* B, int transB, float* C,
                 float alpha, const float* mask, float* relu, float* scratch) {
  float* Bp = scratch;
  float* Ap = scratch + KC * NC;
  float* T = Ap + MC * KC;
  int lda = transA ? M : K, ldb = transB ? K : N;
  V al = wasm_f32x4_splat(alpha), one = wasm_f32x4_splat(1.f);
  if (K == 0) {
    for (int i = 0; i < M * N; i++) {
      float y = 0.f * alpha;
      if (mask) y *= step1(mask[i]);
      if (relu) relu[i] = relu1(y);
      C[i] = y;
    }
    return;
  }
  for (int jc = 0; jc < N; jc += NC) {
    int nc = N - jc < NC ? N - jc : NC;
    for (int pc = 0; pc < K; pc += KC) {
      int kc = K - pc < KC ? K - pc : KC;
      int last = pc + kc == K;
      pack_b(kc, nc, B, ldb, transB, pc, jc, Bp);
      for (int ic = 0; ic < M; ic += MC) {
        int mc = M - ic < MC ? M - ic : MC;
        pack_a(mc, kc, A, lda, transA, ic, pc, Ap);
        for (int j0 = 0; j0 < nc; j0 += NR) {
          int nr = nc - j0 < NR ? nc - j0 : NR;
          const float* bp = Bp + (j0 / NR) * kc * NR;
          for (int i0 = 0; i0 < mc; i0 += MR) {
            int mr = mc - i0 < MR ? mc - i0 : MR;
            const float* ap = Ap + (i0 / MR) * kc * MR;
            int off = (ic + i0) * N + jc + j0;
            float* c = C + off;
            if (mr == MR && nr == NR) {
              micro(kc, ap, bp, c, N, pc == 0, last, al, mask, relu, off);
            } else {  // an edge tile: compute in full into T, finish the part that exists
              micro(kc, ap, bp, T, NR, 1, 0, one, 0, 0, 0);
              for (int ii = 0; ii < mr; ii++)
                for (int jj = 0; jj < nr; jj++) {
                  int q = off + ii * N + jj;
                  float y = (pc == 0 ? 0.f : c[ii * N + jj]) + T[ii * NR + jj];
                  if (last) {
                    y *= alpha;
                    if (mask) y *= step1(mask[q]);
                    if (relu) relu[q] = relu1(y);
                  }
                  c[ii * N + jj] = y;
                }
            }
          }
        }
      }
    }
  }
}

/**
 * C = alpha · op(A)·op(B), row-major, op(A) M×K (A stored K×M when transA), op(B) K×N (B stored
 * N×K when transB); C is M×N and must not overlap A or B. `scratch` holds scratch_floats().
 */
__attribute__((export_name("sgemm")))
void sgemm(int M, int N, int K, const float* A, int transA, const float* B, int transB, float* C, float alpha,
           float* scratch) {
  gemm(M, N, K, A, transA, B, transB, C, alpha, 0, 0, scratch);
}

/**
 * sgemm with a fused epilogue: C = alpha·op(A)·op(B), then C ·= step(mask) when mask is not null
 * (mask laid out as C), then Z = relu(C) when Z is not null. Each stage rounds as the separate
 * element-wise op would, so the result equals the unfused sequence bit for bit.
 */
__attribute__((export_name("sgemm_fused")))
void sgemm_fused(int M, int N, int K, const float* A, int transA, const float* B, int transB, float* C, float alpha,
                 const float* mask, float* Z, float* scratch) {
  gemm(M, N, K, A, transA, B, transB, C, alpha, mask, Z, scratch);
}
