/**
 * End to end: readiness while loading, back-pressure, deadlines, vLLM crashes and restarts, giving up, and
 * the SIGTERM drain, with the built controller and the stand-in vLLM as real processes.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  call,
  controlStandIn,
  postJson,
  processAlive,
  sleep,
  startController,
  waitFor,
  waitReady,
} from './helpers/controller-process';
import { png } from './helpers/images';

let image: { inputs: string };
beforeAll(async () => {
  image = { inputs: (await png(64, 64)).toString('base64') };
});

it('answers 503 with Retry-After while vLLM loads, then 200 once it lists the adapter', async () => {
  // The stand-in "loads" for 5 s; the controller first prepares the model files (status preparing), then starts
  // vLLM (loading). On a busy machine preparing can take a while, so wait for loading rather than assume it.
  const ctl = await startController({ waitReady: false, env: { STANDIN_LOAD_MS: '5000' } });
  try {
    const ping = await call(`${ctl.url}/ping`);
    expect(ping.status).toBe(503);
    expect(ping.headers['retry-after']).toBeDefined();
    expect(ping.json.error.code).toBe('not_ready');
    const health = await waitFor('status loading', async () => {
      const res = await call(`${ctl.url}/health`);
      return res.json.status === 'loading' ? res : undefined;
    });
    expect(health).toMatchObject({ status: 503, json: { status: 'loading', vllm: { ready: false } } });
    expect((await call(`${ctl.url}/health/ready`)).status).toBe(503);
    expect((await call(`${ctl.url}/health/live`)).status).toBe(200);
    const early = await postJson(`${ctl.url}/invocations`, image);
    expect([early.status, early.json.error.code]).toEqual([503, 'not_ready']);
    expect(early.headers['retry-after']).toBeDefined();
    await waitReady(ctl);
    expect(await call(`${ctl.url}/ping`)).toMatchObject({ status: 200, json: { status: 'ready' } });
    expect((await postJson(`${ctl.url}/invocations`, image)).status).toBe(200);
  } finally {
    await ctl.stop();
  }
});

it('bounds concurrency and queue (429 with Retry-After) and enforces REQUEST_TIMEOUT_MS (504)', async () => {
  const ctl = await startController({
    env: { MAX_CONCURRENCY: '2', MAX_QUEUE: '1', STANDIN_DELAY_MS: '700', REQUEST_TIMEOUT_MS: '1500' },
  });
  try {
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => sleep(i * 20).then(() => postJson(`${ctl.url}/invocations`, image))),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const rejected = results.find((r) => r.status === 429)!;
    expect(rejected.json.error.code).toBe('overloaded');
    expect(Number(rejected.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await call(`${ctl.url}/metrics`)).json).toMatch(/detector_rejected_requests_total\{code="overloaded"\} 2/);

    await controlStandIn(ctl, { delayMs: 3000 });
    const started = Date.now();
    const late = await postJson(`${ctl.url}/invocations`, image);
    expect([late.status, late.json.error.code]).toEqual([504, 'timeout']);
    expect(Date.now() - started).toBeLessThan(2500);
    // The slot came back: nothing is left in flight.
    expect((await call(`${ctl.url}/health`)).json.requests_in_flight).toBe(0);
  } finally {
    await ctl.stop();
  }
});

it('vLLM crash mid-request: 502, readiness 503 at once, restart with backoff, ready again', async () => {
  const ctl = await startController({ env: { SUPERVISOR_BACKOFF_MS: '300' } });
  try {
    await controlStandIn(ctl, { crash: 'next-request' });
    const crashed = await postJson(`${ctl.url}/invocations`, image);
    expect([crashed.status, crashed.json.error.code]).toEqual([502, 'upstream_error']);
    const ping = await waitFor('readiness to drop', async () => {
      const res = await call(`${ctl.url}/ping`);
      return res.status === 503 ? res : undefined;
    });
    expect(ping.json.error.code).toBe('not_ready');
    const during = await postJson(`${ctl.url}/invocations`, image);
    expect([during.status, during.json.error.code]).toEqual([503, 'not_ready']);
    await waitReady(ctl);
    expect((await postJson(`${ctl.url}/invocations`, image)).status).toBe(200);
    expect((await call(`${ctl.url}/health`)).json.vllm.restarts).toBe(1);
    expect((await call(`${ctl.url}/metrics`)).json).toContain('detector_vllm_restarts_total 1');
    const starts = ctl.vllmStarts();
    expect(starts).toHaveLength(2);
    expect(starts[1].argv).toEqual(starts[0].argv);
  } finally {
    await ctl.stop();
  }
});

it('exits non-zero after too many restarts in the window', async () => {
  const ctl = await startController({
    waitReady: false,
    env: {
      STANDIN_EXIT_AFTER_LOAD: '3',
      STANDIN_LOAD_MS: '50',
      SUPERVISOR_MAX_RESTARTS: '2',
      SUPERVISOR_BACKOFF_MS: '50',
    },
  });
  const { code } = await Promise.race([ctl.exited, sleep(8000).then(() => ({ code: -1 }))]);
  expect(code).toBe(1);
  expect(ctl.vllmStarts()).toHaveLength(3); // the first start and two restarts
  expect(ctl.logs.join('\n')).toMatch(/giving up/);
});

it('SIGTERM (even twice): readiness 503, in-flight requests finish, vLLM and its whole process group stop, exit 0', async () => {
  // A worker process in vLLM's group, as EngineCore would be.
  const workerPidFile = join(mkdtempSync(join(tmpdir(), 'worker-')), 'worker.pid');
  const ctl2 = await startController({ env: { STANDIN_DELAY_MS: '1200', STANDIN_WORKER_PID_FILE: workerPidFile } });
  const vllmPid = ctl2.vllmStarts()[0].pid;
  const workerPid = Number(readFileSync(workerPidFile, 'utf8'));
  expect(processAlive(vllmPid) && processAlive(workerPid)).toBe(true);

  const inFlight = [
    postJson(`${ctl2.url}/invocations`, image),
    postJson(`${ctl2.url}/score`, { image_base64: image.inputs }),
  ];
  await sleep(300);
  ctl2.proc.kill('SIGTERM');
  await sleep(100);
  const ping = await call(`${ctl2.url}/ping`);
  expect([ping.status, ping.json.error.code]).toEqual([503, 'not_ready']);
  const refused = await postJson(`${ctl2.url}/invocations`, image);
  expect([refused.status, refused.json.error.code]).toEqual([503, 'not_ready']);
  // A second SIGTERM (a platform or an operator repeating it) changes nothing: the drain goes on.
  ctl2.proc.kill('SIGTERM');
  expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([200, 200]);
  expect(await ctl2.exited).toEqual({ code: 0, signal: null });
  expect(processAlive(vllmPid)).toBe(false);
  expect(processAlive(workerPid)).toBe(false);
});

it('SIGKILLs the vLLM group when it ignores SIGTERM past the kill timeout', async () => {
  const ctl = await startController({ env: { STANDIN_IGNORE_SIGTERM: '1', SUPERVISOR_KILL_TIMEOUT_MS: '400' } });
  const vllmPid = ctl.vllmStarts()[0].pid;
  const started = Date.now();
  expect(await ctl.stop()).toEqual({ code: 0, signal: null });
  expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  expect(processAlive(vllmPid)).toBe(false);
  expect(ctl.logs.join('\n')).toMatch(/SIGKILL/);
});
