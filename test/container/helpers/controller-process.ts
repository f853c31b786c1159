/**
 * Runs the real built controller (`node inference-container/dist/main.js`) as a process, with the stand-in
 * vLLM as VLLM_COMMAND, on free ports. Build first: `npm run build` (npm test does it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Agent, request as undiciRequest } from 'undici';
import type { StandInControl } from '../../stand-ins/vllm-control';

/** One dispatcher for the tests' requests, closed after each file so no keep-alive socket outlives it. */
const agent = new Agent({ keepAliveTimeout: 1000 });
export function request(url: string, options: NonNullable<Parameters<typeof undiciRequest>[1]> = {}) {
  return undiciRequest(url, { ...options, dispatcher: agent });
}

export const REPO = resolve(__dirname, '../../..');
export const CONTROLLER_MAIN = join(REPO, 'inference-container/dist/main.js');
export const STAND_IN_VLLM = join(REPO, 'dist/test/stand-ins/vllm.js');
/** Holds the stand-in nvidia-smi; put first on PATH to give the controller a GPU. */
export const STAND_IN_BIN = join(REPO, 'test/stand-ins/bin');

export function assertBuilt(): void {
  for (const file of [CONTROLLER_MAIN, STAND_IN_VLLM]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` before the container tests`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error())));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** One start of the stand-in vLLM: its command line and the variables that decide whether it may reach the Hub. */
export interface VllmStart {
  pid: number;
  argv: string[];
  env?: { HF_HUB_OFFLINE: string | null; TRANSFORMERS_OFFLINE: string | null; HF_TOKEN: string | null };
}

export interface ControllerProcess {
  url: string;
  port: number;
  /** Where the stand-in vLLM listens (its control endpoint lives there). */
  vllmUrl: string;
  proc: ChildProcess;
  /** Every stdout/stderr line of the controller (its pino logs, vLLM's lines included). */
  logs: string[];
  argvFile: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The vLLM command lines the stand-in received, one per start. */
  vllmStarts(): Array<VllmStart>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  args?: string[];
  /** Put the stand-in nvidia-smi on PATH. */
  gpu?: 't4' | 'a10g' | 'a100' | 'fail';
  waitReady?: boolean;
  /** The variable that carries the listening port. */
  portVariable?: 'PORT' | 'AIP_HTTP_PORT' | 'SAGEMAKER_BIND_TO_PORT';
}

const running = new Set<ChildProcess>();
/** Every stand-in vLLM started by a test controller, by pid: each leads its own process group. */
const vllmPids = new Set<number>();
afterAll(async () => {
  // SIGTERM lets a controller drain and take its vLLM process group down with it; SIGKILL cannot be forwarded, so
  // it comes only after a grace period, and then every vLLM group a test started is killed directly.
  await Promise.all(
    [...running].map(async (proc) => {
      const exited = new Promise((done) => proc.once('exit', done));
      proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((done) => (timer = setTimeout(done, 5_000)))]);
      clearTimeout(timer);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }),
  );
  for (const pid of vllmPids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await agent.close();
}, 30_000);

function vllmStartsIn(argvFile: string): Array<VllmStart> {
  const starts = existsSync(argvFile)
    ? readFileSync(argvFile, 'utf8')
        .trim()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as VllmStart)
    : [];
  for (const start of starts) vllmPids.add(start.pid);
  return starts;
}

export async function startController(options: StartOptions = {}): Promise<ControllerProcess> {
  assertBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'controller-test-'));
  const port = await freePort();
  const vllmPort = await freePort();
  const argvFile = join(dir, 'vllm-argv.jsonl');
  const env: Record<string, string | undefined> = {
    PATH: options.gpu ? `${STAND_IN_BIN}:${process.env.PATH}` : process.env.PATH,
    HOME: process.env.HOME,
    [options.portVariable ?? 'PORT']: String(port),
    VLLM_COMMAND: `${process.execPath} ${STAND_IN_VLLM}`,
    VLLM_INTERNAL_PORT: String(vllmPort),
    SAGEMAKER_MODEL_DIR: join(dir, 'no-sagemaker-model'),
    MODEL_CACHE_DIR: join(dir, 'model-cache'),
    READINESS_POLL_MS: '50',
    SUPERVISOR_BACKOFF_MS: '100',
    SUPERVISOR_MAX_BACKOFF_MS: '400',
    SUPERVISOR_KILL_TIMEOUT_MS: '1500',
    STANDIN_LOAD_MS: '300',
    STANDIN_ARGV_FILE: argvFile,
    STANDIN_GPU: options.gpu,
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const proc = spawn(process.execPath, [CONTROLLER_MAIN, ...(options.args ?? [])], {
    env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  const logs: string[] = [];
  for (const stream of [proc.stdout, proc.stderr]) {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      logs.push(...lines);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    proc.once('exit', (code, signal) => {
      running.delete(proc);
      vllmStartsIn(argvFile);
      done({ code, signal });
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const controller: ControllerProcess = {
    url,
    port,
    vllmUrl: `http://127.0.0.1:${vllmPort}`,
    proc,
    logs,
    argvFile,
    exited,
    vllmStarts: () => vllmStartsIn(argvFile),
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
  await waitFor(
    'the controller to listen',
    async () => (await request(`${url}/health/live`)).statusCode === 200,
    10_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${logs.join('\n')}`);
  });
  if (options.waitReady !== false) await waitReady(controller);
  return controller;
}

export async function waitReady(controller: ControllerProcess, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    'the controller to be ready',
    async () => {
      const { statusCode, body } = await request(`${controller.url}/ping`);
      await body.dump();
      return statusCode === 200;
    },
    timeoutMs,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${controller.logs.slice(-30).join('\n')}`);
  });
}

export interface JsonResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One request; the body is parsed as JSON when it is JSON. */
export async function call(
  url: string,
  options: { method?: string; body?: string | Buffer; contentType?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.contentType) headers['content-type'] = options.contentType;
  const response = await request(url, {
    method: (options.method ?? (options.body === undefined ? 'GET' : 'POST')) as 'GET',
    headers,
    body: options.body,
  });
  const text = await response.body.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // Prometheus text or empty
  }
  return { status: response.statusCode, headers: response.headers, json };
}

export const postJson = (url: string, body: unknown) =>
  call(url, { method: 'POST', body: JSON.stringify(body), contentType: 'application/json' });

/**
 * Sets the stand-in vLLM's behaviour (delay, output, output per served model, models left out of /v1/models, a queue
 * of outputs, boxes found by colour, error status, crash on the next request).
 */
export async function controlStandIn(controller: ControllerProcess, settings: StandInControl): Promise<void> {
  const { statusCode } = await postJson(`${controller.vllmUrl}/standin/control`, settings).then((r) => ({
    statusCode: r.status,
  }));
  if (statusCode !== 200) throw new Error(`stand-in control failed: ${statusCode}`);
}

/** How many chat requests the stand-in vLLM has answered since it started. */
export async function standInCount(controller: ControllerProcess): Promise<number> {
  const response = await request(`${controller.vllmUrl}/standin/count`);
  return ((await response.body.json()) as { count: number }).count;
}

/** Is a process alive (zombies count as gone)? */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
