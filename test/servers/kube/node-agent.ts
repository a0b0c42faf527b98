// The test node agent: the kubelet of the test cluster. It registers fake GPU nodes, watches
// the pods bound to them, runs each container's command as a LOCAL PROCESS (cwd = the repo
// checkout, which stands in for every image; see pod-sandbox.ts for volumes and env), serves
// their logs on the kubelet log endpoint (so `pods/log` works through the API server), and
// reports phase, container states, exit codes and reasons through pods/status as a kubelet
// would. It enforces memory limits (RSS above limits.memory → OOMKilled) and can inject faults
// requested by a pod annotation or label (set by tests), see INJECT below.
// Simulation mode runs no processes (every container "runs" for a fixed time and exits 0), for
// scale benchmarks with hundreds of pods on a 2-core machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { constants as osConstants } from 'node:os';
import {
  CoreV1Api, ListWatch, PatchStrategy, Watch, setHeaderOptions,
  type KubeConfig, type V1Container, type V1ContainerStatus, type V1Pod, type V1PodCondition,
} from '@kubernetes/client-node';
import { FakeNodes, type FakeNodeSpec } from './fake-nodes.js';
import { startKubeletLogServer, tailOf } from './kubelet-logs.js';
import { PodSandbox, SandboxNotReady, memoryLimitBytes } from './pod-sandbox.js';
import { trackChild } from './processes.js';
import { withConnectionReuse } from '../../../activities/kubernetes/kube-api.js';

/**
 * Fault injection, as a pod annotation (added any time) or label (from the pod template):
 *  oom-kill    the container is killed as by the kernel OOM killer (exit 137, reason OOMKilled)
 *  evict       kubelet eviction under node pressure (phase Failed, reason Evicted, DisruptionTarget)
 *  preempt     scheduler preemption (DisruptionTarget PreemptionByScheduler, then the pod is deleted)
 *  image-pull  the image cannot be pulled (ErrImagePull, then ImagePullBackOff; never starts)
 */
export const INJECT = 'agent.sweep.test/inject';
/** delay of an injected fault after the container started, ms (annotation or label) */
export const INJECT_AFTER_MS = 'agent.sweep.test/inject-after-ms';
export const FAULTS = ['oom-kill', 'evict', 'preempt', 'image-pull'] as const;
export type Fault = (typeof FAULTS)[number];

/** The kubelet keeps this much of the log as the termination message (FallbackToLogsOnError). */
const TERMINATION_LOG_LINES = 80;
const TERMINATION_LOG_BYTES = 2048;

export interface NodeAgentOptions {
  kubeConfig: KubeConfig;
  nodes: FakeNodeSpec[];
  /** where pod sandboxes (volumes, logs) live */
  dir: string;
  /** serving certificate of the kubelet log endpoint (signed by the cluster CA) */
  tls: { cert: string; key: string };
  /** working directory of every container: the repo checkout standing in for the image */
  cwd: string;
  /** the image's ENTRYPOINT, used when a container sets no command */
  entrypoint?: (image: string) => string[] | undefined;
  /** whether an image can be pulled (default: every image) */
  pullable?: (image: string) => boolean;
  /** no processes: containers run for runMs and exit 0 */
  simulate?: { runMs: number };
  /** extra environment for every container (PATH and HOME are always set) */
  env?: Record<string, string>;
  heartbeatMs?: number;
}

interface ContainerRun {
  name: string;
  image: string;
  spec: V1Container;
  logFile: string;
  proc?: ChildProcess;
  simTimer?: NodeJS.Timeout;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  reason?: string;
  message?: string;
  waiting?: { reason: string; message?: string };
  restartCount: number;
  lastState?: V1ContainerStatus['lastState'];
  memLimit?: number;
  oomKilled: boolean;
}

interface PodRun {
  uid: string;
  node: string;
  pod: V1Pod;
  state: 'preparing' | 'image-pull' | 'running' | 'done';
  containers: ContainerRun[];
  sandbox?: PodSandbox;
  startTime: string;
  podIP: string;
  evicted?: string;
  faultApplied: boolean;
  killing: boolean;
  finalizing: boolean;
  pushedJson?: string;
  pushing: boolean;
  dirty: boolean;
  timers: Set<NodeJS.Timeout>;
}

