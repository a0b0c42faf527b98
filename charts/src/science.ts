// "Sweep science": live loss and sharpness curves of the selected sweep's running trials, its
// fitted results (η* vs width, transfer slope, exponents, super consistency), and the nightly
// canary's numbers over past runs for the selected schedule.
import { LIVE, NIGHTLY, OPS, SCIENCE } from '../../workers/telemetry/names.js';
import type { DashboardSpec } from './panels.js';

const S = '{sweep="$sweep"}';
const N = '{schedule="$schedule"}';

export const scienceDashboard: DashboardSpec = {
  uid: 'sweep-science',
  title: 'Sweep science',
  description: 'Live training curves, fitted transfer and scaling results of a sweep, and nightly canary history. Definitions: docs/science.md in the sweep repository.',
  tags: ['sweep', 'generated'],
  time: '6h',
  variables: [
    { name: 'sweep', label: 'Sweep', query: `label_values(${OPS.trials}, sweep)` },
    { name: 'schedule', label: 'Nightly schedule', query: `label_values(${NIGHTLY.runInfo}, schedule)` },
  ],
  rows: [
    {
      title: 'Running trials of $sweep',
      panels: [
        { kind: 'timeseries', title: 'Training loss (running trials)', log: true, width: 8, description: 'Latest training loss of each running trial; a curve ends when its trial ends.',
          queries: [{ expr: `${LIVE.trainLoss}${S}`, legend: '{{trial}}' }] },
        { kind: 'timeseries', title: 'Test loss (running trials)', log: true, width: 8, description: 'Latest test loss of each running trial.',
          queries: [{ expr: `${LIVE.testLoss}${S}`, legend: '{{trial}}' }] },
        { kind: 'timeseries', title: 'Sharpness (running trials)', log: true, width: 8, description: 'Latest top Hessian eigenvalue of each running trial (docs/science.md §3).',
          queries: [{ expr: `${LIVE.sharpness}${S}`, legend: '{{trial}}' }] },
      ],
    },
    {
      title: 'Fits of $sweep',
      panels: [
        { kind: 'barchart', title: 'Optimal learning rate vs width', log: true, width: 12, xField: 'width',
          description: 'η* per width (refined between grid points), one bar per analysis group. Flat across widths means the learning rate transfers (docs/science.md §4.1).',
          queries: [{ expr: `${SCIENCE.optimalLr}${S}`, instant: true, table: true }],
          transformations: [
            { id: 'groupingToMatrix', options: { columnField: 'group', rowField: 'width', valueField: 'Value' } },
            { id: 'renameByRegex', options: { regex: 'width\\\\group', renamePattern: 'width' } },
            { id: 'convertFieldType', options: { conversions: [{ targetField: 'width', destinationType: 'number' }] } },
            { id: 'sortBy', options: { sort: [{ field: 'width' }] } },
            // numeric sort above, categories on the bar chart's x axis
            { id: 'convertFieldType', options: { conversions: [{ targetField: 'width', destinationType: 'string' }] } },
          ] },
        { kind: 'bargauge', title: 'Transfer slope d log η* / d log width', width: 6, description: 'About 0 when η* transfers across widths (µP); clearly negative under standard parametrization (docs/science.md §4.1).',
          queries: [{ expr: `${SCIENCE.transferSlope}${S}`, legend: '{{group}}', instant: true }] },
        { kind: 'bargauge', title: 'Transfer gap', unit: 'percentunit', width: 6, description: 'Loss excess at the widest width when using the narrowest width\'s η* (docs/science.md §4.1).',
          queries: [{ expr: `${SCIENCE.transferGap}${S}`, legend: '{{group}}', instant: true }] },
        { kind: 'bargauge', title: 'Fitted scaling exponents', width: 12, description: 'Exponent of the fitted power law per axis and metric (docs/science.md §4.3).',
          queries: [{ expr: `${SCIENCE.exponent}${S}`, legend: '{{axis}} {{metric}} [{{group}}]', instant: true }] },
        { kind: 'bargauge', title: 'Super-consistency spread', width: 12, description: 'Mean relative spread of step-scaled sharpness across widths; small means the trajectories coincide (docs/science.md §4.2).',
          queries: [{ expr: `${SCIENCE.sharpnessSpread}${S}`, legend: '{{group}}', instant: true }] },
      ],
    },
    {
      title: 'Nightly runs of $schedule',
      panels: [
        { kind: 'timeseries', title: 'Transfer slope over nightly runs', width: 8, timeFrom: '30d', description: 'Each step of a curve is one nightly run.',
          queries: [{ expr: `${NIGHTLY.transferSlope}${N}`, legend: '{{group}}' }] },
        { kind: 'timeseries', title: 'η* at the widest width over nightly runs', log: true, width: 8, timeFrom: '30d', description: 'Optimal learning rate at the widest width of each nightly run.',
          queries: [{ expr: `${NIGHTLY.optimalLrWidest}${N}`, legend: '{{group}} (width {{width}})' }] },
        { kind: 'timeseries', title: 'Fitted exponents over nightly runs', width: 8, timeFrom: '30d', description: 'Scaling-law exponents of each nightly run.',
          queries: [{ expr: `${NIGHTLY.exponent}${N}`, legend: '{{axis}} {{metric}} [{{group}}]' }] },
        { kind: 'stat', title: 'Change since the previous nightly run', width: 24, description: 'Tonight minus the previous nightly run: transfer slope, log η* at the widest width, exponents (the drift alerts fire beyond their tolerances).',
          queries: [
            { expr: `${NIGHTLY.transferSlope}${N} - ${NIGHTLY.previousTransferSlope}${N}`, legend: 'slope {{group}}', instant: true },
            { expr: `ln(${NIGHTLY.optimalLrWidest}${N}) - ln(${NIGHTLY.previousOptimalLrWidest}${N})`, legend: 'log η* {{group}}', instant: true },
            { expr: `${NIGHTLY.exponent}${N} - ${NIGHTLY.previousExponent}${N}`, legend: 'exponent {{axis}} [{{group}}]', instant: true },
          ] },
      ],
    },
  ],
};
