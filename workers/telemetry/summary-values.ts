// The numbers of a sweep's summary.json that Prometheus exports: transfer slope and gap,
// η* per width, fitted scaling-law exponents and the super-consistency spread, per analysis
// group. Reads defensively: a partial summary (an embedded run without analyses, an older
// version) yields fewer values, never an error. Unfitted numbers (null) are left out.
import { describeGroup, type GroupLabel } from '../../core/analysis/groups.js';
import type { LrTransferSummary, ScalingLawSummary, SharpnessSummary } from '../../core/analysis/summary.js';

export interface TransferValues {
  group: string;
  slope?: number;
  gap?: number;
  optimalLr: { width: number; lr: number }[];
}

export interface ExponentValue {
  group: string;
  axis: string;
  metric: string;
  exponent: number;
}

export interface ScienceValues {
  transfer: TransferValues[];
  exponents: ExponentValue[];
  spread: { group: string; spread: number }[];
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const groupName = (g: unknown): string => describeGroup(g && typeof g === 'object' ? (g as GroupLabel) : {});

export function scienceValues(summary: unknown): ScienceValues {
  const s = (summary && typeof summary === 'object' ? summary : {}) as Record<string, unknown>;
  const transfer: TransferValues[] = list<LrTransferSummary>(s.lrTransfer).filter((t) => t && typeof t === 'object').map((t) => {
    const v: TransferValues = { group: groupName(t.group), optimalLr: [] };
    if (finite(t.slope)) v.slope = t.slope;
    if (finite(t.transferGap)) v.gap = t.transferGap;
    for (const o of list<{ width: unknown; lr: unknown }>(t.optimalLr)) {
      if (finite(o?.width) && finite(o.lr) && o.lr > 0) v.optimalLr.push({ width: o.width, lr: o.lr });
    }
    return v;
  });
  const exponents: ExponentValue[] = [];
  for (const l of list<ScalingLawSummary>(s.scalingLaws)) {
    if (l && finite(l.exponent)) exponents.push({ group: groupName(l.group), axis: String(l.axis), metric: String(l.metric ?? ''), exponent: l.exponent });
  }
  const spread: ScienceValues['spread'] = [];
  for (const h of list<SharpnessSummary>(s.sharpness)) {
    if (h && finite(h.consistency)) spread.push({ group: groupName(h.group), spread: h.consistency });
  }
  return { transfer, exponents, spread };
}

/** η* at the widest width of a transfer group, if any width has one. */
export function widestOptimalLr(t: TransferValues): { width: number; lr: number } | undefined {
  let best: { width: number; lr: number } | undefined;
  for (const o of t.optimalLr) if (!best || o.width > best.width) best = o;
  return best;
}
