/**
 * The "warming up" line on stderr while an on-demand endpoint starts from zero: on a terminal one line redrawn every
 * second; otherwise a plain line at the first report and then at most every `everyMs` (30 s), so logs stay short.
 */
import type { WarmingUpInfo } from '../cold-start';
import { formatDuration } from '../cold-start';
import type { TextSink } from './progress';

export class WarmingUpReporter {
  private info: WarmingUpInfo | undefined;
  /** When the earliest wait in progress began. */
  private startedAt = 0;
  private lastPlainLineAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  /**
   * @param statusLine where a terminal shows the line instead of drawing it itself (a progress bar's status); the
   * bar then redraws it, and the "warmed up" line is left out so the bar is not broken.
   */
  constructor(
    private readonly sink: TextSink,
    private readonly everyMs = 30_000,
    private readonly statusLine?: (text: string | undefined) => void,
  ) {}

  /** The client's onWarmingUp: with several images in flight, the longest wait is the one shown. */
  readonly report = (info: WarmingUpInfo): void => {
    const now = Date.now();
    this.startedAt = this.info ? Math.min(this.startedAt, now - info.waitedMs) : now - info.waitedMs;
    this.info = info;
    if (this.sink.isTTY && this.statusLine) {
      this.statusLine(this.line());
      this.timer ??= setInterval(() => this.statusLine?.(this.line()), 1000).unref();
    } else if (this.sink.isTTY) {
      this.draw();
      this.timer ??= setInterval(() => this.draw(), 1000).unref();
    } else if (now - this.lastPlainLineAt >= this.everyMs) {
      this.lastPlainLineAt = now;
      this.sink.write(`${this.line()}\n`);
    }
  };

  /** A call ended: clear the redrawn line and, when it succeeded, say how long the warm-up took. */
  done(ok: boolean): void {
    if (!this.info) return;
    const waited = this.waitedMs();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn) this.sink.write('\r\x1b[2K');
    this.drawn = false;
    if (this.sink.isTTY && this.statusLine) this.statusLine(undefined);
    else if (ok) this.sink.write(`warmed up: the endpoint answered after ${formatDuration(waited)}\n`);
    this.info = undefined;
    this.lastPlainLineAt = -Infinity;
  }

  private waitedMs(): number {
    return Date.now() - this.startedAt;
  }

  private line(): string {
    const info = this.info!;
    const limit = Math.round(info.limitMs / 1000);
    return `warming up: ${info.reason}, waited ${Math.floor(this.waitedMs() / 1000)}s (limit ${limit}s)…`;
  }

  private draw(): void {
    const width = this.sink.columns ?? 120;
    const text = this.line();
    this.sink.write(`\r\x1b[2K${text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text}`);
    this.drawn = true;
  }
}
