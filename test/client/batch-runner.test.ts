/** The batch runner: bounded concurrency, records to the sink as they finish, resume, and stopping on a signal. */
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIGNAL_EXIT, runBatch, type BatchRecord, type BatchSink } from '../../lib/client/cli/batch-runner';
import { JsonlSink } from '../../lib/client/cli/record-sinks';

class MemorySink implements BatchSink<BatchRecord> {
  written: BatchRecord[] = [];
  closed: BatchRecord[] | undefined;
  constructor(private readonly done: string[] = []) {}
  async open(resume: boolean) {
    return new Set(resume ? this.done : []);
  }
  async write(record: BatchRecord) {
    this.written.push(record);
  }
  async close(records: BatchRecord[]) {
    this.closed = records;
  }
}

const inputs = (n: number) => Array.from({ length: n }, (_, i) => `in-${i + 1}`);
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

it('keeps at most `concurrency` inputs in flight and gives records in input order at the end', async () => {
  let active = 0;
  let peak = 0;
  const sink = new MemorySink();
  const outcome = await runBatch({
    inputs: inputs(7),
    concurrency: 3,
    work: async (file) => {
      peak = Math.max(peak, ++active);
      await sleep(file === 'in-1' ? 30 : 5);
      active--;
      return { file, ok: file !== 'in-4', ms: 1 };
    },
    failed: (file, _error, ms) => ({ file, ok: false, ms }),
    sink,
  });
  expect(peak).toBe(3);
  expect(sink.written[0].file).not.toBe('in-1'); // written as they finish
  expect(outcome.records.map((record) => record.file)).toEqual(inputs(7));
  expect(sink.closed).toEqual(outcome.records);
  expect(outcome.interrupted).toBeUndefined();
});

it('turns a thrown error into a failed record', async () => {
  const outcome = await runBatch({
    inputs: ['a'],
    concurrency: 1,
    work: async () => {
      throw new Error('boom');
    },
    failed: (file, error, ms) => ({ file, ok: false, ms, reason: (error as Error).message }),
    sink: new MemorySink(),
  });
  expect(outcome.records).toEqual([{ file: 'a', ok: false, ms: expect.any(Number), reason: 'boom' }]);
});

it('with resume, skips what the sink holds as done and never starts it', async () => {
  const started: string[] = [];
  const outcome = await runBatch({
    inputs: inputs(4),
    concurrency: 2,
    work: async (file) => {
      started.push(file);
      return { file, ok: true, ms: 1 };
    },
    failed: (file, _error, ms) => ({ file, ok: false, ms }),
    sink: new MemorySink(['in-2', 'in-3']),
    resume: true,
  });
  expect(started.sort()).toEqual(['in-1', 'in-4']);
  expect(outcome.skipped).toEqual(['in-2', 'in-3']);
});

it('SIGTERM: starts nothing new, lets work in flight finish, and reports the signal (exit 143)', async () => {
  const signals = new EventEmitter();
  const sink = new MemorySink();
  const outcome = await runBatch({
    inputs: inputs(6),
    concurrency: 2,
    work: async (file, signal) => {
      if (file === 'in-2') setImmediate(() => signals.emit('SIGTERM'));
      await sleep(20, signal);
      return { file, ok: true, ms: 20 };
    },
    failed: (file, _error, ms) => ({ file, ok: false, ms }),
    sink,
    signals,
  });
  expect(outcome.interrupted).toBe('SIGTERM');
  expect(SIGNAL_EXIT[outcome.interrupted!]).toBe(143);
  expect(outcome.records.map((record) => record.file)).toEqual(['in-1', 'in-2']);
  expect(outcome.unfinished).toEqual(['in-3', 'in-4', 'in-5', 'in-6']);
  expect(sink.closed).toEqual(outcome.records);
  expect(signals.listenerCount('SIGTERM')).toBe(0);
});

it('a second SIGINT, or the grace period running out, aborts work in flight, which is then not recorded', async () => {
  for (const how of ['second signal', 'grace'] as const) {
    const signals = new EventEmitter();
    const sink = new MemorySink();
    const outcome = await runBatch({
      inputs: inputs(3),
      concurrency: 3,
      work: async (file, signal) => {
        if (file === 'in-1') {
          setImmediate(() => {
            signals.emit('SIGINT');
            if (how === 'second signal') signals.emit('SIGINT');
          });
          return { file, ok: true, ms: 0 };
        }
        await sleep(10_000, signal);
        return { file, ok: true, ms: 10_000 };
      },
      failed: (file, _error, ms) => ({ file, ok: false, ms }),
      sink,
      signals,
      stopGraceMs: 50,
    });
    expect(outcome.interrupted).toBe('SIGINT');
    expect(outcome.records.map((record) => record.file)).toEqual(['in-1']);
    expect(sink.written.map((record) => record.file)).toEqual(['in-1']);
    expect(outcome.unfinished).toEqual(['in-2', 'in-3']);
  }
});

describe('JsonlSink', () => {
  it('appends each record as it comes; resume keeps the successful ones and drops a line cut short', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'jsonl-')), 'out.jsonl');
    const first = new JsonlSink<BatchRecord>(path);
    expect(await first.open(false)).toEqual(new Set());
    await first.write({ file: 'a', ok: true, ms: 1 });
    expect(await readFile(path, 'utf8')).toBe('{"file":"a","ok":true,"ms":1}\n');
    await first.write({ file: 'b', ok: false, ms: 1 });
    await first.close();
    await writeFile(path, `${await readFile(path, 'utf8')}{"file":"c","ok":tr`);
    const second = new JsonlSink<BatchRecord>(path);
    expect(await second.open(true)).toEqual(new Set(['a']));
    await second.write({ file: 'b', ok: true, ms: 2 });
    await second.close();
    expect(await readFile(path, 'utf8')).toBe('{"file":"a","ok":true,"ms":1}\n{"file":"b","ok":true,"ms":2}\n');
  });
});
