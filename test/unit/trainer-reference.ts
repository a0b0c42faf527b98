// An independent float64 reference of the MLP of docs/science.md §1, written from the formulas and
// not from the product's code: forward pass, loss, analytic gradient, and finite-difference
// derivatives and Hessians built on them. Used by the trainer's gradient and sharpness tests.

export type Act = 'relu' | 'tanh' | 'gelu' | 'linear';
export type Param = 'sp' | 'ntk' | 'mup';

export interface RefNet {
  D: number;
  N: number;
  L: number;
  out: number;
  act: Act;
  param: Param;
  gamma: number;
  bias: boolean;
  centered: boolean;
  loss: 'mse' | 'xent';
}

/** Forward multipliers straight from the table in docs/science.md §1 (biases: multiplier × sqrt(fan_in)). */
export function multipliers(n: RefNet): { w: number[]; b: number[] } {
  const w: number[] = [], b: number[] = [];
  for (let l = 0; l < n.L; l++) {
    const fanIn = l === 0 ? n.D : n.N;
    const last = l === n.L - 1;
    let m: number;
    if (n.param === 'sp') m = last ? 1 / n.gamma : 1;
    else if (!last) m = 1 / Math.sqrt(fanIn);
    else if (n.param === 'ntk' || n.L === 1) m = 1 / (n.gamma * Math.sqrt(fanIn));
    else m = 1 / (n.gamma * fanIn);
    w.push(m);
    b.push(n.param === 'sp' ? m : m * Math.sqrt(fanIn));
  }
  return { w, b };
}

// ---- special functions --------------------------------------------------------------------

/** erf to ~1e-15: Maclaurin series for |x| < 2.5, continued fraction of erfc beyond. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x, sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
  let f = ax;
  for (let k = 80; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

export function act(a: Act, h: number): number {
  switch (a) {
    case 'relu': return h > 0 ? h : 0;
    case 'tanh': return Math.tanh(h);
    case 'gelu': return h * Phi(h);
    case 'linear': return h;
  }
}

export function dact(a: Act, h: number): number {
  switch (a) {
    case 'relu': return h > 0 ? 1 : 0;
    case 'tanh': { const t = Math.tanh(h); return 1 - t * t; }
    case 'gelu': return Phi(h) + h * phi(h);
    case 'linear': return 1;
  }
}

// ---- network ------------------------------------------------------------------------------

/** Parameter layout as in the product (flat list per layer: W [fanIn × fanOut] row-major, then b). */
export function shapes(n: RefNet): number[][] {
  const out: number[][] = [];
  for (let l = 0; l < n.L; l++) {
    const fanIn = l === 0 ? n.D : n.N;
    const fanOut = l === n.L - 1 ? n.out : n.N;
    out.push([fanIn, fanOut]);
    if (n.bias) out.push([fanOut]);
  }
  return out;
}

/** Raw outputs (B × out) of parameters p for inputs x (B × D). */
export function forward(n: RefNet, p: Float64Array[], x: Float64Array, B: number): { hs: Float64Array[]; zs: Float64Array[] } {
  const m = multipliers(n);
  const zs: Float64Array[] = [x];
  const hs: Float64Array[] = [];
  let z = x;
  let k = 0;
  for (let l = 0; l < n.L; l++) {
    const fanIn = l === 0 ? n.D : n.N;
    const fanOut = l === n.L - 1 ? n.out : n.N;
    const W = p[k++];
    const b = n.bias ? p[k++] : null;
    const h = new Float64Array(B * fanOut);
    for (let i = 0; i < B; i++) {
      for (let j = 0; j < fanOut; j++) {
        let s = 0;
        for (let q = 0; q < fanIn; q++) s += z[i * fanIn + q] * W[q * fanOut + j];
        h[i * fanOut + j] = m.w[l] * s + (b ? m.b[l] * b[j] : 0);
      }
    }
    hs.push(h);
    if (l < n.L - 1) {
      z = h.map((v) => act(n.act, v));
      zs.push(z);
    }
  }
  return { hs, zs };
}

/** Model output: raw, or minus the frozen initial parameters' output when centered. */
export function output(n: RefNet, p: Float64Array[], p0: Float64Array[], x: Float64Array, B: number): Float64Array {
  const f = forward(n, p, x, B).hs[n.L - 1];
  if (!n.centered) return f;
  const f0 = forward(n, p0, x, B).hs[n.L - 1];
  return f.map((v, i) => v - f0[i]);
}

/** Mean loss: ½‖f − y‖² per example (mse) or softmax cross-entropy with one-hot y (xent). */
export function loss(n: RefNet, f: Float64Array, y: Float64Array, B: number): number {
  let total = 0;
  for (let i = 0; i < B; i++) {
    if (n.loss === 'mse') {
      for (let k = 0; k < n.out; k++) total += 0.5 * (f[i * n.out + k] - y[i * n.out + k]) ** 2;
    } else {
      let mx = -Infinity;
      for (let k = 0; k < n.out; k++) mx = Math.max(mx, f[i * n.out + k]);
      let se = 0, fy = 0;
      for (let k = 0; k < n.out; k++) {
        se += Math.exp(f[i * n.out + k] - mx);
        fy += y[i * n.out + k] * f[i * n.out + k];
      }
      total += mx + Math.log(se) - fy;
    }
  }
  return total / B;
}

export function lossAt(n: RefNet, p: Float64Array[], p0: Float64Array[], x: Float64Array, y: Float64Array, B: number): number {
  return loss(n, output(n, p, p0, x, B), y, B);
}

