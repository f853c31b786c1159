import { estimateCost, formatUsd, HOURS_PER_MONTH } from './cost';
import { CLOUD_NAMES, describeInstance, type Cloud } from './gpu-catalog';
import type { DetectorDeployment } from './deployment';
import { describeColdStart, type ColdStart } from './on-demand';
import { startWindowWarning, type StartWindow } from './start-window';
import type { ScalingSpec } from './scaling';
import { summarizeWeights, type WeightsSource, type WeightsSummary } from './weights';

/**
 * The key under which every construct records its DeploymentSummary in the synthesized output: CloudFormation
 * resource `Metadata` on AWS, the `//` comment object of the main resource in Terraform JSON. `npm run synth`
 * and the infra review read it back from there, so they report what was really synthesized.
 */
export const SUMMARY_METADATA_KEY = 'form-detector:deployment';

export type DeploymentMode = 'always-on' | 'on-demand';

/** What a deployment runs and costs, in plain values (JSON-safe). */
export interface DeploymentSummary {
  readonly cloud: Cloud;
  /** e.g. 'SageMaker real-time endpoint'. */
  readonly service: string;
  /** The endpoint's name, or its construct path when the name is only known at deploy time. */
  readonly endpoint: string;
  readonly mode: DeploymentMode;
  readonly instanceType: string;
  readonly acceleratorType?: string;
  /** e.g. 'A10G 24 GB'. */
  readonly gpu: string;
  readonly gpuCount: number;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly model: string;
  readonly quantization: string;
  readonly maxConcurrency: number;
  readonly hourlyUsdPerInstance: number;
  readonly monthlyUsdAtMinCapacity: number;
  readonly monthlyUsdAtMaxCapacity: number;
  readonly priceSource: string;
  readonly priceAsOf: string;
  /** What a request waits for when no instance is warm; 'none: …' for always-on deployments. */
  readonly coldStart: string;
  /** Where the weights come from, and how to stage them into a store. */
  readonly weights?: WeightsSummary;
  /**
   * The longest a new instance may take to start before the platform stops it, seconds (Cloud Run: startup probe
   * initial delay + failure threshold × period, at most 480 s). Absent where the platform waits as long as asked.
   */
  readonly startWindowSeconds?: number;
  /** What to know before deploying, e.g. an estimated cold start longer than the start window. */
  readonly warnings?: readonly string[];
}

export function summarizeDeployment(args: {
  readonly service: string;
  readonly endpoint: string;
  readonly mode: DeploymentMode;
  readonly deployment: DetectorDeployment;
  readonly scaling: ScalingSpec;
  /** For on-demand deployments: the wait from zero. */
  readonly coldStart?: ColdStart;
  /** Where the weights come from. */
  readonly weights?: WeightsSource;
  /** Where the platform stops an instance that has not started in time: the window and the estimate against it. */
  readonly startWindow?: StartWindow;
}): DeploymentSummary {
  const { deployment, scaling } = args;
  const instance = deployment.instance;
  return {
    cloud: instance.cloud,
    service: args.service,
    endpoint: args.endpoint,
    mode: args.mode,
    instanceType: instance.instanceType,
    ...(instance.acceleratorType ? { acceleratorType: instance.acceleratorType } : {}),
    gpu: `${instance.gpu.name} ${instance.gpu.marketedGb} GB`,
    gpuCount: instance.gpuCount,
    minCapacity: scaling.minCapacity,
    maxCapacity: scaling.maxCapacity,
    model: deployment.loraAdapter ? `${deployment.baseModel} + ${deployment.loraAdapter}` : deployment.baseModel,
    quantization: deployment.quantization,
    maxConcurrency: deployment.maxConcurrency,
    hourlyUsdPerInstance: instance.price.usdPerHour,
    monthlyUsdAtMinCapacity: estimateCost(instance, scaling.minCapacity).monthlyAlwaysOn,
    monthlyUsdAtMaxCapacity: estimateCost(instance, scaling.maxCapacity).monthlyAlwaysOn,
    priceSource: instance.price.source,
    priceAsOf: instance.price.asOf,
    coldStart: describeColdStart(args.mode === 'on-demand' ? args.coldStart : undefined),
    ...(args.weights ? { weights: summarizeWeights(args.weights, deployment) } : {}),
    ...(args.startWindow ? startWindowFields(args.startWindow) : {}),
  };
}

function startWindowFields(window: StartWindow): Pick<DeploymentSummary, 'startWindowSeconds' | 'warnings'> {
  const warning = startWindowWarning(window);
  return { startWindowSeconds: window.seconds, ...(warning ? { warnings: [warning] } : {}) };
}

/**
 * Monthly cost when the work fills `busyHoursPerDay` hours a day. Always-on deployments pay for min capacity
 * around the clock whatever the load; on-demand ones pay for at least one instance while busy and min capacity
 * while idle.
 */
