/** Checks client options once, at construction, and names every problem in one error. */
import type { DetectorClientOptions } from './detector-client';

export class DetectorClientOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid detector client options:\n- ${problems.join('\n- ')}`);
    this.name = 'DetectorClientOptionsError';
  }
}

export function collectNumberProblems(options: DetectorClientOptions): string[] {
  const problems: string[] = [];
  const check = (name: Exclude<keyof DetectorClientOptions, 'onWarmingUp'>, min: number, integer: boolean) => {
    const value = options[name];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      problems.push(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${String(value)}`);
    }
  };
  check('maxRetries', 0, true);
  check('deadlineMs', 1, false);
  check('initialRetryDelayMs', 0, false);
  check('maxRetryDelayMs', 0, false);
  check('maxRequestBytes', 1, true);
  check('coldStartTimeoutMs', 0, false);
  if (options.onWarmingUp !== undefined && typeof options.onWarmingUp !== 'function') {
    problems.push('onWarmingUp must be a function');
  }
  return problems;
}

export function urlProblem(name: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return `${name} is required: the endpoint's https:// URL`;
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${name} must be an http(s) URL, got ${value}`;
  } catch {
    return `${name} must be a URL, got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** Throws one error naming every problem, or returns. */
export function assertNoProblems(problems: Array<string | undefined>): void {
  const found = problems.filter((problem): problem is string => problem !== undefined);
  if (found.length > 0) throw new DetectorClientOptionsError(found);
}
