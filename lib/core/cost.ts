import type { GpuInstance } from './gpu-catalog';

/** Average hours in a month (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

export interface CostEstimate {
  readonly currency: 'USD';
  /** One instance for one hour. */
  readonly hourlyPerInstance: number;
  /** `instances` for one hour. */
  readonly hourly: number;
  /** `instances` running around the clock for a month. */
  readonly monthlyAlwaysOn: number;
  /** `instances` running `busyHoursPerDay` each day for a month. */
  readonly monthlyAtBusyHours: number;
  readonly busyHoursPerDay: number;
  readonly instances: number;
  readonly priceSource: string;
  readonly priceAsOf: string;
}

/** What `instances` of this machine cost: hourly × capacity, monthly at 24 h a day and at `busyHoursPerDay`. */
export function estimateCost(instance: GpuInstance, instances: number, busyHoursPerDay = 8): CostEstimate {
  if (!(instances >= 0) || !(busyHoursPerDay >= 0 && busyHoursPerDay <= 24)) {
    throw new Error(
      `estimateCost: instances must be ≥ 0 and busyHoursPerDay 0–24; got ${instances} and ${busyHoursPerDay}`,
    );
  }
  const hourly = instance.price.usdPerHour * instances;
  return {
    currency: 'USD',
    hourlyPerInstance: instance.price.usdPerHour,
    hourly: cents(hourly),
    monthlyAlwaysOn: cents(hourly * HOURS_PER_MONTH),
    monthlyAtBusyHours: cents((hourly * HOURS_PER_MONTH * busyHoursPerDay) / 24),
    busyHoursPerDay,
    instances,
    priceSource: instance.price.source,
    priceAsOf: instance.price.asOf,
  };
}

export function formatUsd(amount: number): string {
  return `$${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function cents(n: number): number {
  return Math.round(n * 100) / 100;
}
