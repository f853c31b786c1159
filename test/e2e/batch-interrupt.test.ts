/**
 * A batch interrupted as a person would: form-detect (the built CLI, a process) on 8 inputs with --out boxes.jsonl,
 * SIGINT once some have finished. The finished records are on disk, the exit status is 130, and --resume sends
 * only the inputs that were not done (counted at the stand-in vLLM).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DetectionRecord } from '../../lib/client/cli/run-cli';
import { makeImage } from '../client/helpers';
import {
  controlStandIn,
  standInCount,
  startController,
  waitFor,
  type ControllerProcess,
} from '../container/helpers/controller-process';
import { runCliProcess, startCliProcess } from './helpers';

let ctl: ControllerProcess;
beforeAll(async () => {
  ctl = await startController();
});
afterAll(async () => {
  await ctl?.stop();
});

const readRecords = async (path: string) =>
  existsSync(path)
    ? (await readFile(path, 'utf8'))
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as DetectionRecord)
    : [];

it('SIGINT keeps what finished (exit 130); --resume completes the rest without resending', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'batch-interrupt-'));
  const inputs = join(dir, 'scans');
  await mkdir(inputs);
  for (let i = 1; i <= 8; i++) await writeFile(join(inputs, `scan-${i}.png`), await makeImage(200, 280));
  const out = join(dir, 'boxes.jsonl');
  // Each detection takes 300 ms, one at a time: the batch takes about 2.4 s, long enough to stop in the middle.
  await controlStandIn(ctl, { delayMs: 300 });
  const args = ['--cloud', 'azure', '--endpoint', `${ctl.url}/score`, '--key', 'k', '--image', inputs, '--out', out];
  const before = await standInCount(ctl);

  const started = startCliProcess([...args, '--concurrency', '1'], {});
  // Records reach the disk as inputs finish: stop once three are there.
  await waitFor('three records on disk', async () => (await readRecords(out)).length >= 3, 30_000);
  started.child.kill('SIGINT');
  const stopped = await started.done;
  expect(stopped.code).toBe(130);
  expect(stopped.stderr).toMatch(/Stopped by SIGINT: \d+ input\(s\) done in this run, \d+ not done/);

  const done = await readRecords(out);
  expect(done.length).toBeGreaterThanOrEqual(3);
  expect(done.length).toBeLessThan(8);
  expect(done.every((record) => record.ok)).toBe(true);
  // Every input that was sent finished (the one in flight was let finish) and is recorded.
  expect(await standInCount(ctl)).toBe(before + done.length);

  await controlStandIn(ctl, { delayMs: 0 });
  const resumed = await runCliProcess([...args, '--resume'], {});
  expect(resumed.code).toBe(0);
  expect(resumed.stderr).toMatch(new RegExp(`${done.length} input\\(s\\) skipped: done by an earlier run`));
  const all = await readRecords(out);
  expect(all.map((record) => record.file).sort()).toEqual(
    Array.from({ length: 8 }, (_, i) => join(inputs, `scan-${i + 1}.png`)).sort(),
  );
  expect(all.every((record) => record.ok)).toBe(true);
  // Only the inputs not done were sent again.
  expect(await standInCount(ctl)).toBe(before + 8);
});
