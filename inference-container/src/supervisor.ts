/**
 * Runs vLLM as a child in its own process group, pipes its output into the structured log, keeps a cached
 * readiness state from polling /v1/models, restarts it with exponential backoff, and gives up (so the
 * platform replaces the container) after too many restarts in a window.
 *
 * vLLM's API server spawns EngineCore and worker processes; killing only its PID orphans them with the GPU
 * still held (vllm#55510). So every signal goes to the whole group: `process.kill(-pid, signal)`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { Client } from 'undici';
import type { SupervisorSettings } from './config';

export type VllmState = 'idle' | 'starting' | 'ready' | 'restarting' | 'stopping' | 'stopped' | 'failed';

export interface SupervisorOptions {
  /** `$VLLM_COMMAND` split on spaces. */
  command: string[];
  /** Arguments after the command (`serve <model> ...`). */
  args: string[];
  /** Where vLLM listens, e.g. http://127.0.0.1:8081. */
  origin: string;
  /** The model id that must be listed by /v1/models: the adapter name, or the base model. */
  servedModel: string;
  /** Extra environment for vLLM alone (offline switches, the Hugging Face token). */
  env?: Record<string, string>;
  settings: SupervisorSettings;
  logger: Logger;
}

export interface SupervisorStatus {
  state: VllmState;
  ready: boolean;
  pid: number | null;
  restarts: number;
  lastExit: { code: number | null; signal: string | null; at: string } | null;
  /** Model ids vLLM listed at the last poll it answered (GET /v1/models); null before it first answered. */
  listedModels: string[] | null;
  /**
   * The served model (the adapter's name when there is one) when vLLM answered without listing it: vLLM runs, but
   * not with the adapter asked for. Null otherwise.
   */
  missingModel: string | null;
}

