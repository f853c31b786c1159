/** Anything that can say how many seconds it lasts: this module's `Duration` and aws-cdk-lib's both qualify. */
export interface DurationLike {
  toSeconds(): number;
}

/**
 * A length of time, for the CDKTF constructs (cdktf has no Duration of its own). Same vocabulary as
 * aws-cdk-lib's `Duration`, so props read alike on every cloud.
 */
export class Duration implements DurationLike {
  static millis(amount: number): Duration {
    return new Duration(amount);
  }
  static seconds(amount: number): Duration {
    return new Duration(amount * 1000);
  }
  static minutes(amount: number): Duration {
    return new Duration(amount * 60_000);
  }
  static hours(amount: number): Duration {
    return new Duration(amount * 3_600_000);
  }

  private constructor(private readonly ms: number) {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new Error(`Duration must be a finite, non-negative amount of time; got ${ms} ms`);
    }
  }

  toMilliseconds(): number {
    return this.ms;
  }

  /** Whole seconds; throws if the duration is not a whole number of seconds. */
  toSeconds(): number {
    if (this.ms % 1000 !== 0) throw new Error(`${this.ms} ms is not a whole number of seconds`);
    return this.ms / 1000;
  }

  /** ISO-8601, as Azure Resource Manager wants durations, e.g. `PT30S`, `PT10M`. */
  toIsoString(): string {
    if (this.ms === 0) return 'PT0S';
    let rest = this.ms / 1000;
    const hours = Math.floor(rest / 3600);
    rest -= hours * 3600;
    const minutes = Math.floor(rest / 60);
    const seconds = rest - minutes * 60;
    return `PT${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
  }

  toString(): string {
    return `${this.ms / 1000}s`;
  }
}
