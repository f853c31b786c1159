/**
 * `npm run bench:container`: what the controller costs in front of vLLM.
 *
 * Against the stand-in vLLM answering after a fixed delay, the same load (CLIENTS concurrent clients, each
 * sending REQUESTS_PER_CLIENT ~1 MB PNGs) runs directly against the stand-in's /v1/chat/completions and then
 * through the controller's /invocations, with resize disabled and enabled. Loopback only; every loop is
 * bounded. Prints throughput ratio, added p50/p99 latency, /ping p99 under load, the controller's peak RSS and
 * the resize cost of an A4 page.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { Agent, request } from 'undici';
import { inspectImage, toModelImage } from '../inference-container/src/image';
import { SYSTEM_PROMPT, USER_PROMPT } from '../inference-container/src/prompt';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const REQUESTS_PER_CLIENT = 8;
const UPSTREAM_DELAY_MS = 500;
const ADAPTER = 'pdfme-form-field-detector-lora';
const REPO = resolve(__dirname, '../..');
const STAND_IN = join(REPO, 'dist/test/stand-ins/vllm.js');
const CONTROLLER = join(REPO, 'inference-container/dist/main.js');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const agent = new Agent({ connections: CLIENTS * 2, keepAliveTimeout: 10_000 });

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface LoadResult {
  throughput: number;
  p50: number;
  p99: number;
  errors: number;
}

/** CLIENTS loops of REQUESTS_PER_CLIENT sequential requests each. */
async function runLoad(url: string, body: Buffer, contentType: string): Promise<LoadResult> {
  // Warm-up, not measured: opens every connection and runs at least 32 requests so the JIT has compiled the
  // request path (with few clients, one request each would leave the controller cold for the measurement).
  const warmupRounds = Math.max(1, Math.ceil(32 / CLIENTS));
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = 0; i < warmupRounds; i++) {
        const res = await request(url, {
          method: 'POST',
          body,
          headers: { 'content-type': contentType },
          dispatcher: agent,
        });
        await res.body.dump();
      }
    }),
  );
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = 0; i < REQUESTS_PER_CLIENT; i++) {
        const t0 = performance.now();
        const res = await request(url, {
          method: 'POST',
          body,
          headers: { 'content-type': contentType },
          dispatcher: agent,
        });
        await res.body.dump();
        if (res.statusCode !== 200) errors++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    throughput: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

/** /ping latencies, sampled every 20 ms until stopped. */
function probePing(url: string): { stop: () => Promise<number[]> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      const res = await request(`${url}/ping`, { dispatcher: agent });
      await res.body.dump();
      samples.push(performance.now() - t0);
      await sleep(20);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

function peakRssMiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

function startProcess(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((done) => proc.once('exit', done));
  proc.kill('SIGTERM');
  await Promise.race([exited, sleep(5_000)]);
}

async function throughController(maxImageSide: number, body: Buffer) {
  const port = await freePort();
  const controller = startProcess([CONTROLLER], {
    PORT: String(port),
    VLLM_COMMAND: `${process.execPath} ${STAND_IN}`,
    VLLM_INTERNAL_PORT: String(await freePort()),
    STANDIN_DELAY_MS: String(UPSTREAM_DELAY_MS),
    STANDIN_LOAD_MS: '100',
    MAX_CONCURRENCY: String(CLIENTS),
    MAX_QUEUE: String(CLIENTS),
    MAX_IMAGE_SIDE: String(maxImageSide),
    LOG_LEVEL: 'warn',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil('the controller to be ready', async () => {
      const res = await request(`${url}/ping`, { dispatcher: agent });
      await res.body.dump();
      return res.statusCode === 200;
    });
    const ping = probePing(url);
    const load = await runLoad(`${url}/invocations`, body, 'application/json');
    const pings = await ping.stop();
    return { ...load, pingP99: percentile(pings, 99), rssMiB: peakRssMiB(controller.pid!) };
  } finally {
    await stopProcess(controller);
  }
}

async function main(): Promise<void> {
  // ~1 MB of noise does not compress: a ~1 MB PNG, 580 px on its long side.
  const side = 580;
  const raw = randomBytes(side * side * 3);
  const image = await sharp(raw, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
  const base64 = image.toString('base64');
  const invocationBody = Buffer.from(JSON.stringify({ inputs: base64 }));
  const chatBody = Buffer.from(
    JSON.stringify({
      model: ADAPTER,
      temperature: 0,
      max_tokens: 2048,
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: `data:image/png;base64,${base64}` } },
            { type: 'text', text: USER_PROMPT },
          ],
        },
      ],
    }),
  );

  // Directly against the stand-in vLLM.
  const vllmPort = await freePort();
  const standIn = startProcess(
    [
      STAND_IN,
      'serve',
      'Qwen/Qwen3-VL-8B-Instruct',
      '--host',
      '127.0.0.1',
      '--port',
      String(vllmPort),
      '--enable-lora',
      '--lora-modules',
      `${ADAPTER}=takumi123xxx/pdfme-form-field-detector-lora`,
    ],
    { STANDIN_DELAY_MS: String(UPSTREAM_DELAY_MS), STANDIN_LOAD_MS: '50' },
  );
  let direct: LoadResult;
  try {
    await waitUntil(
      'the stand-in vLLM',
      async () => (await request(`http://127.0.0.1:${vllmPort}/health`, { dispatcher: agent })).statusCode === 200,
    );
    direct = await runLoad(`http://127.0.0.1:${vllmPort}/v1/chat/completions`, chatBody, 'application/json');
  } finally {
    await stopProcess(standIn);
  }
  const noResize = await throughController(4096, invocationBody);
  const withResize = await throughController(512, invocationBody);

  // Resize cost of one A4 page at 300 dpi (2480×3508) down to 1024 px, as the controller does it.
  const page = await sharp({ create: { width: 2480, height: 3508, channels: 3, background: '#ffffff' } })
    .composite([
      {
        input: await sharp(raw, { raw: { width: side, height: side, channels: 3 } })
          .png()
          .toBuffer(),
        top: 400,
        left: 300,
      },
    ])
    .png()
    .toBuffer();
  const inspected = inspectImage(page);
  await toModelImage(inspected, 1024); // warm-up
  const resizeRuns = 10;
  const t0 = performance.now();
  for (let i = 0; i < resizeRuns; i++) await toModelImage(inspected, 1024);
  const resizeMs = (performance.now() - t0) / resizeRuns;

  const fmt = (n: number, digits = 1) => n.toFixed(digits);
  const rows: Array<[string, string, string, string]> = [
    ['', 'direct to vLLM', 'controller, no resize', 'controller, resize to 512'],
    [
      'requests (errors)',
      `${CLIENTS * REQUESTS_PER_CLIENT} (${direct.errors})`,
      `${CLIENTS * REQUESTS_PER_CLIENT} (${noResize.errors})`,
      `${CLIENTS * REQUESTS_PER_CLIENT} (${withResize.errors})`,
    ],
    ['throughput (req/s)', fmt(direct.throughput), fmt(noResize.throughput), fmt(withResize.throughput)],
    [
      'throughput ratio controller/direct',
      '1.00',
      fmt(noResize.throughput / direct.throughput, 3),
      fmt(withResize.throughput / direct.throughput, 3),
    ],
    ['p50 latency (ms)', fmt(direct.p50), fmt(noResize.p50), fmt(withResize.p50)],
    ['added p50 (ms)', '-', fmt(noResize.p50 - direct.p50), fmt(withResize.p50 - direct.p50)],
    ['p99 latency (ms)', fmt(direct.p99), fmt(noResize.p99), fmt(withResize.p99)],
    ['added p99 (ms)', '-', fmt(noResize.p99 - direct.p99), fmt(withResize.p99 - direct.p99)],
    ['/ping p99 under load (ms)', '-', fmt(noResize.pingP99), fmt(withResize.pingP99)],
    ['controller peak RSS (MiB)', '-', fmt(noResize.rssMiB, 0), fmt(withResize.rssMiB, 0)],
  ];
  process.stdout.write(
    `Load: ${CLIENTS} clients × ${REQUESTS_PER_CLIENT} requests, ${fmt(image.length / 1e6, 2)} MB PNG (${fmt(invocationBody.length / 1e6, 2)} MB JSON body), stand-in vLLM answering after ${UPSTREAM_DELAY_MS} ms; Node ${process.version}\n\n`,
  );
  process.stdout.write(`| ${rows[0].join(' | ')} |\n|${rows[0].map(() => '---').join('|')}|\n`);
  for (const row of rows.slice(1)) process.stdout.write(`| ${row.join(' | ')} |\n`);
  process.stdout.write(
    `\nResize of an A4 page (2480×3508 PNG → 1024 px, EXIF-aware, re-encoded): ${fmt(resizeMs)} ms per page\n`,
  );
  await agent.close();
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