export function monthlyCostAtBusyHours(summary: DeploymentSummary, busyHoursPerDay: number): number {
  const hourly = summary.hourlyUsdPerInstance;
  const monthly =
    summary.mode === 'always-on'
      ? hourly * summary.minCapacity * HOURS_PER_MONTH
      : hourly *
        HOURS_PER_MONTH *
        ((Math.max(1, summary.minCapacity) * busyHoursPerDay + summary.minCapacity * (24 - busyHoursPerDay)) / 24);
  return Math.round(monthly * 100) / 100;
}

/** Monthly cost with at least one instance running around the clock (what an idle-free month costs). */
export function monthlyCostAlwaysOn(summary: DeploymentSummary): number {
  return Math.round(summary.hourlyUsdPerInstance * Math.max(1, summary.minCapacity) * HOURS_PER_MONTH * 100) / 100;
}

/**
 * The cost table per cloud and mode — hourly GPU price, monthly around the clock, monthly at `busyHoursPerDay`,
 * and the cold start — as rows of cells (header first), for plain text or Markdown.
 */
export function costComparisonRows(summaries: readonly DeploymentSummary[], busyHoursPerDay: number): string[][] {
  const order = (s: DeploymentSummary) => `${s.cloud}/${s.mode === 'always-on' ? 0 : 1}`;
  return [
    [
      'cloud',
      'mode',
      'service',
      'GPU instance',
      'min–max',
      '$/h',
      'month, 24 h',
      `month, ${busyHoursPerDay} busy h/day`,
      'weights',
      'cold start',
    ],
    ...[...summaries]
      .sort((a, b) => order(a).localeCompare(order(b)))
      .map((s) => [
        CLOUD_NAMES[s.cloud],
        s.mode,
        s.service,
        `${s.instanceType}${s.acceleratorType ? ` + ${s.acceleratorType}` : ''} (${s.gpuCount > 1 ? `${s.gpuCount}× ` : ''}${s.gpu})`,
        `${s.minCapacity}–${s.maxCapacity}`,
        formatUsd(s.hourlyUsdPerInstance),
        formatUsd(monthlyCostAlwaysOn(s)),
        formatUsd(monthlyCostAtBusyHours(s, busyHoursPerDay)),
        weightsColumn(s),
        s.mode === 'on-demand' ? s.coldStart.replace(/ from zero.*$/, '') : 'none',
      ]),
  ];
}

/** The weights column of the cost table: the source, short. */
function weightsColumn(summary: DeploymentSummary): string {
  const source = summary.weights?.source;
  if (source === undefined) return '-';
  return source === 'huggingface' ? 'Hugging Face' : WEIGHTS_COLUMN_NAMES[source];
}

const WEIGHTS_COLUMN_NAMES = { s3: 'S3', gcs: 'Cloud Storage', 'azure-files': 'Azure Files', 'azure-blob': 'Blob' };

/** costComparisonRows as an aligned plain-text table. */
export function formatCostComparison(summaries: readonly DeploymentSummary[], busyHoursPerDay = 8): string {
  const rows = costComparisonRows(summaries, busyHoursPerDay);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`.trimEnd()).join('\n');
}

/** A short plain-text table: one block per deployment. */
export function formatSummaries(summaries: readonly DeploymentSummary[], busyHoursPerDay = 8): string {
  if (summaries.length === 0) return '  (no detector deployments found)';
  return summaries
    .map((s) => {
      const gpu = s.gpuCount > 1 ? `${s.gpuCount}× ${s.gpu}` : s.gpu;
      const instance = `${s.instanceType}${s.acceleratorType ? ` + ${s.acceleratorType}` : ''} (${gpu})`;
      return [
        `  ${CLOUD_NAMES[s.cloud]} — ${s.service} (${s.mode})`,
        `    endpoint      ${s.endpoint}`,
        `    GPU instance  ${instance}`,
        `    capacity      min ${s.minCapacity}, max ${s.maxCapacity}`,
        `    model         ${s.model} (${s.quantization}, ${s.maxConcurrency} concurrent per instance)`,
        `    cost          ${formatUsd(s.hourlyUsdPerInstance)}/h per instance; ` +
          `${formatUsd(s.monthlyUsdAtMinCapacity)}/month at min capacity (24 h), ` +
          `${formatUsd(monthlyCostAtBusyHours(s, busyHoursPerDay))}/month at ${busyHoursPerDay} busy h/day ` +
          `(estimate as of ${s.priceAsOf})`,
        `    cold start    ${s.coldStart}`,
        ...(s.weights ? [`    weights       ${placeholders(s.weights.description)}`] : []),
        ...(s.weights?.stagingCommands ?? []).map(
          (command, i) => `    ${i === 0 ? 'stage with   ' : '             '} ${placeholders(command)}`,
        ),
        ...(s.startWindowSeconds === undefined
          ? []
          : [`    start window  ${s.startWindowSeconds} s (an instance not ready by then is stopped)`]),
        ...(s.warnings ?? []).map((w) => `    ⚠ ${w}`),
      ].join('\n');
    })
    .join('\n\n');
}

/** Terraform references known only at deploy time (a name read from another stack), as `<…>`: the outputs say. */
function placeholders(text: string): string {
  return text.replace(/\$\{[^}]*\}/g, '<…>');
}

export { describeInstance };