const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const now = () => new Date().toISOString();
const codeOf = (err: unknown) => (err as { code?: number }).code;
const debug = process.env.SWEEP_AGENT_DEBUG ? (...args: unknown[]) => console.error('[node-agent]', ...args) : () => {};

export class NodeAgent {
  private readonly core: CoreV1Api;
  private readonly runs = new Map<string, PodRun>();
  private readonly nodeNames: Set<string>;
  private readonly partitioned = new Set<string>();
  private informer?: ListWatch<V1Pod>;
  private nodes?: FakeNodes;
  private logServer?: Awaited<ReturnType<typeof startKubeletLogServer>>;
  private memTimer?: NodeJS.Timeout;
  private stopped = false;
  private ipCounter = 0;
  /** pods/status patches sent, for benchmarks */
  statusPatches = 0;

  private readonly connections: ReturnType<typeof withConnectionReuse>;

  private constructor(private readonly opts: NodeAgentOptions) {
    // a kubelet keeps its connections to the API server open (and so must a 500-pod benchmark)
    this.connections = withConnectionReuse(opts.kubeConfig);
    this.core = this.connections.kc.makeApiClient(CoreV1Api);
    this.nodeNames = new Set(opts.nodes.map((n) => n.name));
  }

  static async start(opts: NodeAgentOptions): Promise<NodeAgent> {
    const agent = new NodeAgent(opts);
    mkdirSync(opts.dir, { recursive: true });
    agent.logServer = await startKubeletLogServer(opts.tls, (ns, pod, container) => agent.logSource(ns, pod, container));
    agent.nodes = new FakeNodes(agent.connections.kc, opts.nodes, agent.logServer.port, opts.heartbeatMs);
    await agent.nodes.register();
    agent.startInformer();
    agent.memTimer = setInterval(() => agent.enforceMemoryLimits(), 300);
    return agent;
  }

  get nodeList(): string[] {
    return [...this.nodeNames];
  }

  /** Cut a node off (no heartbeats, no status reports) or reconnect it. */
  setPartitioned(node: string, partitioned: boolean): void {
    this.nodes!.setHealthy(node, !partitioned);
    if (partitioned) { this.partitioned.add(node); return; }
    this.partitioned.delete(node);
    for (const pod of this.informer?.list() ?? []) this.onPod(pod);
    for (const run of this.runs.values()) if (run.node === node) void this.push(run);
  }

