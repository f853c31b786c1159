/**
 * A batch of inputs sent to an endpoint, the same way in every command: the client from the endpoint options, one
 * limiter bounding requests in flight across inputs and PDF pages, progress and "warming up" lines on stderr, the
 * batch runner (records to the sink as inputs finish, --resume, SIGINT / SIGTERM), then the summary table and what
 * was skipped, failed or left undone. Commands supply the sink and the work for one input.
 */
import type { DetectorClient } from '../detector-client';
import { createLimiter, type Limiter } from '../limiter';
import { runBatch, type BatchOutcome, type BatchSink } from './batch-runner';
import type { CliIo } from './cli-io';
import { describeRecord, failedRecord, summaryRow, type DetectionRecord } from './detection-record';
import { UsageError, clientFor, type EndpointOptions } from './endpoint-options';
import { createProgress } from './progress';
import { formatSummaryTable } from './summary-table';
import { WarmingUpReporter } from './warming-up';

export interface EndpointBatchOptions {
  io: CliIo;
  endpoint: EndpointOptions;
  inputs: string[];
  sink: BatchSink<DetectionRecord>;
  /** The work for one input, given the batch's client and the limiter its requests share. */
  work: (tools: {
    client: DetectorClient;
    limiter: Limiter;
  }) => (input: string, signal: AbortSignal) => Promise<DetectionRecord>;
  /** Names the command in error messages, e.g. `form-detect eval`. */
  command: string;
  /** A heading printed above the summary table (e.g. which model a run asked for). */
  title?: string;
}

/**
 * The batch's outcome, or undefined on a usage error — the client could not be made, or the sink cannot resume from
 * what it found — whose reason is then on stderr.
 */
export async function runEndpointBatch(
  options: EndpointBatchOptions,
): Promise<BatchOutcome<DetectionRecord> | undefined> {
  const { io, endpoint, inputs } = options;
  const progress = createProgress(io.stderr);
  const showProgress = inputs.length > 1;
  const warmingUp = new WarmingUpReporter(
    io.stderr,
    undefined,
    showProgress && progress.drawsStatus ? (text) => progress.status(text) : undefined,
  );
  let client: DetectorClient;
  try {
    client = clientFor(endpoint, io.env, warmingUp);
  } catch (error) {
    io.stderr.write(`${options.command}: ${(error as Error).message}\n`);
    return undefined;
  }
  const work = options.work({ client, limiter: createLimiter(endpoint.concurrency) });
  let outcome: BatchOutcome<DetectionRecord>;
  try {
    outcome = await runBatch<DetectionRecord>({
      inputs,
      concurrency: endpoint.concurrency,
      work: async (input, signal) => {
        const record = await work(input, signal);
        warmingUp.done(true);
        return record;
      },
      failed: (input, error, ms) => {
        warmingUp.done(false);
        return failedRecord(input, error, ms);
      },
      sink: options.sink,
      resume: endpoint.resume,
      progress: showProgress ? progress : undefined,
      describe: describeRecord,
      signals: io.signals,
    });
  } catch (error) {
    // A sink that cannot resume from what it found (e.g. --out is not a records array).
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${options.command}: ${error.message}\n`);
    return undefined;
  } finally {
    warmingUp.done(false);
    await client.close();
  }

  const { records, skipped, unfinished, interrupted } = outcome;
  if (options.title) io.stderr.write(`${options.title}\n`);
  io.stderr.write(formatSummaryTable(records.map(summaryRow)));
  if (skipped.length > 0) io.stderr.write(`${skipped.length} input(s) skipped: done by an earlier run (--resume).\n`);
  const failed = records.filter((record) => !record.ok).length;
  if (failed > 0) io.stderr.write(`${failed} of ${records.length} input(s) failed.\n`);
  if (interrupted) {
    io.stderr.write(
      `Stopped by ${interrupted}: ${records.length} input(s) done in this run, ${unfinished.length} not done. ` +
        'Run the same command with --resume to finish.\n',
    );
  }
  return outcome;
}
