// The workflows the orchestrator worker registers (its workflowsPath points here).
export { sweepWorkflow } from './sweep.js';
export { trialWorkflow } from './trial.js';
export { packWorkflow } from './pack.js';
