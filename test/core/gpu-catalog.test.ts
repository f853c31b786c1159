import {
  AWS_INSTANCES,
  AZURE_INSTANCES,
  awsInstance,
  azureInstance,
  catalogInstances,
  DEFAULT_AWS_INSTANCE_TYPE,
  DEFAULT_AZURE_INSTANCE_TYPE,
  DEFAULT_GCP_MACHINE_TYPE,
  describeInstance,
  gcpMachine,
  gcpMachinesFor,
} from '../../lib/core';

describe('GPU catalog', () => {
  test('the defaults are A10G on AWS, L4 on GCP and T4 on Azure', () => {
    expect(awsInstance(DEFAULT_AWS_INSTANCE_TYPE)).toMatchObject({ ok: true, value: { gpu: { name: 'A10G' } } });
    expect(gcpMachine(DEFAULT_GCP_MACHINE_TYPE)).toMatchObject({
      ok: true,
      value: { acceleratorType: 'NVIDIA_L4', gpu: { name: 'L4', marketedGb: 24 } },
    });
    expect(azureInstance(DEFAULT_AZURE_INSTANCE_TYPE)).toMatchObject({ ok: true, value: { gpu: { name: 'T4' } } });
  });

  test('every entry carries the facts sizing and cost depend on', () => {
    for (const cloud of ['aws', 'gcp', 'azure'] as const) {
      for (const instance of catalogInstances(cloud)) {
        expect(instance.cloud).toBe(cloud);
        expect(instance.gpu.memoryMiB).toBeGreaterThan(15_000);
        expect(instance.gpu.computeCapability).toBeGreaterThanOrEqual(7.5);
        expect(instance.gpu.bf16).toBe(instance.gpu.computeCapability >= 8);
        expect(instance.gpuCount).toBeGreaterThanOrEqual(1);
        expect(instance.vcpus).toBeGreaterThan(0);
        expect(instance.memoryGiB).toBeGreaterThan(0);
        expect(instance.price.usdPerHour).toBeGreaterThan(0);
        expect(instance.price.source).toMatch(/^https:\/\//);
        expect(instance.price.asOf).toMatch(/^\d{4}-\d{2}$/);
      }
    }
  });

  test('SageMaker GPU families g4dn, g5 and p4d have local NVMe storage', () => {
    expect(Object.values(AWS_INSTANCES).every((i) => i.localNvme)).toBe(true);
    expect(AZURE_INSTANCES.Standard_NC4as_T4_v3).toMatchObject({ vcpus: 4, memoryGiB: 28, gpu: { marketedGb: 16 } });
  });

  test('an unknown instance type names the ones that exist', () => {
    expect(awsInstance('ml.g5.large')).toEqual({
      ok: false,
      problem: expect.stringMatching(/unknown SageMaker GPU instance type; use one of ml\.g5\.xlarge, ml\.g4dn/),
    });
    expect(azureInstance('Standard_NC6')).toEqual({
      ok: false,
      problem: expect.stringContaining('Standard_NC4as_T4_v3'),
    });
    // The lookup says which part of the spec is wrong, so a construct names its own prop without reading prose.
    expect(gcpMachine('e2-standard-4')).toEqual({
      ok: false,
      part: 'machineType',
      problem: expect.stringContaining('g2-standard-8'),
    });
    expect(gcpMachine('g2-standard-8', 'NVIDIA_H100')).toMatchObject({ ok: false, part: 'acceleratorType' });
    expect(gcpMachine('n1-standard-8', 'NVIDIA_L4')).toMatchObject({ ok: false, part: 'attachment' });
    expect(gcpMachine('g2-standard-8', 'NVIDIA_L4', 2)).toMatchObject({ ok: false, part: 'acceleratorCount' });
  });

  test('n1-standard-8 with an L4 does not exist and the message names g2-standard-8', () => {
    const result = gcpMachine('n1-standard-8', 'NVIDIA_L4');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toMatch(/NVIDIA_L4 cannot attach to n1-standard-8.*g2-standard-8/);
    expect(gcpMachinesFor('NVIDIA_L4')).toEqual(['g2-standard-8']);
  });

  test('GCP accelerator counts are checked and priced per GPU', () => {
    expect(gcpMachine('g2-standard-8', 'NVIDIA_L4', 2)).toMatchObject({ ok: false });
    const one = gcpMachine('n1-standard-8', 'NVIDIA_TESLA_T4', 1);
    const two = gcpMachine('n1-standard-8', 'NVIDIA_TESLA_T4', 2);
    if (!one.ok || !two.ok) throw new Error('n1-standard-8 takes 1 or 2 T4s');
    expect(two.value.gpuCount).toBe(2);
    expect(two.value.price.usdPerHour).toBeCloseTo(one.value.price.usdPerHour + 0.4025, 4);
    expect(gcpMachine('n1-standard-8', 'NVIDIA_TESLA_T4', 3)).toMatchObject({ ok: false });
    expect(gcpMachine('n1-standard-8', 'NVIDIA_H100')).toMatchObject({
      ok: false,
      problem: expect.stringContaining('unknown accelerator type'),
    });
  });

  test('instances describe themselves for messages', () => {
    expect(describeInstance(AWS_INSTANCES['ml.p4d.24xlarge'])).toBe('ml.p4d.24xlarge (8× A100 40 GB)');
    const l4 = gcpMachine('g2-standard-8');
    expect(l4.ok && describeInstance(l4.value)).toBe('g2-standard-8 + NVIDIA_L4 (L4 24 GB)');
  });
});
