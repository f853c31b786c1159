/** `form-detect`: sends each image to the endpoint, writes records and overlays, prints a summary; returns the exit code. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { DetectionResult } from '../../../inference-container/src/contract';
import { createDetectorClient } from '../create-detector-client';
import type { DetectorClient, DetectorClientOptions } from '../detector-client';
import { DetectorError } from '../detector-error';
import { drawOverlay } from '../overlay';
import { collectImages } from './collect-images';
import { runEvalCli } from './eval-cli';
import { HELP, UsageError, parseCliOptions, type CliOptions } from './cli-options';
import { Progress, type TextSink } from './progress';
import { formatSummaryTable } from './summary-table';
import { WarmingUpReporter } from './warming-up';

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  env: NodeJS.ProcessEnv;
}

/** One line of --out: the result, or the reason the image failed. */
export type DetectionRecord =
  | { file: string; ok: true; ms: number; result: DetectionResult; overlay?: string }
  | { file: string; ok: false; ms: number; error: { code: string; message: string; status?: number } };

export const EXIT = { ok: 0, failures: 1, usage: 2 } as const;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv[0] === 'eval') return runEvalCli(argv.slice(1), io);
  let options: CliOptions;
  let files: string[];
  try {
    const parsed = parseCliOptions(argv, io.env);
    if (parsed.help) {
      io.stdout.write(HELP);
      return EXIT.ok;
    }
    options = parsed as CliOptions;
    const collected = await collectImages(options.images);
    if (collected.problems.length > 0) throw new UsageError(collected.problems.join('\n'));
    files = collected.files;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`form-detect: ${error.message}\nRun form-detect --help for usage and examples.\n`);
    return EXIT.usage;
  }

  let client: DetectorClient;
  const warmingUp = new WarmingUpReporter(io.stderr);
  try {
    client = clientFor(options, io.env, warmingUp);
  } catch (error) {
    io.stderr.write(`form-detect: ${(error as Error).message}\n`);
    return EXIT.usage;
  }

  const records: DetectionRecord[] = new Array(files.length);
  const progress = files.length > 1 ? new Progress(io.stderr, files.length) : undefined;
  const overlayNames = overlayFileNames(files);
  if (options.overlayDir) await mkdir(options.overlayDir, { recursive: true });
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const index = next++;
      records[index] = await detectOne(
        client,
        files[index],
        options.overlayDir && join(options.overlayDir, overlayNames[index]),
      );
      const record = records[index];
      warmingUp.done(record.ok);
      progress?.tick(
        record.file,
        record.ok,
        record.ok ? `${record.result.count} boxes, ${record.ms} ms` : `${record.error.code}: ${record.error.message}`,
      );
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, files.length) }, worker));
  } finally {
    warmingUp.done(false);
    await client.close();
  }

  await writeRecords(records, options, io);
  io.stderr.write(
    formatSummaryTable(
      records.map((record) => ({
        file: record.file,
        boxes: record.ok ? record.result.count : undefined,
        ms: record.ms,
        status: record.ok ? 'ok' : `failed: ${record.error.code}: ${record.error.message}`,
      })),
    ),
  );
  const failed = records.filter((record) => !record.ok).length;
  if (failed > 0) io.stderr.write(`${failed} of ${records.length} image(s) failed.\n`);
  return failed > 0 ? EXIT.failures : EXIT.ok;
}

async function detectOne(
  client: DetectorClient,
  file: string,
  overlayPath: string | undefined,
): Promise<DetectionRecord> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    // The path, not its bytes, so client-side refusals name the file.
    const result = await client.detect(file);
    const record: DetectionRecord = { file, ok: true, ms: ms(), result };
    if (overlayPath) {
      await writeFile(overlayPath, await drawOverlay(await readFile(file), result));
      record.overlay = overlayPath;
    }
    return record;
  } catch (error) {
    const detail =
      error instanceof DetectorError
        ? { code: error.code, message: error.message, ...(error.status ? { status: error.status } : {}) }
        : { code: (error as NodeJS.ErrnoException).code ?? 'error', message: (error as Error).message };
    return { file, ok: false, ms: ms(), error: detail };
  }
}

function clientFor(options: CliOptions, env: NodeJS.ProcessEnv, warmingUp: WarmingUpReporter): DetectorClient {
  const common: DetectorClientOptions = {
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    ...(options.timeoutSeconds !== undefined ? { deadlineMs: Math.round(options.timeoutSeconds * 1000) } : {}),
    ...(options.coldStartTimeoutSeconds !== undefined
      ? { coldStartTimeoutMs: Math.round(options.coldStartTimeoutSeconds * 1000) }
      : {}),
    onWarmingUp: warmingUp.report,
  };
  switch (options.cloud) {
    case 'aws':
      return createDetectorClient({
        cloud: 'aws',
        ...common,
        endpointName: options.endpoint,
        region: options.region,
        inferenceComponentName: options.inferenceComponent,
      });
    case 'gcp':
      return createDetectorClient({
        cloud: 'gcp',
        ...common,
        predictUrl: options.endpoint,
        ...(options.token ? { accessToken: options.token } : {}),
      });
    case 'azure':
      return createDetectorClient({
        cloud: 'azure',
        ...common,
        scoringUri: options.endpoint,
        auth: options.key ? { key: options.key } : { token: options.token ?? env.AZURE_ML_TOKEN ?? '' },
        deployment: options.deployment,
      });
  }
}

/** `<stem>.overlay.png`, made unique when two inputs share a stem. */
function overlayFileNames(files: string[]): string[] {
  const seen = new Map<string, number>();
  return files.map((file) => {
    const stem = basename(file, extname(file));
    const count = (seen.get(stem) ?? 0) + 1;
    seen.set(stem, count);
    return `${count === 1 ? stem : `${stem}-${count}`}.overlay.png`;
  });
}

async function writeRecords(records: DetectionRecord[], options: CliOptions, io: CliIo): Promise<void> {
  if (!options.out) {
    io.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
    return;
  }
  const text =
    options.out.format === 'jsonl'
      ? records.map((record) => JSON.stringify(record)).join('\n') + '\n'
      : `${JSON.stringify(records, null, 2)}\n`;
  await writeFile(options.out.path, text);
}
