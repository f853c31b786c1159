/**
 * Batch progress on stderr: on a terminal a cli-progress bar (count, rate, ETA, failures, and the warming-up line
 * when an on-demand endpoint is starting); otherwise one plain line per finished input, so logs stay greppable.
 */
import { SingleBar } from 'cli-progress';

export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface BatchProgress {
  /** `total` inputs in this run; `skipped` were finished by an earlier run (--resume) and are not counted. */
  start(total: number, skipped: number): void;
  /** One input finished. */
  tick(file: string, ok: boolean, detail: string): void;
  /** A transient status (e.g. "warming up: …") on the bar's line; undefined clears it. */
  status(text: string | undefined): void;
  /** Whether status() shows on a bar (else the caller prints the status itself). */
  readonly drawsStatus: boolean;
  stop(): void;
}

export function createProgress(sink: TextSink): BatchProgress {
  return sink.isTTY ? new BarProgress(sink) : new LineProgress(sink);
}

class LineProgress implements BatchProgress {
  readonly drawsStatus = false;
  private done = 0;
  private total = 0;

  constructor(private readonly sink: TextSink) {}

  start(total: number, skipped: number): void {
    this.total = total;
    if (skipped > 0) this.sink.write(`resuming: ${skipped} input(s) already done, ${total} to go\n`);
  }

  tick(file: string, _ok: boolean, detail: string): void {
    this.done += 1;
    this.sink.write(`[${this.done}/${this.total}] ${file}: ${detail}\n`);
  }

  status(text: string | undefined): void {
    if (text) this.sink.write(`${text}\n`);
  }

  stop(): void {}
}

class BarProgress implements BatchProgress {
  readonly drawsStatus = true;
  private readonly bar: SingleBar;
  private failed = 0;
  private startedAt = 0;
  private done = 0;
  private statusText = '';

  constructor(sink: TextSink) {
    this.bar = new SingleBar({
      // cli-progress writes to any stream with write(); readline's cursor helpers only need write() too.
      stream: sink as NodeJS.WritableStream,
      format: '{bar} {value}/{total} | {rate}/min | ETA {eta_formatted}{failed}{status}',
      barsize: 24,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: false,
      clearOnComplete: false,
      etaBuffer: 20,
      fps: 5,
    });
  }

  start(total: number, skipped: number): void {
    this.startedAt = Date.now();
    this.bar.start(total, 0, this.payload());
    if (skipped > 0) this.statusText = ` | ${skipped} already done`;
    this.bar.update(0, this.payload());
  }

  tick(_file: string, ok: boolean): void {
    this.done += 1;
    if (!ok) this.failed += 1;
    this.bar.update(this.done, this.payload());
  }

  status(text: string | undefined): void {
    this.statusText = text ? ` | ${text}` : '';
    this.bar.update(this.done, this.payload());
  }

  stop(): void {
    this.bar.stop();
  }

  private payload() {
    const minutes = (Date.now() - this.startedAt) / 60_000;
    return {
      rate: minutes > 0 && this.done > 0 ? (this.done / minutes).toFixed(1) : '-',
      failed: this.failed > 0 ? ` | ${this.failed} failed` : '',
      status: this.statusText,
    };
  }
}
