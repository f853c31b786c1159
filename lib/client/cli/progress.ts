/** Batch progress on stderr: a redrawn bar on a terminal, one plain line per image otherwise. */
export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export class Progress {
  private done = 0;
  private failed = 0;

  constructor(
    private readonly sink: TextSink,
    private readonly total: number,
  ) {}

  /** Records one finished image. */
  tick(file: string, ok: boolean, detail: string): void {
    this.done += 1;
    if (!ok) this.failed += 1;
    if (this.sink.isTTY) {
      const width = 24;
      const filled = Math.round((this.done / this.total) * width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      const failed = this.failed > 0 ? `, ${this.failed} failed` : '';
      this.sink.write(`\r\x1b[2K[${bar}] ${this.done}/${this.total}${failed}`);
      if (this.done === this.total) this.sink.write('\n');
    } else {
      this.sink.write(`[${this.done}/${this.total}] ${file}: ${detail}\n`);
    }
  }
}
