// `sweep watch ID`: a live progress bar of a cluster sweep until it ends.
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { SweepClient, SweepStatus } from '../../client/sweep-client.js';
import { formatDuration } from '../embedded/progress.js';
import { parseIntegerOption } from '../integer-option.js';
import { exitCodeFor, statusLine, withClient, withConnectionFlags, type ConnectionFlags } from './cluster.js';

/**
 * Follows a sweep until it ends: a bar on a terminal, a line per change otherwise. Returns the
 * last status and the last line printed (so the caller does not print the same line again).
 */
export async function followSweep(client: SweepClient, sweepId: string, intervalMs = 1000): Promise<{ final: SweepStatus; lastLine: string }> {
  const tty = !!process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar({
      format: '{name} [{bar}] {value}/{total} | {running} | {diverged} diverged | {failed} failed | {state} | eta {eta_h}',
      stream: process.stderr, hideCursor: true, clearOnComplete: false,
    }, cliProgress.Presets.shades_classic)
    : undefined;
  let started = false;
  let lastLine = '';
  const t0 = Date.now();
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  try {
    const final = await client.watch(sweepId, (s) => {
      const p = s.progress;
      if (!p) {
        const line = statusLine(s);
        if (line !== lastLine) process.stderr.write(`${line}\n`);
        lastLine = line;
        return;
      }
      const eta = p.finished > 0 ? ((Date.now() - t0) / p.finished) * (p.planned - p.finished) : Number.NaN;
      const payload = {
        // trials beyond the workers' slots wait (statusLine says why)
        name: p.name,
        running: s.trialSlots === undefined ? `${p.inFlight} running` : `${s.trialSlots} running, ${p.inFlight - s.trialSlots} waiting`,
        diverged: p.counts.diverged, failed: p.counts.failed,
        state: s.status === 'RUNNING' ? p.state : s.status.toLowerCase(), eta_h: formatDuration(eta),
      };
      if (bar) {
        if (!started) bar.start(p.planned, p.finished, payload);
        started = true;
        bar.setTotal(p.planned);
        bar.update(p.finished, payload);
      } else {
        const line = statusLine(s);
        if (line !== lastLine) process.stderr.write(`${line}\n`);
        lastLine = line;
      }
    }, { intervalMs, signal: ac.signal });
    return { final, lastLine };
  } finally {
    process.off('SIGINT', onSig);
    bar?.stop();
  }
}

export function register(program: Command): void {
  withConnectionFlags(program
    .command('watch')
    .description('follow a cluster sweep with a live progress bar until it ends')
    .argument('<id>', 'sweep id (printed by submit)')
    .option('--interval <ms>', 'refresh period, at least 100', '1000'))
    .action(async (id: string, flags: ConnectionFlags & { interval: string }) => {
      const interval = parseIntegerOption(flags.interval, '--interval', 100);
      await withClient(flags, async (client) => {
        const { final: s } = await followSweep(client, id, interval);
        console.log(statusLine(s));
        process.exitCode = s.status === 'RUNNING' ? 0 : exitCodeFor(s);
      });
    });
}
