/**
 * Collects every problem with a construct's props, then throws once with all of them, each naming the prop,
 * the value received and what to send instead. Values that are unresolved tokens are skipped: they are only
 * known at deploy time.
 */
export class ValidationErrors {
  private readonly problems: string[] = [];

  /**
   * @param subject what is being validated, e.g. `SageMakerDetectorEndpoint 'Detector'`
   * @param isUnresolved tells whether a value is an unresolved token of the IaC framework in use
   */
  constructor(
    private readonly subject: string,
    private readonly isUnresolved: (value: unknown) => boolean = () => false,
  ) {}

  /** Records a problem unless `ok` holds (or the value is a token). */
  check<T>(prop: string, value: T | undefined, ok: (value: T) => boolean, fix: string): this {
    if (value === undefined || this.isUnresolved(value)) return this;
    if (!ok(value)) this.add(prop, value, fix);
    return this;
  }

  /** Whether the value is known now (not an unresolved token), so comparisons with it mean something. */
  isKnown(value: unknown): boolean {
    return value !== undefined && !this.isUnresolved(value);
  }

  /** Records a problem: `prop` got `value`; `fix` says what to send instead. */
  add(prop: string, value: unknown, fix: string): this {
    this.problems.push(`${prop}: got ${describeValue(value)}; ${fix}`);
    return this;
  }

  /** Records a problem whose message is already complete. */
  addMessage(message: string): this {
    this.problems.push(message);
    return this;
  }

  get count(): number {
    return this.problems.length;
  }

  /** Throws one error listing every problem, if there are any. */
  throwIfAny(): void {
    if (this.problems.length === 0) return;
    const lines = this.problems.map((p) => `  - ${p}`).join('\n');
    throw new Error(`Invalid ${this.subject}:\n${lines}`);
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value !== null && typeof value === 'object' && typeof (value as { toString(): string }).toString === 'function') {
    const text = String(value);
    if (text !== '[object Object]') return text;
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export const isPositiveInteger = (n: number): boolean => Number.isInteger(n) && n > 0;
export const isNonNegativeInteger = (n: number): boolean => Number.isInteger(n) && n >= 0;
