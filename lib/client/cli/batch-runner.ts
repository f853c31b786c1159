/**
 * Runs a batch of inputs so that nothing finished is lost: inputs → `work` with at most `concurrency` at once →
 * each record handed to the sink as it finishes (a JSONL sink appends and syncs it) → `--resume` skips what the sink
 * already holds as done → SIGINT/SIGTERM stop new work, let work in flight finish for up to `stopGraceMs` (a second
 * signal aborts it at once), and the run ends normally: sink closed, summary printed, exit 130 / 143.
 *
 * Commands (`form-detect` detection; evaluation) supply `work` and a sink; this module owns the order of events.
 */
import type { BatchProgress } from './progress';

/** What every record has: the input it is about, whether it succeeded, and how long it took. */
export interface BatchRecord {
  file: string;
  ok: boolean;
  ms: number;
}

/** Where records go. */
export interface BatchSink<R extends BatchRecord> {
  /**
   * Prepares the output (e.g. creates or truncates a file). With `resume`, keeps what an earlier run finished and
   * returns those inputs: they are skipped, and nothing is sent for them.
   */
  open(resume: boolean): Promise<Set<string>>;
  /** Stores one record as soon as its input finished. */
  write(record: R): Promise<void>;
  /** Called once after the last record (also after an interruption), with this run's records in input order. */
  close(records: R[]): Promise<void>;
}

/** Where stop signals come from: `process` in the CLI; tests pass an EventEmitter. */
export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  removeListener(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

export interface RunBatchOptions<R extends BatchRecord> {
  inputs: string[];
  /** Inputs in progress at once. */
  concurrency: number;
  /** Does one input; a failure should be a record with `ok: false`. `signal` aborts when the batch stops hard. */
  work: (input: string, signal: AbortSignal) => Promise<R>;
  /** The record for an input whose `work` threw. */
  failed: (input: string, error: unknown, ms: number) => R;
  sink: BatchSink<R>;
  /**
   * Skip inputs the sink holds as finished.
   * @default false
   */
  resume?: boolean;
  progress?: BatchProgress;
  /** Line shown per finished input when progress is plain text. */
  describe?: (record: R) => string;
  /** Listen for SIGINT / SIGTERM here; without it the batch runs to the end. */
  signals?: SignalSource;
  /**
   * After a stop signal, how long work in flight may go on before it is aborted.
   * @default 30000
   */
  stopGraceMs?: number;
}

export interface BatchOutcome<R extends BatchRecord> {
  /** Records of inputs finished in this run, in input order. */
  records: R[];
  /** Inputs skipped because an earlier run finished them. */
  skipped: string[];
  /** Inputs neither skipped nor finished (the batch was stopped first). */
  unfinished: string[];
  /** The signal that stopped the batch, if one did. */
  interrupted?: 'SIGINT' | 'SIGTERM';
}

export const BATCH_DEFAULTS = { stopGraceMs: 30_000 } as const;

/** Exit status after a stop signal: 128 + the signal's number, as shells report it. */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

export async function runBatch<R extends BatchRecord>(options: RunBatchOptions<R>): Promise<BatchOutcome<R>> {
  const done = await options.sink.open(options.resume ?? false);
  const skipped = options.inputs.filter((input) => done.has(input));
  const todo = options.inputs.filter((input) => !done.has(input));
  const results = new Map<string, R>();
  const hardStop = new AbortController();
  let interrupted: 'SIGINT' | 'SIGTERM' | undefined;
  let graceTimer: NodeJS.Timeout | undefined;

  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (interrupted) {
      hardStop.abort(new Error(`stopped by a second ${signal}`));
      return;
    }
    interrupted = signal;
    options.progress?.status(`${signal}: finishing the inputs in flight (again to abort them)…`);
    graceTimer = setTimeout(
      () => hardStop.abort(new Error(`stopped by ${signal}`)),
      options.stopGraceMs ?? BATCH_DEFAULTS.stopGraceMs,
    );
    graceTimer.unref();
  };
  const listeners = {
    SIGINT: () => onSignal('SIGINT'),
    SIGTERM: () => onSignal('SIGTERM'),
  } as const;
  options.signals?.on('SIGINT', listeners.SIGINT);
  options.signals?.on('SIGTERM', listeners.SIGTERM);

  options.progress?.start(todo.length, skipped.length);
  let next = 0;
  const worker = async () => {
    while (next < todo.length && !interrupted) {
      const input = todo[next++];
      const started = performance.now();
      let record: R;
      try {
        record = await options.work(input, hardStop.signal);
      } catch (error) {
        record = options.failed(input, error, Math.round(performance.now() - started));
      }
      // Work cut short by a hard stop did not finish: it is not recorded, so --resume does it again.
      if (hardStop.signal.aborted) continue;
      results.set(input, record);
      await options.sink.write(record);
      options.progress?.tick(record.file, record.ok, options.describe?.(record) ?? (record.ok ? 'ok' : 'failed'));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, todo.length)) }, worker));
  } finally {
    if (graceTimer) clearTimeout(graceTimer);
    options.signals?.removeListener('SIGINT', listeners.SIGINT);
    options.signals?.removeListener('SIGTERM', listeners.SIGTERM);
    options.progress?.stop();
  }
  const records = todo.filter((input) => results.has(input)).map((input) => results.get(input)!);
  await options.sink.close(records);
  return { records, skipped, unfinished: todo.filter((input) => !results.has(input)), interrupted };
}
