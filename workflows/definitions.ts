// Signals and queries of the sweep workflow, shared by the workflow code and the client.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SweepProgress, TrialDone } from './types.js';

export const progressQuery = defineQuery<SweepProgress>('progress');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** sent by each trial workflow when it ends */
export const trialDoneSignal = defineSignal<[TrialDone]>('trialDone');
