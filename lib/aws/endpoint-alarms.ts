import { Duration } from 'aws-cdk-lib/core';
import { Alarm, ComparisonOperator, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { isPositiveInteger, type ValidationErrors } from '../core';
import type { IDetectorEndpoint } from './detector-endpoint-base';

/** CloudWatch alarms on the endpoint. */
export interface DetectorEndpointAlarmOptions {
  /**
   * Create the alarms at all.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * 5xx answers in one period that raise the 5xx alarm.
   * @default 5
   */
  readonly invocation5xxErrorsThreshold?: number;
  /**
   * p90 model latency that raises the latency alarm when it holds for `evaluationPeriods` periods.
   * @default 80% of the request timeout (44 s with the default 55 s)
   */
  readonly modelLatencyThreshold?: Duration;
  /**
   * Length of one evaluation period.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
  /**
   * Consecutive breaching periods before the latency alarm fires (the 5xx alarm fires on one).
   * @default 2
   */
  readonly evaluationPeriods?: number;
  /**
   * What to do when an alarm fires, e.g. `new SnsAction(topic)`.
   * @default no actions (the alarms show in the console and can be wired later)
   */
  readonly actions?: readonly IAlarmAction[];
}

export interface EndpointAlarms {
  readonly invocation5xxErrors: Alarm;
  readonly modelLatency: Alarm;
}

export const ALARM_DEFAULTS = {
  invocation5xxErrorsThreshold: 5,
  latencyFractionOfRequestTimeout: 0.8,
  periodMinutes: 5,
  evaluationPeriods: 2,
} as const;

/** Records problems with the alarm options; returns the resolved latency threshold in microseconds. */
export function checkAlarmOptions(
  errors: ValidationErrors,
  options: DetectorEndpointAlarmOptions | undefined,
  requestTimeoutMs: number,
): number {
  const o = options ?? {};
  errors.check(
    'alarms.invocation5xxErrorsThreshold',
    o.invocation5xxErrorsThreshold,
    isPositiveInteger,
    'use a whole number ≥ 1',
  );
  errors.check('alarms.evaluationPeriods', o.evaluationPeriods, isPositiveInteger, 'use a whole number ≥ 1');
  errors.check(
    'alarms.period',
    o.period,
    (p) => [10, 30].includes(p.toSeconds({ integral: false })) || p.toSeconds({ integral: false }) % 60 === 0,
    'use 10 s, 30 s or a whole number of minutes (CloudWatch periods)',
  );
  const latencyMs = o.modelLatencyThreshold
    ? o.modelLatencyThreshold.toMilliseconds()
    : Math.round(requestTimeoutMs * ALARM_DEFAULTS.latencyFractionOfRequestTimeout);
  errors.check(
    'alarms.modelLatencyThreshold',
    o.modelLatencyThreshold,
    (d) => d.toMilliseconds() > 0,
    'use a positive duration, below the request timeout',
  );
  // ModelLatency is reported in microseconds.
  return latencyMs * 1000;
}

/** The 5xx and model-latency alarms of an endpoint. */
export function createEndpointAlarms(
  scope: Construct,
  endpoint: IDetectorEndpoint,
  options: DetectorEndpointAlarmOptions | undefined,
  latencyThresholdMicros: number,
  /** Where the container's output is, for the 5xx alarm's description. */
  logGroup = '/aws/sagemaker/Endpoints/<name>',
): EndpointAlarms {
  const o = options ?? {};
  const period = o.period ?? Duration.minutes(ALARM_DEFAULTS.periodMinutes);
  const evaluationPeriods = o.evaluationPeriods ?? ALARM_DEFAULTS.evaluationPeriods;
  const invocation5xxErrors = new Alarm(scope, 'Invocation5xxErrorsAlarm', {
    alarmDescription:
      'The detector answered with 5xx errors: the container failed, timed out or is not ready. Check the ' +
      `endpoint's CloudWatch log group ${logGroup}.`,
    metric: endpoint.metricInvocation5XXErrors({ period }),
    threshold: o.invocation5xxErrorsThreshold ?? ALARM_DEFAULTS.invocation5xxErrorsThreshold,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  const modelLatency = new Alarm(scope, 'ModelLatencyAlarm', {
    alarmDescription:
      'p90 model latency (microseconds) is close to the request timeout: detections are about to time out. ' +
      'Scale out (maxCapacity), lower maxConcurrency, or send smaller images.',
    metric: endpoint.metricModelLatency({ period, statistic: 'p90' }),
    threshold: latencyThresholdMicros,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  for (const action of o.actions ?? []) {
    invocation5xxErrors.addAlarmAction(action);
    modelLatency.addAlarmAction(action);
  }
  return { invocation5xxErrors, modelLatency };
}
