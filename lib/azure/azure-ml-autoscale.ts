import type { MonitorAutoscaleSettingProfileRule } from '@cdktf/provider-azurerm/lib/monitor-autoscale-setting';
import { AZURE_AUTOSCALE_COOLDOWN, Duration, type ScalingSpec, type ValidationErrors } from '../core';

/**
 * The Azure ML deployment's autoscale setting (`azurerm_monitor_autoscale_setting`): its thresholds, their checks and
 * the rules built from them. Capacities and cooldowns come from `scaling`.
 */

/** Thresholds of the autoscale rules; capacities and cooldowns come from `scaling`. */
export interface AzureAutoscaleOptions {
  /**
   * Average GPU utilization of the deployment above which an instance is added.
   * @default 70
   */
  readonly scaleOutGpuUtilizationPercent?: number;
  /**
   * Average GPU utilization below which an instance is removed (only when requests are low too).
   * @default 20
   */
  readonly scaleInGpuUtilizationPercent?: number;
  /**
   * Requests per minute per instance above which an instance is added. The default assumes ~30 s per detection
   * at the target concurrency; measure yours and set it.
   * @default scaling.targetConcurrencyPerInstance × 2
   */
  readonly scaleOutRequestsPerMinutePerInstance?: number;
  /**
   * Requests per minute per instance below which an instance is removed (only when the GPU is idle too).
   * @default a quarter of scaleOutRequestsPerMinutePerInstance
   */
  readonly scaleInRequestsPerMinutePerInstance?: number;
}

const AUTOSCALE_DEFAULTS = {
  scaleOutGpuUtilizationPercent: 70,
  scaleInGpuUtilizationPercent: 20,
  scaleOutWindow: 'PT5M',
  scaleInWindow: 'PT15M',
} as const;

/** The thresholds with their defaults, every problem (and the cooldowns Azure Monitor refuses) recorded. */
export function resolveAutoscale(
  errors: ValidationErrors,
  options: AzureAutoscaleOptions | undefined,
  scaling: ScalingSpec,
): Required<AzureAutoscaleOptions> {
  for (const [name, seconds] of [
    ['scaleOutCooldown', scaling.scaleOutCooldownSeconds],
    ['scaleInCooldown', scaling.scaleInCooldownSeconds],
  ] as const) {
    if (errors.isKnown(seconds)) errors.rule(`scaling.${name}`, AZURE_AUTOSCALE_COOLDOWN, { seconds });
  }
  const o = options ?? {};
  const scaleOutRpm = o.scaleOutRequestsPerMinutePerInstance ?? Math.max(1, scaling.targetConcurrencyPerInstance * 2);
  const autoscale: Required<AzureAutoscaleOptions> = {
    scaleOutGpuUtilizationPercent: o.scaleOutGpuUtilizationPercent ?? AUTOSCALE_DEFAULTS.scaleOutGpuUtilizationPercent,
    scaleInGpuUtilizationPercent: o.scaleInGpuUtilizationPercent ?? AUTOSCALE_DEFAULTS.scaleInGpuUtilizationPercent,
    scaleOutRequestsPerMinutePerInstance: scaleOutRpm,
    scaleInRequestsPerMinutePerInstance:
      o.scaleInRequestsPerMinutePerInstance ?? Math.max(0, Math.floor(scaleOutRpm / 4)),
  };
  const percent = (n: number): boolean => n > 0 && n < 100;
  for (const key of ['scaleOutGpuUtilizationPercent', 'scaleInGpuUtilizationPercent'] as const) {
    errors.check(`autoscale.${key}`, o[key], percent, 'use a percentage between 0 and 100');
  }
  errors.check(
    'autoscale.scaleOutRequestsPerMinutePerInstance',
    o.scaleOutRequestsPerMinutePerInstance,
    (n) => n > 0,
    'use a positive number of requests per minute',
  );
  errors.check(
    'autoscale.scaleInRequestsPerMinutePerInstance',
    o.scaleInRequestsPerMinutePerInstance,
    (n) => n >= 0,
    'use zero or a positive number of requests per minute',
  );
  for (const [low, high] of [
    ['scaleInGpuUtilizationPercent', 'scaleOutGpuUtilizationPercent'],
    ['scaleInRequestsPerMinutePerInstance', 'scaleOutRequestsPerMinutePerInstance'],
  ] as const) {
    if (autoscale[low] >= autoscale[high]) {
      errors.add(
        `autoscale.${low}`,
        autoscale[low],
        `keep it below ${high} (${autoscale[high]}), or the autoscaler flaps between the two`,
      );
    }
  }
  return autoscale;
}

/**
 * One profile's rules: GPU utilization and requests per minute per instance, out and in. Azure Monitor scales out
 * when any scale-out rule fires, and in only when every scale-in rule holds.
 */
export function autoscaleRules(
  deploymentId: string,
  scaling: ScalingSpec,
  thresholds: Required<AzureAutoscaleOptions>,
): MonitorAutoscaleSettingProfileRule[] {
  const rule = (
    metricName: 'GpuUtilizationPercentage' | 'RequestsPerMinute',
    direction: 'Increase' | 'Decrease',
    threshold: number,
  ): MonitorAutoscaleSettingProfileRule => {
    const out = direction === 'Increase';
    return {
      metricTrigger: {
        metricName,
        metricResourceId: deploymentId,
        timeGrain: 'PT1M',
        statistic: 'Average',
        timeWindow: out ? AUTOSCALE_DEFAULTS.scaleOutWindow : AUTOSCALE_DEFAULTS.scaleInWindow,
        timeAggregation: 'Average',
        operator: out ? 'GreaterThan' : 'LessThan',
        threshold,
        // Requests are counted for the whole deployment; compare them per instance.
        ...(metricName === 'RequestsPerMinute' ? { divideByInstanceCount: true } : {}),
      },
      scaleAction: {
        direction,
        type: 'ChangeCount',
        value: 1,
        cooldown: Duration.seconds(
          out ? scaling.scaleOutCooldownSeconds : scaling.scaleInCooldownSeconds,
        ).toIsoString(),
      },
    };
  };
  return [
    rule('GpuUtilizationPercentage', 'Increase', thresholds.scaleOutGpuUtilizationPercent),
    rule('RequestsPerMinute', 'Increase', thresholds.scaleOutRequestsPerMinutePerInstance),
    rule('GpuUtilizationPercentage', 'Decrease', thresholds.scaleInGpuUtilizationPercent),
    rule('RequestsPerMinute', 'Decrease', thresholds.scaleInRequestsPerMinutePerInstance),
  ];
}
