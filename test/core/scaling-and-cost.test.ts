import {
  AWS_INSTANCES,
  Duration,
  estimateCost,
  formatUsd,
  HOURS_PER_MONTH,
  resolveScaling,
  ValidationErrors,
} from '../../lib/core';

function scaling(options: Parameters<typeof resolveScaling>[0], allowZero = false) {
  const errors = new ValidationErrors('Test');
  const spec = resolveScaling(options, { maxConcurrency: 8, allowZero }, errors);
  errors.throwIfAny();
  return spec;
}

describe('scaling spec', () => {
  test('defaults: one to two instances, target three quarters of the container concurrency', () => {
    expect(scaling(undefined)).toEqual({
      minCapacity: 1,
      maxCapacity: 2,
      targetConcurrencyPerInstance: 6,
      scaleOutCooldownSeconds: 300,
      scaleInCooldownSeconds: 900,
    });
  });

  test('options are taken as given; a min above the default max lifts the max', () => {
    expect(
      scaling({
        minCapacity: 2,
        maxCapacity: 5,
        targetConcurrencyPerInstance: 4,
        scaleOutCooldown: Duration.minutes(2),
        scaleInCooldown: Duration.seconds(600),
      }),
    ).toEqual({
      minCapacity: 2,
      maxCapacity: 5,
      targetConcurrencyPerInstance: 4,
      scaleOutCooldownSeconds: 120,
      scaleInCooldownSeconds: 600,
    });
    expect(scaling({ minCapacity: 3 }).maxCapacity).toBe(3);
  });

  test('min above max is refused, naming both', () => {
    expect(() => scaling({ minCapacity: 4, maxCapacity: 2 })).toThrow(
      /scaling\.minCapacity: got 4; minCapacity must not exceed maxCapacity \(2\)/,
    );
  });

  test('zero instances only where the mode can scale to zero', () => {
    expect(() => scaling({ minCapacity: 0 })).toThrow(/cannot scale to zero; choose the on-demand mode/);
    expect(scaling({ minCapacity: 0 }, true).minCapacity).toBe(0);
  });

  test('a target above the container concurrency is refused', () => {
    expect(() => scaling({ targetConcurrencyPerInstance: 9 })).toThrow(
      /targetConcurrencyPerInstance: got 9; use a whole number from 1 to the container's concurrency \(8\)/,
    );
  });

  test('every problem is reported in one error', () => {
    let message = '';
    try {
      scaling({ minCapacity: 1.5, maxCapacity: 0, scaleInCooldown: Duration.hours(2) });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(3);
    expect(message).toMatch(/scaling\.scaleInCooldown: got 7200/);
  });

  test('unresolved tokens are skipped', () => {
    const errors = new ValidationErrors('Test', (v) => v === -1);
    resolveScaling({ maxCapacity: -1 }, { maxConcurrency: 8, allowZero: false }, errors);
    expect(errors.count).toBe(0);
  });
});

describe('cost estimate', () => {
  test('hourly × capacity, monthly at 24 h and at busy hours', () => {
    const cost = estimateCost(AWS_INSTANCES['ml.g5.xlarge'], 2, 6);
    expect(cost.hourly).toBeCloseTo(2.82, 2);
    expect(cost.monthlyAlwaysOn).toBeCloseTo(1.408 * 2 * HOURS_PER_MONTH, 1);
    expect(cost.monthlyAtBusyHours).toBeCloseTo(cost.monthlyAlwaysOn / 4, 1);
    expect(cost.priceSource).toContain('aws.amazon.com/sagemaker/pricing');
  });

  test('zero instances cost nothing; nonsense is refused', () => {
    expect(estimateCost(AWS_INSTANCES['ml.g5.xlarge'], 0).monthlyAlwaysOn).toBe(0);
    expect(() => estimateCost(AWS_INSTANCES['ml.g5.xlarge'], 1, 25)).toThrow(/busyHoursPerDay 0–24/);
  });

  test('amounts print as dollars', () => {
    expect(formatUsd(1027.84)).toBe('$1,027.84');
  });
});

describe('Duration', () => {
  test('converts like aws-cdk-lib Duration and prints ISO-8601 for ARM', () => {
    expect(Duration.minutes(15).toSeconds()).toBe(900);
    expect(Duration.seconds(90).toIsoString()).toBe('PT1M30S');
    expect(Duration.hours(1).toIsoString()).toBe('PT1H');
    expect(Duration.millis(0).toIsoString()).toBe('PT0S');
    expect(() => Duration.millis(1500).toSeconds()).toThrow(/not a whole number of seconds/);
    expect(() => Duration.seconds(-1)).toThrow(/non-negative/);
  });
});
