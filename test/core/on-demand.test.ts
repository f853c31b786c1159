import {
  AWS_INSTANCES,
  cloudRunGpuInstance,
  CLOUD_RUN_GPU_MINIMUM,
  COLD_STARTS,
  costComparisonRows,
  formatCostComparison,
  CONTAINER_APPS_GPU_PROFILES,
  describeColdStart,
  formatSummaries,
  HOURS_PER_MONTH,
  monthlyCostAtBusyHours,
  onDemandRegionProblem,
  PLATFORM_LIMITS,
  resolveDeployment,
  resolveScaling,
  summarizeDeployment,
  ValidationErrors,
  type DeploymentMode,
} from '../../lib/core';

function summary(mode: DeploymentMode, minCapacity: number) {
  const errors = new ValidationErrors('Test');
  const deployment = resolveDeployment(AWS_INSTANCES['ml.g5.xlarge'], {}, PLATFORM_LIMITS.sagemaker, errors);
  const scaling = resolveScaling({ minCapacity, maxCapacity: 2 }, { maxConcurrency: 8, allowZero: true }, errors);
  errors.throwIfAny();
  return summarizeDeployment({
    service: 'test',
    endpoint: 'e',
    mode,
    deployment,
    scaling,
    coldStart: COLD_STARTS.sagemakerInferenceComponent,
    weights: { kind: 'huggingface' },
  });
}

describe('on-demand capacity', () => {
  test('always-on pays around the clock whatever the load; on-demand pays for busy hours only', () => {
    const alwaysOn = summary('always-on', 1);
    const onDemand = summary('on-demand', 0);
    expect(monthlyCostAtBusyHours(alwaysOn, 8)).toBeCloseTo(1.408 * HOURS_PER_MONTH, 1);
    expect(monthlyCostAtBusyHours(onDemand, 8)).toBeCloseTo((1.408 * HOURS_PER_MONTH) / 3, 1);
    expect(monthlyCostAtBusyHours(onDemand, 0)).toBe(0);
    expect(onDemand.monthlyUsdAtMinCapacity).toBe(0);
  });

  test('cold start is reported for on-demand deployments and "none" for always-on ones', () => {
    expect(summary('always-on', 1).coldStart).toBe('none: instances stay warm');
    expect(summary('on-demand', 0).coldStart).toMatch(/^6–15 min from zero \(instance launch/);
    expect(describeColdStart(COLD_STARTS.cloudRunGpu)).toMatch(/GPU attach/);
    const table = formatSummaries([summary('on-demand', 0)], 4);
    expect(table).toContain('/month at 4 busy h/day');
    expect(table).toContain('cold start    6–15 min from zero');
  });

  test('the cost table compares the modes per cloud: hourly, month around the clock, month at busy hours, cold start', () => {
    const rows = costComparisonRows([summary('on-demand', 0), summary('always-on', 1)], 8);
    expect(rows[0]).toEqual([
      'cloud',
      'mode',
      'service',
      'GPU instance',
      'min–max',
      '$/h',
      'month, 24 h',
      'month, 8 busy h/day',
      'weights',
      'cold start',
    ]);
    expect(rows.slice(1).map((r) => [r[1], r[6], r[7], r[8], r[9]])).toEqual([
      ['always-on', '$1,027.84', '$1,027.84', 'Hugging Face', 'none'],
      ['on-demand', '$1,027.84', '$342.61', 'Hugging Face', '6–15 min'],
    ]);
    expect(formatCostComparison([summary('always-on', 1)], 8).split('\n')).toHaveLength(2);
  });

  test('Cloud Run GPU instances are priced from GPU, vCPU and memory', () => {
    const small = cloudRunGpuInstance(CLOUD_RUN_GPU_MINIMUM.cpu, CLOUD_RUN_GPU_MINIMUM.memoryGiB);
    const large = cloudRunGpuInstance(8, 32);
    expect(small).toMatchObject({ gpu: { name: 'L4' }, acceleratorType: 'nvidia-l4', vcpus: 4, memoryGiB: 16 });
    expect(large.price.usdPerHour).toBeGreaterThan(small.price.usdPerHour);
    expect(large.price.usdPerHour - small.price.usdPerHour).toBeCloseTo(4 * 0.0864 + 16 * 0.009, 4);
  });

  test('regions that do not offer the on-demand GPU service are named with the ones that do', () => {
    expect(onDemandRegionProblem('cloudRunGpu', 'europe-west4')).toBeUndefined();
    expect(onDemandRegionProblem('cloudRunGpu', 'us-west1')).toMatch(/Cloud Run L4 GPUs are offered in us-central1/);
    expect(onDemandRegionProblem('containerAppsGpu', 'eastus')).toMatch(/westus3/);
    expect(CONTAINER_APPS_GPU_PROFILES['Consumption-GPU-NC8as-T4'].gpu.name).toBe('T4');
  });
});
