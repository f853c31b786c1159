import type { DurationLike } from './duration';
import { isNonNegativeInteger, isPositiveInteger, type ValidationErrors } from './validation';

/** How an endpoint scales; every cloud maps this onto its own autoscaler. */
export interface ScalingOptions {
  /**
   * Fewest instances. 0 only where the deployment mode can scale to zero.
   * @default 1
   */
  readonly minCapacity?: number;
  /**
   * Most instances. Size your GPU quota for this plus one (updates start new instances before old ones stop).
   * @default 2
   */
  readonly maxCapacity?: number;
  /**
   * Concurrent requests per instance that the autoscaler holds the fleet at.
   * @default three quarters of the container's concurrency, at least 1
   */
  readonly targetConcurrencyPerInstance?: number;
  /**
   * Wait after a scale-out before the next one. A new GPU instance takes 10+ minutes to load the model.
   * @default 5 minutes
   */
  readonly scaleOutCooldown?: DurationLike;
  /**
   * Wait after a scale-in before the next one; long, so a burst does not pay for a model load twice.
   * @default 15 minutes
   */
  readonly scaleInCooldown?: DurationLike;
}

export interface ScalingSpec {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly targetConcurrencyPerInstance: number;
  readonly scaleOutCooldownSeconds: number;
  readonly scaleInCooldownSeconds: number;
}

export const SCALING_DEFAULTS = {
  minCapacity: 1,
  maxCapacity: 2,
  targetUtilization: 0.75,
  scaleOutCooldownSeconds: 300,
  scaleInCooldownSeconds: 900,
  maxCooldownSeconds: 3600,
} as const;

export interface ScalingContext {
  /** Requests the container runs at once per instance. */
  readonly maxConcurrency: number;
  /** Whether the deployment mode can run zero instances. */
  readonly allowZero: boolean;
  /** The prop path to name in messages, e.g. `scaling`. */
  readonly prop?: string;
}

export function defaultTargetConcurrency(maxConcurrency: number): number {
  return Math.max(1, Math.floor(maxConcurrency * SCALING_DEFAULTS.targetUtilization));
}

/** Fills in defaults and records every problem in `errors`. */
export function resolveScaling(
  options: ScalingOptions | undefined,
  context: ScalingContext,
  errors: ValidationErrors,
): ScalingSpec {
  const prop = context.prop ?? 'scaling';
  const o = options ?? {};
  const spec: ScalingSpec = {
    minCapacity: o.minCapacity ?? SCALING_DEFAULTS.minCapacity,
    maxCapacity: o.maxCapacity ?? Math.max(SCALING_DEFAULTS.maxCapacity, o.minCapacity ?? 0),
    targetConcurrencyPerInstance: o.targetConcurrencyPerInstance ?? defaultTargetConcurrency(context.maxConcurrency),
    scaleOutCooldownSeconds: errors.wholeSeconds(
      `${prop}.scaleOutCooldown`,
      o.scaleOutCooldown,
      SCALING_DEFAULTS.scaleOutCooldownSeconds,
    ),
    scaleInCooldownSeconds: errors.wholeSeconds(
      `${prop}.scaleInCooldown`,
      o.scaleInCooldown,
      SCALING_DEFAULTS.scaleInCooldownSeconds,
    ),
  };
  if (context.allowZero) {
    errors.check(`${prop}.minCapacity`, o.minCapacity, isNonNegativeInteger, 'use a whole number ≥ 0');
  } else {
    errors.check(
      `${prop}.minCapacity`,
      o.minCapacity,
      isPositiveInteger,
      'use a whole number ≥ 1 (this mode cannot scale to zero; choose the on-demand mode for that)',
    );
  }
  errors.check(`${prop}.maxCapacity`, o.maxCapacity, isPositiveInteger, 'use a whole number ≥ 1');
  if (
    errors.isKnown(spec.minCapacity) &&
    errors.isKnown(spec.maxCapacity) &&
    Number.isInteger(spec.minCapacity) &&
    Number.isInteger(spec.maxCapacity) &&
    spec.minCapacity > spec.maxCapacity
  ) {
    errors.add(
      `${prop}.minCapacity`,
      spec.minCapacity,
      `minCapacity must not exceed maxCapacity (${spec.maxCapacity}); raise maxCapacity or lower minCapacity`,
    );
  }
  errors.check(
    `${prop}.targetConcurrencyPerInstance`,
    o.targetConcurrencyPerInstance,
    (t) => isPositiveInteger(t) && t <= context.maxConcurrency,
    `use a whole number from 1 to the container's concurrency (${context.maxConcurrency}); ` +
      'above it requests queue in the container and the autoscaler never sees the load',
  );
  for (const [name, seconds] of [
    ['scaleOutCooldown', spec.scaleOutCooldownSeconds],
    ['scaleInCooldown', spec.scaleInCooldownSeconds],
  ] as const) {
    errors.check(
      `${prop}.${name}`,
      seconds,
      (s) => Number.isInteger(s) && s >= 0 && s <= SCALING_DEFAULTS.maxCooldownSeconds,
      `use a whole number of seconds from 0 to ${SCALING_DEFAULTS.maxCooldownSeconds}`,
    );
  }
  return spec;
}