/** Consecutive failed polls that turn a ready vLLM not-ready (one slow answer is not an outage). */
const FAILED_POLLS_BEFORE_NOT_READY = 3;

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class VllmSupervisor extends EventEmitter {
  private child: ChildProcess | null = null;
  private state: VllmState = 'idle';
  private ready = false;
  private restarts = 0;
  private restartTimes: number[] = [];
  private consecutiveQuickFailures = 0;
  private startedAt = 0;
  private lastExit: SupervisorStatus['lastExit'] = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private failedPolls = 0;
  private listedModels: string[] | null = null;
  private readonly pollClient: Client;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: SupervisorOptions) {
    super();
    const timeout = Math.min(2_000, Math.max(500, options.settings.readinessPollMs * 2));
    // A client of its own, so readiness never queues behind detections on the detect pool.
    this.pollClient = new Client(options.origin, {
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connectTimeout: timeout,
    });
  }

  status(): SupervisorStatus {
    return {
      state: this.state,
      ready: this.ready,
      pid: this.child?.pid ?? null,
      restarts: this.restarts,
      lastExit: this.lastExit,
      listedModels: this.listedModels,
      missingModel:
        this.child && this.listedModels && !this.listedModels.includes(this.options.servedModel)
          ? this.options.servedModel
          : null,
    };
  }

  isReady(): boolean {
    return this.ready;
  }

  start(): void {
    if (this.child || this.state === 'stopping' || this.state === 'stopped') return;
    this.spawnChild();
    this.pollTimer = setInterval(() => void this.poll(), this.options.settings.readinessPollMs);
    this.pollTimer.unref();
  }

  private spawnChild(): void {
    const [executable, ...commandArgs] = this.options.command;
    const { logger } = this.options;
    this.state = 'starting';
    this.startedAt = Date.now();
    this.failedPolls = 0;
    this.listedModels = null;
    const child = spawn(executable, [...commandArgs, ...this.options.args], {
      detached: true, // its own process group, signalled as a whole
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1', ...this.options.env },
    });
    this.child = child;
    logger.info(
      { source: 'controller', pid: child.pid, command: this.options.command, args: this.options.args },
      'starting vLLM',
    );
    for (const [stream, input] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const) {
      // Always consume the pipes: a full pipe blocks the child.
      if (input) createInterface({ input }).on('line', (line) => logger.info({ source: 'vllm', stream }, line));
    }
    this.exited = new Promise((resolve) => {
      let done = false;
      const onGone = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
        if (done) return;
        done = true;
        this.onExit(child, code, signal, error);
        resolve();
      };
      child.once('exit', (code, signal) => onGone(code, signal));
      child.once('error', (error) => onGone(null, null, error));
    });
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, error?: Error): void {
    const { logger, settings } = this.options;
    this.child = null;
    this.setReady(false);
    this.lastExit = { code, signal, at: new Date().toISOString() };
    // Orphaned EngineCore/workers would keep the GPU: clear the whole group.
    if (child.pid) signalGroup(child.pid, 'SIGKILL');
    if (this.state === 'stopping' || this.state === 'stopped') return;

    const now = Date.now();
    const uptime = now - this.startedAt;
    logger.error(
      { source: 'controller', code, signal, uptimeMs: uptime, error: error?.message },
      error ? 'could not start vLLM' : 'vLLM exited unexpectedly',
    );
    this.restartTimes = this.restartTimes.filter((t) => now - t < settings.restartWindowMs);
    if (this.restartTimes.length >= settings.maxRestarts) {
      this.state = 'failed';
      logger.fatal(
        { source: 'controller', restarts: this.restartTimes.length, windowMs: settings.restartWindowMs },
        'vLLM keeps exiting: giving up so the platform replaces the container',
      );
      this.emit(
        'fatal',
        new Error(`vLLM exited ${this.restartTimes.length + 1} times within ${settings.restartWindowMs} ms`),
      );
      return;
    }
    if (uptime >= settings.minUptimeMs) this.consecutiveQuickFailures = 0;
    const delay = Math.min(settings.backoffMs * 2 ** this.consecutiveQuickFailures, settings.maxBackoffMs);
    this.consecutiveQuickFailures++;
    this.state = 'restarting';
    logger.warn({ source: 'controller', delayMs: delay }, 'restarting vLLM');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.state !== 'restarting') return;
      this.restartTimes.push(Date.now());
      this.restarts++;
      this.emit('restart', this.restarts);
      this.spawnChild();
    }, delay);
  }

  private setReady(ready: boolean): void {
    if (ready === this.ready) return;
    this.ready = ready;
    if (ready) this.state = 'ready';
    else if (this.state === 'ready') this.state = 'starting';
    this.options.logger.info({ source: 'controller', ready }, ready ? 'vLLM is ready' : 'vLLM is not ready');
    this.emit(ready ? 'ready' : 'not-ready');
  }

  private async poll(): Promise<void> {
    if (this.polling || !this.child || this.state === 'stopping') return;
    this.polling = true;
    try {
      const { statusCode, body } = await this.pollClient.request({ method: 'GET', path: '/v1/models' });
      const payload = statusCode === 200 ? ((await body.json()) as { data?: Array<{ id?: unknown }> }) : null;
      if (!payload) await body.dump();
      // Ready only when the served model — the adapter, when there is one — is listed: a vLLM that came up without
      // the adapter would answer every request with the plain base model, whose answers still parse.
      // An answer without a `data` list lists nothing: an earlier listing must not keep the container ready.
      if (payload) {
        this.listedModels = Array.isArray(payload.data)
          ? payload.data.map((m) => m.id).filter((id): id is string => typeof id === 'string')
          : [];
      }
      const listed = payload !== null && this.listedModels?.includes(this.options.servedModel) === true;
      if (listed) {
        this.failedPolls = 0;
        if (this.child && !this.isStopping()) this.setReady(true); // state may have changed while awaiting
      } else {
        this.onFailedPoll();
      }
    } catch {
      this.onFailedPoll(); // connection refused while vLLM loads, or a timeout
    } finally {
      this.polling = false;
    }
  }

  private isStopping(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
  }

  private onFailedPoll(): void {
    this.failedPolls++;
    if (!this.ready || this.failedPolls >= FAILED_POLLS_BEFORE_NOT_READY) this.setReady(false);
  }

  /** SIGTERM to vLLM's group, SIGKILL after `killTimeout`; resolves when the group is gone. */
  async stop(): Promise<void> {
    const { logger, settings } = this.options;
    if (this.state === 'stopped') return;
    this.state = 'stopping';
    this.setReady(false);
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (child?.pid) {
      const pgid = child.pid;
      logger.info({ source: 'controller', pgid }, 'stopping vLLM (SIGTERM to its process group)');
      signalGroup(pgid, 'SIGTERM');
      const deadline = Date.now() + settings.killTimeoutMs;
      while (groupAlive(pgid) && Date.now() < deadline) await sleep(50);
      if (groupAlive(pgid)) {
        logger.warn({ source: 'controller', pgid }, 'vLLM still alive after the kill timeout: SIGKILL');
        signalGroup(pgid, 'SIGKILL');
      }
      await Promise.race([this.exited, sleep(2_000)]);
    }
    this.state = 'stopped';
    await this.pollClient.close().catch(() => undefined);
  }
}
