// Signals and queries of the sweep workflow, shared by the workflow code and the client.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SweepProgress, TrialDone } from './types.js';

export const progressQuery = defineQuery<SweepProgress>('progress');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/**
 * Sent by a trial workflow when it ends, if its sweep asked for it (reportBySignal): trials
 * still running when the sweep continues as new report to the next run this way; the run
 * that started a trial learns its end from the child's completion.
 */
export const trialDoneSignal = defineSignal<[TrialDone]>('trialDone');
/** sweep → trial: report your end with trialDone (the sweep is about to continue as new) */
export const reportBySignal = defineSignal('reportBySignal');