  /** pids of running containers by pod name (namespace/name), for tests */
  processes(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const run of this.runs.values()) {
      const pids = run.containers.flatMap((c) => (c.proc?.pid ? [c.proc.pid] : []));
      if (pids.length) out.set(`${run.pod.metadata!.namespace}/${run.pod.metadata!.name}`, pids);
    }
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.memTimer) clearInterval(this.memTimer);
    this.nodes?.stop();
    await this.informer?.stop();
    const exits: Promise<unknown>[] = [];
    for (const run of this.runs.values()) {
      for (const t of run.timers) clearTimeout(t);
      for (const c of run.containers) {
        if (c.simTimer) clearTimeout(c.simTimer);
        if (c.proc && c.proc.exitCode === null && c.proc.signalCode === null) {
          exits.push(new Promise((r) => c.proc!.once('close', r)));
          killGroup(c.proc, 'SIGKILL');
        }
      }
    }
    await Promise.all(exits);
    await this.logServer?.close();
    this.connections.close();
  }

  // ---- watching pods ------------------------------------------------------------------------

  private startInformer(): void {
    const path = '/api/v1/pods';
    const listFn = () => this.core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName!=' });
    const informer = new ListWatch<V1Pod>(path, new Watch(this.connections.kc), listFn, false, undefined, 'spec.nodeName!=');
    informer.on('add', (p) => this.onPod(p));
    informer.on('update', (p) => this.onPod(p));
    informer.on('delete', (p) => this.onDeleted(p));
    // client-node's ListWatch stops on any error but 410: restart it (the API server may be restarting)
    informer.on('error', () => {
      if (this.stopped) return;
      setTimeout(() => { if (!this.stopped) void informer.start(); }, 1000);
    });
    this.informer = informer;
    void informer.start();
  }

  private onPod(pod: V1Pod): void {
    if (this.stopped) return;
    const node = pod.spec?.nodeName;
    const uid = pod.metadata?.uid;
    if (!node || !uid || !this.nodeNames.has(node) || this.partitioned.has(node)) return;
    let run = this.runs.get(uid);
    if (!run) {
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') {
        // finished before this agent saw it (e.g. an agent restart): only finish a deletion
        if (pod.metadata?.deletionTimestamp) void this.deleteNow(pod);
        return;
      }
      run = {
        uid, node, pod, state: 'preparing', containers: [], startTime: now(),
        podIP: podIp(++this.ipCounter),
        faultApplied: false, killing: false, finalizing: false, pushing: false, dirty: false, timers: new Set(),
      };
      run.containers = pod.spec!.containers.map((c) => ({
        name: c.name, image: c.image ?? '', spec: c, logFile: '', restartCount: 0, memLimit: memoryLimitBytes(c), oomKilled: false,
      }));
      this.runs.set(uid, run);
      void this.startPod(run);
    }
    run.pod = pod;
    if (pod.metadata?.deletionTimestamp) void this.terminate(run, 'deleted');
    else this.maybeInject(run);
  }

  private onDeleted(pod: V1Pod): void {
    const run = this.runs.get(pod.metadata?.uid ?? '');
    if (!run) return;
    this.runs.delete(run.uid);
    for (const t of run.timers) clearTimeout(t);
    for (const c of run.containers) {
      if (c.simTimer) clearTimeout(c.simTimer);
      if (c.proc) killGroup(c.proc, 'SIGKILL');
    }
    // the kubelet removes a deleted pod's directory (volumes, logs)
    if (run.sandbox) rmSync(run.sandbox.root, { recursive: true, force: true });
  }

  private later(run: PodRun, ms: number, fn: () => void): void {
    const t = setTimeout(() => { run.timers.delete(t); if (!this.stopped) fn(); }, ms);
    run.timers.add(t);
  }

  // ---- running containers -------------------------------------------------------------------

  private fault(run: PodRun): Fault | undefined {
    const md = run.pod.metadata ?? {};
    const f = md.annotations?.[INJECT] ?? md.labels?.[INJECT];
    return (FAULTS as readonly string[]).includes(f ?? '') ? (f as Fault) : undefined;
  }

  private async startPod(run: PodRun): Promise<void> {
    const pullable = this.opts.pullable ?? (() => true);
    const bad = run.containers.find((c) => !pullable(c.image));
    if (bad || this.fault(run) === 'image-pull') {
      run.state = 'image-pull';
      run.faultApplied = true;
      const image = (bad ?? run.containers[0]).image;
      const flip = (back: boolean) => {
        if (run.killing || this.stopped) return;
        for (const c of run.containers) {
          c.waiting = back
            ? { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` }
            : { reason: 'ErrImagePull', message: `failed to pull and unpack image "${image}": pull access denied, repository does not exist or may require authorization` };
        }
        void this.push(run);
        this.later(run, 1500, () => flip(!back));
      };
      flip(false);
      return;
    }
    if (this.opts.simulate) {
      run.state = 'running';
      for (const c of run.containers) {
        c.startedAt = now();
        c.simTimer = setTimeout(() => this.containerExited(run, c, 0), this.opts.simulate.runMs);
      }
      void this.push(run);
      this.maybeInject(run);
      return;
    }
    run.sandbox = new PodSandbox(run.pod, this.core, this.opts.dir);
    for (const c of run.containers) c.logFile = run.sandbox.logFile(c.name);
    for (;;) {
      if (run.killing || this.stopped) return;
      try {
        const launches = await run.sandbox.prepare(this.opts.entrypoint ?? (() => undefined));
        if (run.killing || this.stopped) return;
        run.state = 'running';
        for (const c of run.containers) {
          c.waiting = undefined;
          this.spawnContainer(run, c, launches.find((l) => l.name === c.name)!);
        }
        void this.push(run);
        this.maybeInject(run);
        return;
      } catch (err) {
        const reason = err instanceof SandboxNotReady ? err.reason : 'ContainerCreating';
        for (const c of run.containers) c.waiting = { reason, message: (err as Error).message };
        void this.push(run);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private spawnContainer(run: PodRun, c: ContainerRun, launch: { argv: string[]; env: Record<string, string> }): void {
    mkdirSync(dirname(c.logFile), { recursive: true });
    const fd = openSync(c.logFile, 'a');
    const nodeDir = dirname(process.execPath);
    const env = {
      PATH: `${nodeDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: run.sandbox!.root,
      HOSTNAME: run.pod.metadata!.name!,
      ...this.opts.env,
      ...launch.env,
    };
    const [cmd, ...args] = launch.argv;
    c.startedAt = now();
    c.finishedAt = undefined;
    c.exitCode = undefined;
    c.oomKilled = false;
    const proc = spawn(cmd === 'node' ? process.execPath : cmd, args, { cwd: this.opts.cwd, env, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    c.proc = proc;
    trackChild(proc, true);
    let startError: string | undefined;
    proc.once('error', (err) => { startError = err.message; });
    proc.once('close', (code, signal) => {
      if (c.proc !== proc) return;
      c.proc = undefined;
      if (startError) {
        this.containerExited(run, c, 128, 'StartError', startError);
        return;
      }
      const signo = signal ? (osConstants.signals as Record<string, number>)[signal] ?? 9 : 0;
      this.containerExited(run, c, code ?? 128 + signo);
    });
  }

  private containerExited(run: PodRun, c: ContainerRun, exitCode: number, reason?: string, message?: string): void {
    if (c.simTimer) { clearTimeout(c.simTimer); c.simTimer = undefined; }
    c.finishedAt = now();
    c.exitCode = exitCode;
    c.reason = reason ?? (c.oomKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error');
    c.message = message;
    if (!message && exitCode !== 0 && c.spec.terminationMessagePolicy === 'FallbackToLogsOnError' && c.logFile) {
      let log = '';
      try { log = readFileSync(c.logFile, 'utf8'); } catch { /* no output */ }
      const tail = Buffer.from(tailOf(log, TERMINATION_LOG_LINES));
      c.message = tail.subarray(Math.max(0, tail.length - TERMINATION_LOG_BYTES)).toString('utf8') || undefined;
    }
    const restart = run.pod.spec?.restartPolicy === 'OnFailure' && exitCode !== 0 && !run.killing && !run.evicted && !this.stopped;
    if (restart && run.sandbox) {
      c.lastState = { terminated: { exitCode, reason: c.reason, message: c.message, startedAt: c.startedAt as unknown as Date, finishedAt: c.finishedAt as unknown as Date } };
      c.restartCount++;
      c.waiting = { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name}` };
      void this.push(run);
      this.later(run, 1000, async () => {
        try {
          const launches = await run.sandbox!.prepare(this.opts.entrypoint ?? (() => undefined));
          c.waiting = undefined;
          this.spawnContainer(run, c, launches.find((l) => l.name === c.name)!);
          void this.push(run);
        } catch (err) {
          this.containerExited(run, c, 128, 'StartError', (err as Error).message);
        }
      });
      return;
    }
    if (run.containers.every((x) => x.exitCode !== undefined && !x.proc && !x.simTimer)) run.state = 'done';
    void this.push(run);
  }

  private enforceMemoryLimits(): void {
    for (const run of this.runs.values()) {
      for (const c of run.containers) {
        if (!c.proc?.pid || !c.memLimit || c.oomKilled) continue;
        let rss: number;
        try {
          const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${c.proc.pid}/status`, 'utf8'));
          rss = m ? Number(m[1]) * 1024 : 0;
        } catch { continue; }
        if (rss > c.memLimit) {
          c.oomKilled = true;
          killGroup(c.proc, 'SIGKILL');
        }
      }
    }
  }

  // ---- faults, deletion ---------------------------------------------------------------------

  private maybeInject(run: PodRun): void {
    const fault = this.fault(run);
    if (!fault || run.faultApplied || run.state !== 'running' || run.killing) return;
    run.faultApplied = true;
    const md = run.pod.metadata ?? {};
    const after = Number(md.annotations?.[INJECT_AFTER_MS] ?? md.labels?.[INJECT_AFTER_MS] ?? 0) || 0;
    const started = Math.max(...run.containers.map((c) => Date.parse(c.startedAt ?? now())));
    this.later(run, Math.max(0, started + after - Date.now()), () => this.applyFault(run, fault));
  }

  private applyFault(run: PodRun, fault: Fault): void {
    if (run.killing || run.state === 'done') return;
    if (fault === 'oom-kill') {
      for (const c of run.containers) {
        c.oomKilled = true;
        if (c.proc) killGroup(c.proc, 'SIGKILL');
        else if (c.simTimer) this.containerExited(run, c, 137);
      }
    } else if (fault === 'evict') {
      run.evicted = 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 42Mi.';
      void this.terminate(run, 'evicted');
    } else if (fault === 'preempt') {
      void this.preempt(run);
    }
  }

  private async preempt(run: PodRun): Promise<void> {
    const md = run.pod.metadata!;
    const cond = { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: `${md.name}: preempting to accommodate a higher priority pod`, lastTransitionTime: now() };
    try {
      await this.core.patchNamespacedPodStatus({ name: md.name!, namespace: md.namespace!, body: { status: { conditions: [cond] } } }, strategic);
      await this.core.deleteNamespacedPod({ name: md.name!, namespace: md.namespace!, gracePeriodSeconds: 1 });
    } catch {
      run.faultApplied = false; // retried on the next pod event
    }
  }

  /** Stop the containers (graceful deletion or eviction), report the terminal status, finish a deletion. */
  private async terminate(run: PodRun, why: 'deleted' | 'evicted'): Promise<void> {
    if (run.killing) {
      if (why === 'deleted' && run.state === 'done') await this.finalize(run);
      return;
    }
    run.killing = true;
    debug('terminate', run.pod.metadata?.name, why, run.state);
    for (const t of run.timers) clearTimeout(t);
    run.timers.clear();
    const grace = why === 'evicted' ? 0 : Math.min(run.pod.metadata?.deletionGracePeriodSeconds ?? 30, 5);
    const exits: Promise<unknown>[] = [];
    for (const c of run.containers) {
      if (c.proc) {
        const p = c.proc;
        exits.push(new Promise((r) => p.once('close', r)));
        killGroup(p, grace > 0 ? 'SIGTERM' : 'SIGKILL');
        if (grace > 0) setTimeout(() => killGroup(p, 'SIGKILL'), grace * 1000).unref();
      } else if (c.simTimer) {
        this.containerExited(run, c, 137);
      } else if (c.exitCode === undefined && run.state !== 'done') {
        // never started (pulling or creating): nothing to stop
        c.waiting = undefined;
        c.finishedAt = now();
        c.exitCode = 137;
        c.reason = 'ContainerStatusUnknown';
        c.message = 'The container could not be located when the pod was terminated';
      }
    }
    await Promise.all(exits);
    run.state = 'done';
    await this.push(run);
    if (why === 'deleted') await this.finalize(run);
  }

  private async finalize(run: PodRun): Promise<void> {
    if (run.finalizing) return;
    run.finalizing = true;
    debug('finalize', run.pod.metadata?.name, run.pushing, run.dirty, run.pushedJson !== undefined);
    // the terminal status must be stored before the pod goes away (controllers read it)
    for (let i = 0; i < 100 && !this.stopped && (run.pushing || run.dirty || run.pushedJson === undefined); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.deleteNow(run.pod);
  }

  private async deleteNow(pod: V1Pod): Promise<void> {
    const md = pod.metadata!;
    debug('delete', md.name);
    for (let attempt = 0; attempt < 30 && !this.stopped; attempt++) {
      try {
        await this.core.deleteNamespacedPod({ name: md.name!, namespace: md.namespace!, gracePeriodSeconds: 0, body: { gracePeriodSeconds: 0, preconditions: { uid: md.uid } } });
        debug('deleted', md.name);
        return;
      } catch (err) {
        debug('delete failed', md.name, codeOf(err), (err as Error).message.slice(0, 300));
        if (codeOf(err) === 404 || codeOf(err) === 409) return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  // ---- status -------------------------------------------------------------------------------

  private containerStatus(c: ContainerRun): V1ContainerStatus {
    const running = (!!c.proc || !!c.simTimer) && c.exitCode === undefined;
    const st: Record<string, unknown> = {
      name: c.name, image: c.image, imageID: `sweep-agent://${c.image}`,
      ready: running, started: running, restartCount: c.restartCount,
    };
    if (c.startedAt) st.containerID = `sweep-agent://${c.name}-${c.restartCount}`;
    if (c.waiting) st.state = { waiting: c.waiting };
    else if (running) st.state = { running: { startedAt: c.startedAt } };
    else if (c.exitCode !== undefined) {
      st.state = { terminated: { exitCode: c.exitCode, reason: c.reason, message: c.message, startedAt: c.startedAt ?? c.finishedAt, finishedAt: c.finishedAt, containerID: st.containerID } };
    } else st.state = { waiting: { reason: 'ContainerCreating' } };
    if (c.lastState) st.lastState = c.lastState;
    return st as unknown as V1ContainerStatus;
  }

  private buildStatus(run: PodRun): Record<string, unknown> {
    const t = now();
    const statuses = run.containers.map((c) => this.containerStatus(c));
    let phase: string;
    if (run.state === 'done' || run.evicted) {
      phase = run.evicted || run.containers.some((c) => c.exitCode !== 0) ? 'Failed' : 'Succeeded';
    } else if (run.state === 'running') phase = 'Running';
    else phase = 'Pending';
    const allReady = statuses.length > 0 && statuses.every((s) => s.ready);
    const cond = (type: string, ok: boolean, reason?: string, message?: string): V1PodCondition =>
      ({ type, status: ok ? 'True' : 'False', lastTransitionTime: t as unknown as Date, ...(reason ? { reason } : {}), ...(message ? { message } : {}) });
    const prior = new Map((run.pod.status?.conditions ?? []).map((c) => [c.type, c]));
    const keep = (c: V1PodCondition) => {
      const old = prior.get(c.type);
      // a condition keeps its transition time while its status does not change
      return old && old.status === c.status && old.reason === c.reason ? { ...c, lastTransitionTime: old.lastTransitionTime } : c;
    };
    const notReadyReason = phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady';
    const conditions = [
      cond('PodReadyToStartContainers', run.state !== 'preparing' || phase !== 'Pending'),
      cond('Initialized', true),
      cond('ContainersReady', allReady, allReady ? undefined : notReadyReason),
      cond('Ready', allReady, allReady ? undefined : notReadyReason),
    ];
    if (run.evicted) conditions.push(cond('DisruptionTarget', true, 'TerminationByKubelet', run.evicted));
    const status: Record<string, unknown> = {
      phase,
      conditions: conditions.map(keep),
      containerStatuses: statuses,
      hostIP: '127.0.0.1', hostIPs: [{ ip: '127.0.0.1' }],
      podIP: run.podIP, podIPs: [{ ip: run.podIP }],
      startTime: run.startTime,
    };
    if (run.evicted) Object.assign(status, { reason: 'Evicted', message: run.evicted });
    return status;
  }

  private async push(run: PodRun): Promise<void> {
    if (this.stopped || this.partitioned.has(run.node)) { run.dirty = true; return; }
    if (run.pushing) { run.dirty = true; return; }
    run.dirty = false;
    const status = this.buildStatus(run);
    // timestamps of conditions are recomputed each time: compare without them
    const json = JSON.stringify({ ...status, conditions: (status.conditions as V1PodCondition[]).map((c) => [c.type, c.status, c.reason]) });
    if (json === run.pushedJson) return;
    run.pushing = true;
    const md = run.pod.metadata!;
    try {
      await this.core.patchNamespacedPodStatus({ name: md.name!, namespace: md.namespace!, body: { status } }, strategic);
      this.statusPatches++;
      run.pushedJson = json;
    } catch (err) {
      debug('status patch failed', md.name, codeOf(err), (err as Error).message.slice(0, 400));
      if (codeOf(err) === 404) { this.onDeleted(run.pod); return; }
      run.dirty = true;
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      run.pushing = false;
    }
    if (run.dirty && this.runs.has(run.uid)) await this.push(run);
  }

  // ---- logs ---------------------------------------------------------------------------------

  private logSource(ns: string, name: string, container: string | undefined) {
    let found: PodRun | undefined;
    for (const run of this.runs.values()) {
      const md = run.pod.metadata!;
      if (md.namespace === ns && md.name === name) found = run;
    }
    if (!found) return undefined;
    const c = container ? found.containers.find((x) => x.name === container) : found.containers[0];
    if (!c) return undefined;
    if (!c.logFile) return { file: '/dev/null', running: () => false };
    return { file: c.logFile, running: () => !!c.proc };
  }
}

/** A distinct, valid pod IP per pod (10.64.0.1, …): only a string in status, never routed. */
function podIp(n: number): string {
  return `10.${64 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${n & 255}`;
}

function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (p.pid) process.kill(-p.pid, signal);
  } catch {
    try { p.kill(signal); } catch { /* gone */ }
  }
}
