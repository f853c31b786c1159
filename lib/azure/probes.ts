import type { DurationLike, ValidationErrors } from '../core';

/**
 * The health probes both Azure constructs put on the container (the Azure ML deployment's liveness and readiness
 * probes, the container app's): the options users pass, and their resolution to whole seconds with the checks both
 * platforms share. Each construct adds its platform's own ranges.
 */

/** Timings of a liveness or readiness probe; any field left out keeps its default. */
export interface ProbeOptions {
  /**
   * Wait after the container starts before the first probe.
   * @default per probe (see the construct's `livenessProbe` / `readinessProbe`)
   */
  readonly initialDelay?: DurationLike;
  /**
   * How often to probe.
   * @default 10 seconds
   */
  readonly period?: DurationLike;
  /**
   * How long one probe may take: 1 second up to the period.
   * @default 5 seconds
   */
  readonly timeout?: DurationLike;
  /**
   * Consecutive successes that make the container ready again (a liveness probe takes only 1).
   * @default 1
   */
  readonly successThreshold?: number;
  /**
   * Consecutive failures before a liveness probe restarts the container, or a readiness probe takes it out.
   * @default per probe (see the construct's `livenessProbe` / `readinessProbe`)
   */
  readonly failureThreshold?: number;
}

/** A probe with every timing in whole seconds. */
export interface ProbeSeconds {
  readonly initialDelay: number;
  readonly period: number;
  readonly timeout: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

/** A probe's defaults; the failure threshold may depend on the initial delay and period actually used. */
export interface ProbeDefaults extends Omit<ProbeSeconds, 'failureThreshold' | 'successThreshold'> {
  readonly successThreshold?: number;
  readonly failureThreshold: number | ((timing: { initialDelay: number; period: number }) => number);
}

/**
 * The probe in whole seconds (a fraction is recorded under `<prop>.<field>` and the default used), with the checks
 * both platforms share: a timeout from 1 second up to the period, and a liveness success threshold of 1.
 */
export function resolveProbe(
  errors: ValidationErrors,
  prop: 'livenessProbe' | 'readinessProbe',
  options: ProbeOptions | undefined,
  defaults: ProbeDefaults,
): ProbeSeconds {
  const o = options ?? {};
  const initialDelay = errors.wholeSeconds(`${prop}.initialDelay`, o.initialDelay, defaults.initialDelay);
  const period = errors.wholeSeconds(`${prop}.period`, o.period, defaults.period);
  const timeout = errors.wholeSeconds(`${prop}.timeout`, o.timeout, defaults.timeout);
  const failureDefault =
    typeof defaults.failureThreshold === 'function'
      ? defaults.failureThreshold({ initialDelay, period })
      : defaults.failureThreshold;
  const result: ProbeSeconds = {
    initialDelay,
    period,
    timeout,
    successThreshold: o.successThreshold ?? defaults.successThreshold ?? 1,
    failureThreshold: o.failureThreshold ?? failureDefault,
  };
  errors.check(
    `${prop}.timeout`,
    timeout,
    (s) => Number.isInteger(s) && s >= 1 && s <= result.period,
    `use 1 second up to the period (${result.period}s)`,
  );
  if (prop === 'livenessProbe') {
    errors.check(
      `${prop}.successThreshold`,
      o.successThreshold,
      (n) => n === 1,
      'use 1 (a liveness probe takes only 1)',
    );
  }
  return result;
}