/** Analytic float64 gradient by backpropagation (independent of the product's tensor code). */
export function gradient(n: RefNet, p: Float64Array[], p0: Float64Array[], x: Float64Array, y: Float64Array, B: number): Float64Array[] {
  const m = multipliers(n);
  const { hs, zs } = forward(n, p, x, B);
  const f = output(n, p, p0, x, B);
  // dL/df
  let g = new Float64Array(B * n.out);
  for (let i = 0; i < B; i++) {
    if (n.loss === 'mse') {
      for (let k = 0; k < n.out; k++) g[i * n.out + k] = (f[i * n.out + k] - y[i * n.out + k]) / B;
    } else {
      let mx = -Infinity;
      for (let k = 0; k < n.out; k++) mx = Math.max(mx, f[i * n.out + k]);
      let se = 0;
      for (let k = 0; k < n.out; k++) se += Math.exp(f[i * n.out + k] - mx);
      for (let k = 0; k < n.out; k++) g[i * n.out + k] = (Math.exp(f[i * n.out + k] - mx) / se - y[i * n.out + k]) / B;
    }
  }
  const grads: Float64Array[] = p.map((t) => new Float64Array(t.length));
  const per = n.bias ? 2 : 1;
  for (let l = n.L - 1; l >= 0; l--) {
    const fanIn = l === 0 ? n.D : n.N;
    const fanOut = l === n.L - 1 ? n.out : n.N;
    const W = p[l * per];
    const gW = grads[l * per];
    const z = zs[l];
    for (let q = 0; q < fanIn; q++) {
      for (let j = 0; j < fanOut; j++) {
        let s = 0;
        for (let i = 0; i < B; i++) s += z[i * fanIn + q] * g[i * fanOut + j];
        gW[q * fanOut + j] = m.w[l] * s;
      }
    }
    if (n.bias) {
      const gb = grads[l * per + 1];
      for (let j = 0; j < fanOut; j++) {
        let s = 0;
        for (let i = 0; i < B; i++) s += g[i * fanOut + j];
        gb[j] = m.b[l] * s;
      }
    }
    if (l > 0) {
      const prev = new Float64Array(B * fanIn);
      const h = hs[l - 1];
      for (let i = 0; i < B; i++) {
        for (let q = 0; q < fanIn; q++) {
          let s = 0;
          for (let j = 0; j < fanOut; j++) s += g[i * fanOut + j] * W[q * fanOut + j];
          prev[i * fanIn + q] = m.w[l] * s * dact(n.act, h[i * fanIn + q]);
        }
      }
      g = prev;
    }
  }
  return grads;
}

// ---- finite differences and linear algebra -------------------------------------------------

export function flatten(ts: Float64Array[]): Float64Array {
  const out = new Float64Array(ts.reduce((a, t) => a + t.length, 0));
  let o = 0;
  for (const t of ts) { out.set(t, o); o += t.length; }
  return out;
}

export function unflatten(v: Float64Array, like: Float64Array[]): Float64Array[] {
  let o = 0;
  return like.map((t) => { const s = v.slice(o, o + t.length); o += t.length; return s; });
}

/** Central finite differences of a scalar function of the flat parameter vector. */
export function fdGradient(fn: (v: Float64Array) => number, v: Float64Array, eps = 1e-6): Float64Array {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const h = eps * Math.max(1, Math.abs(v[i]));
    const a = v.slice(); a[i] += h;
    const b = v.slice(); b[i] -= h;
    g[i] = (fn(a) - fn(b)) / (2 * h);
  }
  return g;
}

/** Hessian by central differences of an analytic gradient, symmetrised (row-major n × n). */
export function fdHessian(grad: (v: Float64Array) => Float64Array, v: Float64Array, eps = 1e-5): Float64Array {
  const n = v.length;
  const H = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const a = v.slice(); a[j] += eps;
    const b = v.slice(); b[j] -= eps;
    const ga = grad(a), gb = grad(b);
    for (let i = 0; i < n; i++) H[i * n + j] = (ga[i] - gb[i]) / (2 * eps);
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    const s = 0.5 * (H[i * n + j] + H[j * n + i]);
    H[i * n + j] = H[j * n + i] = s;
  }
  return H;
}

export function matVec(H: Float64Array, v: Float64Array): Float64Array {
  const n = v.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < n; j++) s += H[i * n + j] * v[j]; out[i] = s; }
  return out;
}

/**
 * Largest (algebraic) eigenvalue of a symmetric matrix: power iteration on H + c·I with c the
 * Gershgorin bound, so every shifted eigenvalue is ≥ 0 and the top one dominates; run to
 * convergence (many iterations: this is the slow, obviously-correct reference).
 */
export function topEigenvalue(H: Float64Array, n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) { let r = 0; for (let j = 0; j < n; j++) r += Math.abs(H[i * n + j]); c = Math.max(c, r); }
  let v = new Float64Array(n).map((_, i) => Math.cos(1 + 7 * i));
  let lam = 0;
  for (let it = 0; it < 200000; it++) {
    const w = matVec(H, v).map((x, i) => x + c * v[i]);
    const nw = Math.sqrt(w.reduce((a, x) => a + x * x, 0));
    const next = nw;
    v = w.map((x) => x / nw);
    if (Math.abs(next - lam) < 1e-14 * next && it > 10) break;
    lam = next;
  }
  // Rayleigh quotient of the unshifted matrix at the converged vector
  const hv = matVec(H, v);
  return v.reduce((a, x, i) => a + x * hv[i], 0);
}

/** Seeded normal draws for test data (mulberry32 + Box–Muller; independent of core/rng). */
export function normals(seed: number, count: number): Float64Array {
  let s = seed >>> 0;
  const u = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}
