/**
 * The platform rule table: every rule has a stable id, a source, says where it is enforced, and its check passes
 * the values the constructs use by default and fails a violating one with the value and a fix.
 */
import {
  AWS_INSTANCES,
  CLOUD_RUN_L4_DRIVER,
  COLD_STARTS,
  cudaFit,
  cudaFromImageTag,
  cudaVersionProblem,
  DEFAULT_SAGEMAKER_INFERENCE_AMI,
  GPUS,
  MODEL_PROFILES,
  PINNED_IMAGE_CUDA,
  PLATFORM_LIMITS,
  PLATFORM_RULES,
  platformRuleById,
  SAGEMAKER_INFERENCE_AMIS,
  startWindowWarning,
  ValidationErrors,
  type AnyPlatformRule,
} from '../../lib/core';
import { VLLM_IMAGE } from '../../inference-container/src/contract';

/** A value each rule accepts and one it refuses, with what the violation must name. */
const CASES: Record<string, { pass: unknown; fail: unknown; value: RegExp }> = {
  'sagemaker.inference-ami-set': {
    pass: { inferenceAmiVersion: DEFAULT_SAGEMAKER_INFERENCE_AMI, instanceType: 'ml.g5.xlarge' },
    fail: { instanceType: 'ml.g5.xlarge' },
    value: /none \(SageMaker's default for ml\.g5: driver 470, CUDA 11\.4\)/,
  },
  'sagemaker.inference-ami-accepted': {
    pass: { inferenceAmiVersion: 'al2-ami-sagemaker-inference-gpu-3-1', instanceType: 'ml.g5.xlarge' },
    fail: { inferenceAmiVersion: 'al2-ami-sagemaker-inference-gpu-9', instanceType: 'ml.g5.xlarge' },
    value: /al2-ami-sagemaker-inference-gpu-9/,
  },
  'sagemaker.inference-ami-instance': {
    pass: { inferenceAmiVersion: DEFAULT_SAGEMAKER_INFERENCE_AMI, instanceType: 'ml.g4dn.xlarge' },
    fail: { inferenceAmiVersion: 'al2-ami-sagemaker-inference-neuron-2', instanceType: 'ml.g5.xlarge' },
    value: /neuron-2 on ml\.g5\.xlarge/,
  },
  'sagemaker.ami-driver-runs-image': {
    pass: { driver: { branch: 580, cuda: '13.0' }, imageCuda: '12.9', host: 'AMI x', remedy: 'r' },
    fail: { driver: { branch: 470, cuda: '11.4' }, imageCuda: '12.9', host: 'AMI x', remedy: 'r' },
    value: /driver 470, CUDA 11\.4\) for an image built with CUDA 12\.9/,
  },
  'sagemaker.startup-timeouts': { pass: { seconds: 1800 }, fail: { seconds: 3601 }, value: /3601/ },
  'sagemaker.nvme-no-volume-size': {
    pass: { instanceType: 'ml.g5.xlarge', localNvme: true, kmsKey: false },
    fail: { instanceType: 'ml.g5.xlarge', localNvme: true, volumeSizeGb: 100, kmsKey: false },
    value: /100|ml\.g5\.xlarge/,
  },
  'sagemaker.volume-size-range': {
    pass: { instanceType: 'ml.m5.xlarge', localNvme: false, volumeSizeGb: 100, kmsKey: false },
    fail: { instanceType: 'ml.m5.xlarge', localNvme: false, volumeSizeGb: 999, kmsKey: false },
    value: /999/,
  },
  'sagemaker.nvme-no-kms-key': {
    pass: { instanceType: 'ml.g5.xlarge', localNvme: true, kmsKey: false },
    fail: { instanceType: 'ml.g5.xlarge', localNvme: true, kmsKey: true },
    value: /a KMS key/,
  },
  'sagemaker.environment-limits': {
    pass: { environment: { A: '1' } },
    fail: { environment: { A: 'x'.repeat(1025) } },
    value: /1025-byte value/,
  },
  'sagemaker.endpoint-name': {
    pass: { name: 'form-detector' },
    fail: { name: 'form_detector' },
    value: /form_detector/,
  },
  'sagemaker.inference-component-name': {
    pass: { name: 'form-detector-ic' },
    fail: { name: 'x'.repeat(64) },
    value: /x{64}/,
  },
  'sagemaker.invocation-timeout': {
    pass: { requestTimeoutMs: 55_000 },
    fail: { requestTimeoutMs: 60_000 },
    value: /60 s/,
  },
  'gce.accelerator-machine': {
    pass: { machineType: 'g2-standard-8', acceleratorType: 'NVIDIA_L4' },
    fail: { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_L4' },
    value: /n1-standard-8 \+ NVIDIA_L4/,
  },
  'vertex.probe-timeout-exceeds-period': {
    pass: { probe: 'health', periodSeconds: 10, timeoutSeconds: 15 },
    fail: { probe: 'health', periodSeconds: 30, timeoutSeconds: 10 },
    value: /period 30 s, timeout 10 s/,
  },
  'vertex.deployment-timeout': { pass: { seconds: 3600 }, fail: { seconds: 7201 }, value: /7201 s/ },
  'vertex.inference-timeout': {
    pass: { requestTimeoutMs: 55_000 },
    fail: { requestTimeoutMs: 700_000 },
    value: /700/,
  },
  'cloud-run.gpu-cpu-memory': { pass: { cpu: 8, memoryGiB: 32 }, fail: { cpu: 2, memoryGiB: 8 }, value: /2|8/ },
  'cloud-run.startup-probe-window': {
    pass: { initialDelaySeconds: 240, periodSeconds: 10, failureThreshold: 24 },
    fail: { initialDelaySeconds: 0, periodSeconds: 10, failureThreshold: 25 },
    value: /25 × 10 s = 250 s/,
  },
  'cloud-run.startup-initial-delay': {
    pass: { initialDelaySeconds: 240, periodSeconds: 10, failureThreshold: 24 },
    fail: { initialDelaySeconds: 241, periodSeconds: 10, failureThreshold: 24 },
    value: /241/,
  },
  'cloud-run.probe-period-covers-timeout': {
    pass: { probe: 'startup', periodSeconds: 10, timeoutSeconds: 10 },
    fail: { probe: 'startup', periodSeconds: 5, timeoutSeconds: 10 },
    value: /5|10/,
  },
  'cloud-run.gpu-region': { pass: { region: 'us-central1' }, fail: { region: 'us-west2' }, value: /us-west2/ },
  'cloud-run.request-timeout': { pass: { seconds: 200 }, fail: { seconds: 3601 }, value: /3601/ },
  'cloud-run.driver-runs-image': {
    pass: { driver: CLOUD_RUN_L4_DRIVER, imageCuda: '12.9', host: 'Cloud Run L4', remedy: 'r' },
    fail: { driver: CLOUD_RUN_L4_DRIVER, imageCuda: '13.0', host: 'Cloud Run L4', remedy: 'r' },
    value: /driver 535, CUDA 12\.2\) for an image built with CUDA 13\.0/,
  },
  'azure-ml.request-timeout': {
    pass: { requestTimeoutMs: 90_000 },
    fail: { requestTimeoutMs: 181_000 },
    value: /181/,
  },
  'azure-ml.traffic-kept-on-update': {
    pass: {
      puts: [
        { where: 'create', carriesTraffic: false, createOnly: true },
        { where: 'update', carriesTraffic: true, createOnly: false },
      ],
    },
    fail: { puts: [{ where: 'outer template', carriesTraffic: false, createOnly: false }] },
    value: /outer template/,
  },
  'azure.role-assignment-propagation': {
    pass: { consumers: [{ where: 'app', unwaitedAssignments: [], waits: [{ name: 'time_sleep.x', seconds: 600 }] }] },
    fail: { consumers: [{ where: 'app', unwaitedAssignments: ['azurerm_role_assignment.a'], waits: [] }] },
    value: /app depends on azurerm_role_assignment\.a directly/,
  },
  'azure-monitor.autoscale-cooldown': { pass: { seconds: 300 }, fail: { seconds: 30 }, value: /30/ },
  'container-apps.gpu-region': { pass: { region: 'swedencentral' }, fail: { region: 'eastus' }, value: /eastus/ },
  'container-apps.probe-ranges': {
    pass: { probe: 'startupProbe', initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 10 },
    fail: { probe: 'startupProbe', initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 99 },
    value: /99/,
  },
  'container-apps.max-replicas': { pass: { maxReplicas: 2 }, fail: { maxReplicas: 1001 }, value: /1001/ },
  // The storage-mounts page: a replica over 1 vCPU has 8 GiB of ephemeral storage; the 8B download is ~17 GiB.
  'container-apps.replica-storage': {
    pass: { source: 'store', downloadGiB: 17, vcpus: 8 },
    fail: { source: 'huggingface', downloadGiB: 17, vcpus: 8 },
    value: /Hugging Face download of ~17 GiB/,
  },
  // The healthchecks page: 240 s initial delay + 240 s of probing; the estimate of a Hugging Face start is 6–12 min.
  'cloud-run.start-window': {
    pass: { startWindowSeconds: 480, coldStart: COLD_STARTS.cloudRunGpu, remedy: 'r' },
    fail: { startWindowSeconds: 240, coldStart: COLD_STARTS.cloudRunGpu, remedy: 'r' },
    value: /estimated cold start \(2–8 min/,
  },
  // The provider's schema: gcs volumes are "only supported in the gen2 execution environment".
  'cloud-run.gcs-volume-gen2': {
    pass: { gcsVolumes: 1, executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2' },
    fail: { gcsVolumes: 1 },
    value: /1 Cloud Storage volume\(s\) in the default execution environment/,
  },
  // The container contract: the filesystem "is an in-memory filesystem, so writing to it uses the container
  // instance's memory"; 16.3 GiB of 16-bit weights + 4 GiB of processes need 21 GiB.
  'cloud-run.in-memory-filesystem': {
    pass: { downloadGiB: 16.3, memoryGiB: 32, processGiB: 4 },
    fail: { downloadGiB: 16.3, memoryGiB: 16, processGiB: 4 },
    value: /16 GiB/,
  },
  // Cloud Run v2 RevisionReason: health checks run per revision (skipped only for a manually scaled service with 0
  // instances), so a revision whose store is empty never becomes ready.
  'weights.store-staged-before-start': {
    pass: { serving: 'service', store: 'bucket', storeCreatedInSameDeploy: true, startsAtDeploy: false },
    fail: { serving: 'service', store: 'bucket', storeCreatedInSameDeploy: true, startsAtDeploy: true },
    value: /bucket, created by the same deploy as service/,
  },
  'vllm.gpu-memory-fit': {
    pass: {
      model: MODEL_PROFILES['8B'],
      quantization: 'bitsandbytes',
      instance: AWS_INSTANCES['ml.g5.xlarge'],
      maxModelLength: 8192,
      gpuMemoryUtilization: 0.9,
      gpu: PLATFORM_LIMITS.sagemaker.gpu,
    },
    fail: {
      model: MODEL_PROFILES['32B'],
      quantization: 'none',
      instance: AWS_INSTANCES['ml.g4dn.xlarge'],
      maxModelLength: 8192,
      gpuMemoryUtilization: 0.9,
      gpu: PLATFORM_LIMITS.sagemaker.gpu,
    },
    value: /^ml\.g4dn\.xlarge$/,
  },
  'vllm.quantization-compute-capability': {
    pass: { quantization: 'bitsandbytes', gpu: GPUS.T4 },
    fail: { quantization: 'fp8', gpu: GPUS.T4 },
    value: /fp8/,
  },
};

describe('the platform rule table', () => {
  test('ids are unique and every rule has a case here', () => {
    const ids = PLATFORM_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(CASES).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(id).toMatch(/^[a-z0-9-]+\.[a-z0-9-]+$/);
  });

  test('every rule has a statement, an https source, targets, and says where it is enforced', () => {
    for (const rule of PLATFORM_RULES) {
      expect(rule.statement.length).toBeGreaterThan(20);
      expect(rule.source).toMatch(/^https:\/\//);
      for (const also of rule.alsoSee ?? []) expect(also).toMatch(/^https:\/\//);
      expect(rule.appliesTo.length).toBeGreaterThan(0);
      // A rule enforced nowhere would be documentation only: each is enforced at synth, by preflight, or both.
      expect(rule.synth === true || rule.preflight === true).toBe(true);
    }
  });

  test('only rules no prop can break are left to preflight alone', () => {
    const preflightOnly = PLATFORM_RULES.filter((r) => r.synth !== true).map((r) => r.id);
    expect(preflightOnly.sort()).toEqual([
      'azure-ml.traffic-kept-on-update',
      'azure.role-assignment-propagation',
      'cloud-run.gcs-volume-gen2',
    ]);
    expect(platformRuleById('azure.role-assignment-propagation').synth).toEqual({
      notChecked: expect.stringMatching(/time_sleep/) as string,
    });
  });

  // Each case's fact is stated by the rule's source, which the test name cites.
  test.each(PLATFORM_RULES.map((r) => [r.id, r.source, r] as [string, string, AnyPlatformRule]))(
    '%s (%s) passes its good value and names the bad one with a fix',
    (id, _source, rule) => {
      const c = CASES[id];
      expect(rule.check(c.pass)).toEqual([]);
      const violations = rule.check(c.fail);
      expect(violations.length).toBeGreaterThan(0);
      expect(violations.map((v) => String(v.value)).join(' | ')).toMatch(c.value);
      for (const v of violations) expect(v.fix.length).toBeGreaterThan(10);
    },
  );

  test('an unknown id is a defect', () => {
    expect(() => platformRuleById('nope.nothing')).toThrow(/unknown platform rule "nope.nothing"/);
  });

  test('a construct reports a violation under its own prop, with the rule id and source after the fix', () => {
    const errors = new ValidationErrors('Thing');
    errors.rule('healthProbe', platformRuleById('vertex.probe-timeout-exceeds-period'), {
      probe: 'health',
      periodSeconds: 30,
      timeoutSeconds: 10,
    });
    expect(errors.problems).toEqual([
      expect.objectContaining({
        prop: 'healthProbe',
        value: '"period 30 s, timeout 10 s"',
        fix: expect.stringMatching(
          /timeout > period .*\[vertex\.probe-timeout-exceeds-period: https:\/\/cloud\.google\.com\/vertex-ai\/.*#Probe\]$/,
        ) as string,
      }),
    ]);
  });
});

describe('role assignment waits', () => {
  const rule = platformRuleById('azure.role-assignment-propagation');
  test('a short wait, and a user of the identity that waits for nothing, both fail', () => {
    expect(
      rule.check({
        consumers: [{ where: 'ws', unwaitedAssignments: [], waits: [{ name: 'time_sleep.s', seconds: 60 }] }],
      }),
    ).toEqual([expect.objectContaining({ value: 'ws waits 60 s (time_sleep.s)' })]);
    expect(
      rule.check({
        consumers: [
          { where: 'app', unwaitedAssignments: [], waits: [], identities: ['azurerm_user_assigned_identity.i'] },
        ],
      }),
    ).toEqual([
      expect.objectContaining({
        value: 'app runs as azurerm_user_assigned_identity.i and waits for none of its role assignments',
      }),
    ]);
  });
});

describe('drivers and CUDA', () => {
  test('a driver runs its own CUDA and older; a newer minor of the same major by minor-version compatibility', () => {
    expect(cudaFit({ branch: 580, cuda: '13.0' }, '12.9')).toEqual({ runs: true, how: 'native' });
    expect(cudaFit({ branch: 535, cuda: '12.2' }, '12.9')).toEqual({ runs: true, how: 'minor-version-compatibility' });
    expect(cudaFit({ branch: 470, cuda: '11.4' }, '12.9')).toEqual({
      runs: false,
      why: expect.stringMatching(/CUDA 12\.x needs a driver of the CUDA 12 family \(≥ 525\)/) as string,
    });
    expect(cudaFit({ branch: 550, cuda: '12.4' }, '13.0')).toMatchObject({ runs: false });
    expect(cudaFit({ branch: 550, cuda: '12.4' }, 'twelve')).toMatchObject({ runs: false });
  });

  test('the pinned image is vLLM v0.19.1 built with CUDA 12.9, and the default AMI runs it natively', () => {
    expect(VLLM_IMAGE).toMatchObject({ version: '0.19.1', cudaVersion: '12.9' });
    expect(PINNED_IMAGE_CUDA).toBe('12.9');
    const ami = SAGEMAKER_INFERENCE_AMIS[DEFAULT_SAGEMAKER_INFERENCE_AMI];
    expect(ami.driver).toEqual({ branch: 580, cuda: '13.0' });
    expect(cudaFit(ami.driver!, PINNED_IMAGE_CUDA)).toEqual({ runs: true, how: 'native' });
    // Every NVIDIA AMI SageMaker accepts runs the pinned image (535 and 550 by minor-version compatibility).
    for (const a of Object.values(SAGEMAKER_INFERENCE_AMIS).filter((a) => a.accelerator === 'nvidia')) {
      expect(cudaFit(a.driver!, PINNED_IMAGE_CUDA)).toMatchObject({ runs: true });
    }
  });

  test("an image's CUDA version is read from a vLLM tag's -cuXYZ suffix, and must look like 12.9", () => {
    expect(cudaFromImageTag('vllm/vllm-openai:v0.19.1-cu130')).toBe('13.0');
    expect(cudaFromImageTag('vllm/vllm-openai:v0.19.1')).toBeUndefined();
    expect(cudaVersionProblem('12.9')).toBeUndefined();
    expect(cudaVersionProblem('12')).toMatch(/12\.9/);
  });
});

describe('the start window in a deployment summary', () => {
  test('a cold start that can run past the window is a warning naming both and the remedy', () => {
    const coldStart = COLD_STARTS.cloudRunGpu;
    expect(startWindowWarning({ seconds: coldStart.maxMinutes * 60, coldStart, remedy: 'r' })).toBeUndefined();
    expect(startWindowWarning({ seconds: 240, coldStart, remedy: 'bake the weights into the image' })).toMatch(
      new RegExp(
        `estimated cold start \\(${coldStart.minMinutes}–${coldStart.maxMinutes} min: .*\\) can exceed the 240 s ` +
          'start window.*; bake the weights into the image$',
      ),
    );
  });
});
