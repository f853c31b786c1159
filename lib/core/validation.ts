import type { DurationLike } from './duration';

/** One thing wrong with a construct's props: which prop, what it got, and what to send instead. */
export interface ValidationProblem {
  /** The prop as the construct names it, with a path inside it where that helps: `scaling.minCapacity`. */
  readonly prop: string;
  /** The value received, as text (`"32B"`, `1500 ms`, `0`). */
  readonly value: string;
  /** What to send instead, and why. */
  readonly fix: string;
}

/**
 * Thrown once per construct (or stack) with every problem found in its props, so a user fixes them all in one go.
 * `problems` is structured: tests and tools assert on `prop`, not on prose or order.
 */
export class DetectorValidationError extends Error {
  constructor(
    /** What was validated, e.g. `SageMakerDetectorEndpoint 'Stack/Detector'`. */
    readonly subject: string,
    readonly problems: readonly ValidationProblem[],
  ) {
    super(`Invalid ${subject}:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
    this.name = 'DetectorValidationError';
  }

  /** The props with a problem, in the order they were found. */
  get props(): string[] {
    return this.problems.map((p) => p.prop);
  }
}

/** Throws one DetectorValidationError with a single problem: a check outside a construct's validation pass. */
export function refuseProp(subject: string, prop: string, value: unknown, fix: string): never {
  throw new DetectorValidationError(subject, [{ prop, value: describeValue(value), fix }]);
}

/** `prop: got value; fix`. */
export function formatProblem(problem: ValidationProblem): string {
  return `${problem.prop}: got ${problem.value}; ${problem.fix}`;
}

/** What `ValidationErrors.rule` needs of a platform rule (lib/core/platform-rules). */
export interface CheckedRule<I> {
  readonly id: string;
  readonly source: string;
  check(input: I): readonly { readonly value: string | number; readonly fix: string; readonly at?: string }[];
}

/**
 * Collects every problem with a construct's props, then throws once with all of them, each naming the prop,
 * the value received and what to send instead. Values that are unresolved tokens are skipped: they are only
 * known at deploy time.
 */
export class ValidationErrors {
  private readonly found: ValidationProblem[] = [];

  /**
   * @param subject what is being validated, e.g. `SageMakerDetectorEndpoint 'Detector'`
   * @param isUnresolved tells whether a value is an unresolved token of the IaC framework in use
   */
  constructor(
    readonly subject: string,
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
    this.found.push({ prop, value: describeValue(value), fix });
    return this;
  }

  /**
   * Records every violation of a platform rule by `input` under `prop` (or `prop.<at>` for a part of it; just `<at>`
   * when `prop` is empty, for rules whose parts are separate props), naming the
   * rule and its source after the fix (the value is quoted as `add` quotes a string). Callers pass known values
   * only (skip tokens before calling).
   */
  rule<I>(prop: string, rule: CheckedRule<I>, input: I): this {
    for (const v of rule.check(input)) {
      this.found.push({
        prop: v.at === undefined ? prop : prop === '' ? v.at : `${prop}.${v.at}`,
        value: describeValue(v.value),
        fix: `${v.fix} [${rule.id}: ${rule.source}]`,
      });
    }
    return this;
  }

  /**
   * Whole seconds of a duration prop: `fallbackSeconds` when it is not given, and when it is not a whole number of
   * seconds (the problem is recorded under `prop`, so it joins the construct's one error instead of throwing).
   */
  wholeSeconds(prop: string, duration: DurationLike | undefined, fallbackSeconds: number): number {
    if (duration === undefined) return fallbackSeconds;
    let seconds: number;
    try {
      seconds = duration.toSeconds();
    } catch {
      this.add(prop, duration, 'use a whole number of seconds, e.g. Duration.seconds(30)');
      return fallbackSeconds;
    }
    return seconds;
  }

  /**
   * Records a problem for each former prop name still present in `props` (from JavaScript, or through a cast), so a
   * renamed prop is never ignored in silence: `renames` maps each former name to the current one.
   */
  renamed(props: object, renames: Readonly<Record<string, string>>): this {
    for (const [former, current] of Object.entries(renames)) {
      const value = (props as Record<string, unknown>)[former];
      if (value !== undefined) this.add(former, value, `${former} is now called ${current}: pass ${current} instead`);
    }
    return this;
  }

  get count(): number {
    return this.found.length;
  }

  /** The problems found so far. */
  get problems(): readonly ValidationProblem[] {
    return [...this.found];
  }

  /** Throws one DetectorValidationError listing every problem, if there are any. */
  throwIfAny(): void {
    if (this.found.length === 0) return;
    throw new DetectorValidationError(this.subject, [...this.found]);
  }
}

/** A value as text for a message: strings quoted, objects through their own toString, else JSON. */
export function describeValue(value: unknown): string {
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
