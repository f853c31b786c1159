import { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository';
import { ArtifactRegistryRepositoryIamMember } from '@cdktf/provider-google/lib/artifact-registry-repository-iam-member';
import { CloudRunV2Service } from '@cdktf/provider-google/lib/cloud-run-v2-service';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import type { Construct } from 'constructs';
import {
  cloudRunGpuInstance,
  COLD_STARTS_BY_WEIGHTS,
  containerEnvironment,
  describeColdStart,
  formatSummaries,
  IMAGE_METADATA_KEY,
  Duration,
  SUMMARY_METADATA_KEY,
} from '../../lib/core';
import {
  CloudRunGpuDetectorService,
  ModelWeights,
  ModelWeightsStore,
  type CloudRunGpuDetectorServiceProps,
} from '../../lib/gcp';
import { startupProbeTiming } from '../../lib/gcp/cloud-run-validation';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';

Testing.setupJest();

/** Synthesized Terraform JSON: untyped by nature, read field by field in the assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Tf = Record<string, any>;

/** Weights staged already in a bucket of the team's: Cloud Run needs weights it can read at deploy. */
const STAGED = ModelWeights.fromCloudStorage('gs://staged-weights/weights');
const BASE = { project: 'my-project', region: 'us-central1', imageTag: 'test', weights: STAGED } as const;
const APP = 'serviceAccount:forms-app@my-project.iam.gserviceaccount.com';

function synth(
  props: Partial<CloudRunGpuDetectorServiceProps> = {},
  extra?: (scope: Construct, s: CloudRunGpuDetectorService) => void,
) {
  let service!: CloudRunGpuDetectorService;
  const json = Testing.synthScope((scope) => {
    service = new CloudRunGpuDetectorService(scope, 'Detector', { ...BASE, ...props });
    extra?.(scope, service);
  });
  const parsed = JSON.parse(json);
  return { json, parsed, service, run: resourcesOfType(parsed, 'google_cloud_run_v2_service')[0] };
}

function resourcesOfType(parsed: { resource: Record<string, Record<string, unknown>> }, type: string): Tf[] {
  return Object.values(parsed.resource[type] ?? {}) as Tf[];
}

function build(props: Partial<CloudRunGpuDetectorServiceProps>): () => void {
  return () => synth(props);
}

describe('CloudRunGpuDetectorService with minimal props', () => {
  const { json, parsed, service, run } = synth();
  const container = run.template.containers[0];

  test('declares a Cloud Run v2 service in the region, reachable from anywhere but IAM-authenticated, deletable', () => {
    expect(json).toHaveResourceWithProperties(CloudRunV2Service, {
      project: 'my-project',
      location: 'us-central1',
      name: 'stack-detector',
      ingress: 'INGRESS_TRAFFIC_ALL',
      invoker_iam_disabled: false,
      deletion_protection: false,
      labels: { 'managed-by': 'form-detector-stacks' },
    });
    expect(resourcesOfType(parsed, 'google_cloud_run_v2_service')).toHaveLength(1);
  });

  test('attaches one NVIDIA L4 without zonal redundancy, with 8 vCPU, 32 GiB and instance-based billing', () => {
    expect(run.template.node_selector).toEqual({ accelerator: 'nvidia-l4' });
    expect(run.template.gpu_zonal_redundancy_disabled).toBe(true);
    expect(container.resources).toEqual({
      limits: { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '1' },
      cpu_idle: false,
      startup_cpu_boost: true,
    });
  });

  test('scales from zero to two instances, each sent at most what the container runs at once', () => {
    expect(run.template.scaling).toEqual({ min_instance_count: 0, max_instance_count: 2 });
    expect(service.deployment.maxConcurrency).toBe(8);
    expect(run.template.max_instance_request_concurrency).toBe(service.deployment.maxConcurrency);
    expect(container.env).toContainEqual({ name: 'MAX_CONCURRENCY', value: '8' });
  });

  test("raises the request timeout to the container's deadline plus 30 s", () => {
    expect(service.deployment.requestTimeoutMs).toBe(170_000);
    expect(run.template.timeout).toBe('200s');
    expect(service.requestTimeoutSeconds).toBe(200);
  });

  test('runs one container from the repository image on port 8080 with the environment from core', () => {
    expect(run.template.containers).toHaveLength(1);
    expect(container.name).toBe('detector');
    expect(container.image).toMatch(
      /^us-central1-docker\.pkg\.dev\/my-project\/\$\{google_artifact_registry_repository\.\w+\.repository_id\}\/form-detector:test$/,
    );
    expect(container.ports).toEqual({ container_port: 8080, name: 'http1' });
    const expected = Object.entries(containerEnvironment(service.deployment)).map(([name, value]) => ({
      name,
      value,
    }));
    // …plus where the weights are: the Cloud Storage volume they are mounted from (see the weights tests below).
    expect(container.env).toEqual([
      ...expected,
      { name: 'MODEL_WEIGHTS_DIR', value: '/mnt/model-weights/weights' },
      { name: 'MODEL_WEIGHTS_URI', value: 'gs://staged-weights/weights/' },
    ]);
    // Cloud Run sets PORT itself and refuses it in env.
    expect(container.env.map((e: Tf) => e.name)).not.toContain('PORT');
  });

  test('holds traffic until vLLM is ready, for up to 8 minutes within the startup probe limits', () => {
    expect(container.startup_probe).toEqual({
      http_get: { path: '/health/ready', port: 8080 },
      initial_delay_seconds: 240,
      period_seconds: 10,
      timeout_seconds: 5,
      failure_threshold: 24,
    });
    const p = container.startup_probe;
    expect(p.initial_delay_seconds).toBeLessThanOrEqual(240);
    expect(p.period_seconds * p.failure_threshold).toBeLessThanOrEqual(240);
    expect(p.timeout_seconds).toBeLessThan(p.period_seconds);
  });

  test('restarts an instance whose controller stops answering /health/live', () => {
    expect(container.liveness_probe).toEqual({
      http_get: { path: '/health/live', port: 8080 },
      period_seconds: 30,
      timeout_seconds: 5,
      failure_threshold: 3,
    });
  });

  test('runs as its own service account with only logging, monitoring and repository read', () => {
    expect(json).toHaveResourceWithProperties(ServiceAccount, {
      project: 'my-project',
      account_id: 'stack-detector-serving',
      description: 'Runs the form detector container on Cloud Run: writes logs and metrics, reads its image.',
    });
    expect(run.template.service_account).toMatch(/^\$\{google_service_account\.\w+\.email\}$/);
    expect(
      resourcesOfType(parsed, 'google_project_iam_member')
        .map((m) => m.role)
        .sort(),
    ).toEqual(['roles/logging.logWriter', 'roles/monitoring.metricWriter']);
    expect(json).toHaveResourceWithProperties(ArtifactRegistryRepositoryIamMember, {
      role: 'roles/artifactregistry.reader',
      member: expect.stringMatching(/google_service_account\..*\.member/),
    });
    expect(json).not.toMatch(/roles\/(owner|editor|viewer|run\.admin)"/);
  });

  test('declares the regional docker repository that deletes untagged images', () => {
    expect(json).toHaveResourceWithProperties(ArtifactRegistryRepository, {
      project: 'my-project',
      location: 'us-central1',
      format: 'DOCKER',
      repository_id: 'stack-detector-images',
      cleanup_policies: [
        { id: 'delete-untagged', action: 'DELETE', condition: { tag_state: 'UNTAGGED', older_than: '604800s' } },
      ],
    });
    expect(service.dockerPushTarget).toBe(`${service.repositoryUrl}/form-detector:test`);
  });

  test('enables run, artifactregistry and iam, never disabling them, before the service is created', () => {
    for (const name of ['run.googleapis.com', 'artifactregistry.googleapis.com', 'iam.googleapis.com']) {
      expect(json).toHaveResourceWithProperties(ProjectService, {
        project: 'my-project',
        service: name,
        disable_on_destroy: false,
      });
    }
    expect(resourcesOfType(parsed, 'google_project_service')).toHaveLength(3);
    expect(run.depends_on).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^google_project_service\.\w*RunService/),
        expect.stringMatching(/^google_project_iam_member\.\w*LogWriter/),
        expect.stringMatching(/^google_artifact_registry_repository_iam_member\./),
      ]),
    );
  });

  test('grants invoke to nobody unless asked', () => {
    expect(json).not.toHaveResource(CloudRunV2ServiceIamMember);
  });

  test('exposes the URL, the predict URL and escape hatches', () => {
    expect(service.url).toMatch(/^\$\{TfToken\[TOKEN\.\d+\]\}$/);
    expect(service.predictUrl).toBe(`${service.url}/predict`);
    expect(service.service).toBeInstanceOf(CloudRunV2Service);
    expect(service.serviceAccount).toBeInstanceOf(ServiceAccount);
    expect(service.repository).toBeInstanceOf(ArtifactRegistryRepository);
    expect(Object.keys(service.services).sort()).toEqual([
      'artifactregistry.googleapis.com',
      'iam.googleapis.com',
      'run.googleapis.com',
    ]);
  });

  test('summarizes an on-demand L4 deployment priced per instance hour, with the cold start to expect', () => {
    expect(service.summary).toMatchObject({
      cloud: 'gcp',
      service: 'Cloud Run GPU service',
      endpoint: 'stack-detector',
      mode: 'on-demand',
      instanceType: 'cloud-run-8cpu-32gi',
      acceleratorType: 'nvidia-l4',
      gpu: 'L4 24 GB',
      minCapacity: 0,
      maxCapacity: 2,
      maxConcurrency: 8,
      hourlyUsdPerInstance: cloudRunGpuInstance(8, 32).price.usdPerHour,
      monthlyUsdAtMinCapacity: 0,
      coldStart: describeColdStart(COLD_STARTS_BY_WEIGHTS.cloudRunGpu.store),
      weights: { source: 'gcs' },
      // Cloud Run services: initial delay ≤ 240 s plus failureThreshold × periodSeconds ≤ 240 s
      // (cloud.google.com/run/docs/configuring/healthchecks; Cloud Run v2 Probe reference).
      startWindowSeconds: 480,
    });
    // The estimated cold start (2–8 min) fits the 8-minute window exactly: no warning.
    expect(service.summary.warnings).toBeUndefined();
  });
});

describe('CloudRunGpuDetectorService start window in the summary', () => {
  test('a shorter modelLoadTimeout than the estimated cold start is shown with a warning', () => {
    const { service } = synth({ modelLoadTimeout: Duration.minutes(5) });
    expect(service.summary.startWindowSeconds).toBe(300);
    expect(service.summary.warnings).toEqual([
      expect.stringMatching(
        /^the estimated cold start \(2–6 min: .*Cloud Storage volume.*\) can exceed the 300 s start window, after which the platform stops the instance and starts another; use the always-on Vertex AI mode/,
      ),
    ]);
    expect(formatSummaries([service.summary])).toMatch(
      /\n {4}start window {2}300 s \(an instance not ready by then is stopped\)\n {4}⚠ the estimated cold start/,
    );
  });

  test('warm instances keep the warning: a scale-out still starts cold', () => {
    const { service } = synth({
      modelLoadTimeout: Duration.minutes(4),
      scaleToZero: false,
      scaling: { minCapacity: 1 },
    });
    expect(service.summary.coldStart).toBe(describeColdStart(undefined));
    expect(service.summary.warnings).toHaveLength(1);
  });
});

describe('CloudRunGpuDetectorService and the L4 driver (535.216.03, CUDA 12.2: cloud.google.com/run/docs/configuring/services/gpu)', () => {
  test('the image built from inference-container/ (CUDA 12.9) runs by minor-version compatibility and is recorded', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'stack');
    new CloudRunGpuDetectorService(stack, 'Detector', BASE);
    const tf = stack.toTerraform() as Tf;
    const [resource] = Object.values(tf.resource.google_cloud_run_v2_service) as Tf[];
    expect(resource['//'][IMAGE_METADATA_KEY]).toEqual({ cudaVersion: '12.9', cudaVersionFrom: 'pinned' });
  });

  test('a CUDA 13 image is refused: the 535 driver runs no CUDA 13 (NVIDIA minor-version compatibility: 13.x ≥ 580)', () => {
    expect(
      build({
        imageTag: undefined,
        image: 'us-central1-docker.pkg.dev/p/r/form-detector:cu130',
        imageCudaVersion: '13.0',
      }),
    ).toThrow(
      /imageCudaVersion: got "Cloud Run's L4 driver \(driver 535, CUDA 12\.2\) for an image built with CUDA 13\.0"; CUDA 13\.x needs a driver of the CUDA 13 family \(≥ 580\).*\[cloud-run\.driver-runs-image: https:\/\/cloud\.google\.com\/run\/docs\/configuring\/services\/gpu\]/,
    );
    expect(
      build({
        imageTag: undefined,
        image: 'us-central1-docker.pkg.dev/p/r/form-detector:v1',
        imageCudaVersion: '12.8',
      }),
    ).not.toThrow();
    expect(build({ imageCudaVersion: 'latest' })).toThrow(
      /imageCudaVersion: got "latest"; use a CUDA version as major\.minor/,
    );
  });
});

describe('CloudRunGpuDetectorService records its summary where npm run synth reads it', () => {
  test('in the // comment of the service resource', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'stack');
    const service = new CloudRunGpuDetectorService(stack, 'Detector', BASE);
    const tf = stack.toTerraform() as Tf;
    const [resource] = Object.values(tf.resource.google_cloud_run_v2_service) as Tf[];
    expect(resource['//'][SUMMARY_METADATA_KEY]).toEqual(service.summary);
    expect(service.summary.weights?.description).toBe('Cloud Storage gs://staged-weights/weights/ (existing)');
  });
});

describe('CloudRunGpuDetectorService with maximal props', () => {
  const { json, parsed, service, run } = synth({
    serviceName: 'forms-detector',
    accelerator: 'nvidia-l4',
    cpu: 6,
    memoryGiB: 24,
    scaling: { minCapacity: 1, maxCapacity: 4 },
    scaleToZero: false,
    zonalRedundancy: true,
    modelLoadTimeout: Duration.minutes(3),
    ingress: 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
    invokers: [APP, 'group:forms@example.com'],
    deletionProtection: true,
    repositoryName: 'detector-images',
    imageTag: 'v7',
    labels: { team: 'forms' },
    serviceAccount: 'detector@my-project.iam.gserviceaccount.com',
    maxConcurrency: 4,
    requestTimeout: Duration.minutes(10),
    maxNewTokens: 3072,
    environment: { HF_HUB_ENABLE_HF_TRANSFER: '1' },
  });
  const container = run.template.containers[0];

  test('uses every prop', () => {
    expect(json).toHaveResourceWithProperties(CloudRunV2Service, {
      name: 'forms-detector',
      ingress: 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
      deletion_protection: true,
      labels: { 'managed-by': 'form-detector-stacks', team: 'forms' },
    });
    expect(run.template.gpu_zonal_redundancy_disabled).toBe(false);
    expect(run.template.scaling).toEqual({ min_instance_count: 1, max_instance_count: 4 });
    expect(run.template.max_instance_request_concurrency).toBe(4);
    expect(run.template.timeout).toBe('630s');
    expect(run.template.service_account).toBe('detector@my-project.iam.gserviceaccount.com');
    expect(container.resources.limits).toEqual({ cpu: '6', memory: '24Gi', 'nvidia.com/gpu': '1' });
    expect(container.image).toMatch(/\/form-detector:v7$/);
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'HF_HUB_ENABLE_HF_TRANSFER', value: '1' },
        { name: 'MAX_NEW_TOKENS', value: '3072' },
        { name: 'REQUEST_TIMEOUT_MS', value: '600000' },
      ]),
    );
    expect(json).toHaveResourceWithProperties(ArtifactRegistryRepository, { repository_id: 'detector-images' });
  });

  test('a 3-minute start-up budget needs no initial delay', () => {
    expect(container.startup_probe).toMatchObject({
      initial_delay_seconds: 0,
      period_seconds: 10,
      failure_threshold: 18,
    });
  });

  test('grants roles/run.invoker on this service only, to exactly the given members', () => {
    const grants = resourcesOfType(parsed, 'google_cloud_run_v2_service_iam_member');
    expect(grants.map((g) => g.member).sort()).toEqual([APP, 'group:forms@example.com'].sort());
    for (const grant of grants) {
      expect(grant).toMatchObject({ project: 'my-project', location: 'us-central1', role: 'roles/run.invoker' });
      expect(grant.name).toMatch(/^\$\{google_cloud_run_v2_service\.\w+\.name\}$/);
    }
  });

  test('with its own service account it creates none and grants nothing to it', () => {
    expect(json).not.toHaveResource(ServiceAccount);
    expect(json).not.toHaveResource(ProjectIamMember);
    expect(json).not.toHaveResource(ArtifactRegistryRepositoryIamMember);
    expect(service.serviceAccountEmail).toBe('detector@my-project.iam.gserviceaccount.com');
  });

  test('with warm instances the summary reports no wait from zero and the cost of the minimum', () => {
    expect(service.summary.coldStart).toBe(describeColdStart(undefined));
    expect(service.summary.instanceType).toBe('cloud-run-6cpu-24gi');
    expect(service.summary.monthlyUsdAtMinCapacity).toBeGreaterThan(0);
  });
});

describe('CloudRunGpuDetectorService with an existing image', () => {
  const { json, parsed, service, run } = synth({ imageTag: undefined, image: 'docker.io/acme/form-detector:1.2' });

  test('runs it and creates no repository or registry service', () => {
    expect(run.template.containers[0].image).toBe('docker.io/acme/form-detector:1.2');
    expect(json).not.toHaveResource(ArtifactRegistryRepository);
    expect(resourcesOfType(parsed, 'google_project_service').map((s) => s.service)).not.toContain(
      'artifactregistry.googleapis.com',
    );
    expect(service.repositoryUrl).toBeUndefined();
    expect(service.dockerPushTarget).toBeUndefined();
  });
});

describe('CloudRunGpuDetectorService.grantInvoke', () => {
  test('grants each member once and returns the same grant on a repeat', () => {
    const { parsed } = synth({}, (_scope, s) => {
      const first = s.grantInvoke(APP);
      expect(s.grantInvoke(APP)).toBe(first);
      s.grantInvoke('user:ana@example.com');
    });
    expect(resourcesOfType(parsed, 'google_cloud_run_v2_service_iam_member')).toHaveLength(2);
  });

  test.each(['allUsers', 'allAuthenticatedUsers'])('refuses %s: the service is never public', (member) => {
    expect(() => synth({}, (_scope, s) => s.grantInvoke(member))).toThrow(
      new RegExp(`grantInvoke on 'stack/Detector':\\n {2}- member: got "${member}"; public access is refused`),
    );
  });

  test('refuses a string that is not an IAM member', () => {
    expect(() => synth({}, (_scope, s) => s.grantInvoke('forms-app@my-project.iam.gserviceaccount.com'))).toThrow(
      /use an IAM member: "user:…", "serviceAccount:…"/,
    );
  });

  test('an imported service grants on its name and gives metric filters', () => {
    const json = Testing.synthScope((scope) => {
      const imported = CloudRunGpuDetectorService.fromServiceAttributes(scope, 'Imported', {
        project: 'p2',
        region: 'europe-west4',
        serviceName: 'forms',
        url: 'https://forms-abc-ez.a.run.app',
      });
      imported.grantInvoke(APP);
      expect(imported.predictUrl).toBe('https://forms-abc-ez.a.run.app/predict');
      expect(imported.metricRequestCount()).toBe(
        'metric.type="run.googleapis.com/request_count" AND resource.type="cloud_run_revision" ' +
          'AND resource.labels.service_name="forms" AND resource.labels.location="europe-west4"',
      );
      expect(imported.metricInstanceCount()).toContain('metric.type="run.googleapis.com/container/instance_count"');
      expect(imported.metricRequestLatencies()).toContain('run.googleapis.com/request_latencies');
    });
    expect(json).toHaveResourceWithProperties(CloudRunV2ServiceIamMember, {
      project: 'p2',
      location: 'europe-west4',
      name: 'forms',
      role: 'roles/run.invoker',
      member: APP,
    });
  });
});

describe('startupProbeTiming', () => {
  test.each([
    [60, 0, 6],
    [240, 0, 24],
    [300, 60, 24],
    [480, 240, 24],
  ])('%i s → initial delay %i s, %i failures × 10 s', (total, delay, threshold) => {
    expect(startupProbeTiming(total)).toEqual({ initialDelaySeconds: delay, failureThreshold: threshold });
  });
});

describe('CloudRunGpuDetectorService validation (one error per rule)', () => {
  test('a region the catalog knows has no Cloud Run GPUs', () => {
    expect(build({ region: 'us-west1' })).toThrow(
      /region: got "us-west1"; Cloud Run L4 GPUs are offered in us-central1, .*; pick one of those regions/,
    );
  });

  test('fewer than 4 vCPU, or a CPU count Cloud Run does not offer', () => {
    expect(build({ cpu: 2 })).toThrow(/cpu: got 2; use 4, 6, 8: Cloud Run requires at least 4 vCPU with a GPU/);
    expect(build({ cpu: 5 })).toThrow(/cpu: got 5; use 4, 6, 8/);
  });

  test('less than 16 GiB, or more than 32', () => {
    expect(build({ memoryGiB: 8 })).toThrow(/memoryGiB: got 8; use a whole number of GiB from 16 .* to 32/);
    expect(build({ memoryGiB: 48 })).toThrow(/memoryGiB: got 48; use a whole number of GiB from 16/);
  });

  test('too few vCPU for the memory', () => {
    expect(build({ cpu: 4, memoryGiB: 24 })).toThrow(/cpu: got 4; Cloud Run needs at least 6 vCPU for 24 GiB/);
  });

  // Cloud Run's filesystem "is an in-memory filesystem, so writing to it uses the container instance's memory"
  // (https://cloud.google.com/run/docs/container-contract#filesystem; rule cloud-run.in-memory-filesystem).
  test('too little memory to hold the weights downloaded from Hugging Face in the in-memory filesystem', () => {
    const hub = ModelWeights.fromHuggingFace();
    expect(build({ cpu: 4, memoryGiB: 16, weights: hub })).toThrow(
      /memoryGiB: got "16 GiB"; ~16\.3 GiB of 16-bit weights are downloaded at start into the in-memory filesystem and need about 21 GiB with the processes: use memoryGiB ≥ 21 \(with cpu 6 or more\).*\[cloud-run\.in-memory-filesystem: https:\/\/cloud\.google\.com\/run\/docs\/container-contract#filesystem\]/,
    );
    // Weights baked into the image: the minimum is enough.
    expect(build({ cpu: 4, memoryGiB: 16, baseModel: '/models/qwen3-vl-8b', weights: hub })).not.toThrow();
    // Weights in Cloud Storage are read from the volume, not copied into memory.
    expect(build({ cpu: 4, memoryGiB: 16 })).not.toThrow();
  });

  test('a negative minimum', () => {
    expect(build({ scaling: { minCapacity: -1 } })).toThrow(/scaling\.minCapacity: got -1; use a whole number ≥ 0/);
  });

  test('minimum above maximum', () => {
    expect(build({ scaleToZero: false, scaling: { minCapacity: 3, maxCapacity: 2 } })).toThrow(
      /scaling\.minCapacity: got 3; minCapacity must not exceed maxCapacity \(2\)/,
    );
  });

  test('scale to zero with a minimum above zero is contradictory', () => {
    expect(build({ scaling: { minCapacity: 1 } })).toThrow(
      /scaling\.minCapacity: got 1; scaleToZero \(the default\) idles at zero instances.*set scaleToZero: false/,
    );
  });

  test('scaleToZero: false with a minimum of zero is contradictory', () => {
    expect(build({ scaleToZero: false, scaling: { minCapacity: 0 } })).toThrow(
      /scaleToZero: got false; with scaling\.minCapacity 0 the service still scales to zero/,
    );
  });

  test('scaleToZero: false alone keeps one instance warm', () => {
    expect(synth({ scaleToZero: false }).run.template.scaling).toEqual({
      min_instance_count: 1,
      max_instance_count: 2,
    });
  });

  test('a concurrency target or cooldowns, which Cloud Run does not have', () => {
    expect(build({ scaling: { targetConcurrencyPerInstance: 4 } })).toThrow(
      /scaling\.targetConcurrencyPerInstance: got 4; Cloud Run scales on requests in flight/,
    );
    expect(build({ scaling: { scaleInCooldown: Duration.minutes(5) } })).toThrow(
      /scaling\.scaleInCooldown: got 300s; Cloud Run autoscaling has no cooldown setting/,
    );
  });

  test('allUsers or a malformed member among the invokers', () => {
    expect(build({ invokers: [APP, 'allUsers'] })).toThrow(/invokers\[1\]: got "allUsers"; public access is refused/);
    expect(build({ invokers: ['allAuthenticatedUsers'] })).toThrow(/invokers\[0\]: got "allAuthenticatedUsers"/);
    expect(build({ invokers: ['ana@example.com'] })).toThrow(/invokers\[0\]: got "ana@example.com"; use an IAM member/);
  });

  test('a request timeout that Cloud Run cannot hold (3600 s with the margin)', () => {
    expect(build({ requestTimeout: Duration.hours(1) })).toThrow(
      /requestTimeout: got 3600000; use 1 s to 3570 s: Cloud Run ends a request after at most 3600 s/,
    );
    expect(synth({ requestTimeout: Duration.seconds(3570) }).run.template.timeout).toBe('3600s');
  });

  test('a start-up budget beyond what the startup probe can wait', () => {
    expect(build({ modelLoadTimeout: Duration.minutes(10) })).toThrow(
      /modelLoadTimeout: got 600s; use 60 s to 8 minutes: Cloud Run's startup probe allows at most 240 s of initial delay plus 240 s/,
    );
    expect(build({ modelLoadTimeout: Duration.seconds(30) })).toThrow(
      /modelLoadTimeout: got 30s; use 60 s to 8 minutes/,
    );
  });

  test('a model that does not fit the L4, pointing to the always-on mode for a larger GPU', () => {
    expect(build({ model: '32B' })).toThrow(
      /accelerator: got "nvidia-l4"; Qwen3-VL-32B with bitsandbytes needs about [\d.]+ GiB of GPU memory.*or the always-on Vertex AI mode with a larger GPU \(machineType: 'a2-highgpu-1g'\)/,
    );
  });

  test('an accelerator, ingress or service name Cloud Run does not take', () => {
    expect(build({ accelerator: 'nvidia-tesla-t4' as 'nvidia-l4' })).toThrow(
      /accelerator: got "nvidia-tesla-t4"; use 'nvidia-l4'/,
    );
    expect(build({ ingress: 'all' as 'INGRESS_TRAFFIC_ALL' })).toThrow(
      /ingress: got "all"; use one of INGRESS_TRAFFIC_ALL, INGRESS_TRAFFIC_INTERNAL_ONLY/,
    );
    expect(build({ serviceName: 'Forms_Detector' })).toThrow(/serviceName: got "Forms_Detector"; use lowercase/);
    expect(build({ serviceName: 'a'.repeat(50) })).toThrow(/at most 49 characters/);
  });

  test('shared rules: project, image, labels, service account', () => {
    expect(build({ project: '' })).toThrow(/project: got ""; set the GCP project/);
    expect(build({ imageTag: undefined, image: 'form detector' })).toThrow(
      /image: got "form detector"; use a full image URI with its registry host/,
    );
    expect(build({ labels: { Team: 'x' } })).toThrow(/labels\.Team: got "Team"; label keys are lowercase/);
    expect(build({ serviceAccount: 'detector' })).toThrow(
      /serviceAccount: got "detector"; use a service account email/,
    );
  });

  test('reports every problem at once, naming the construct', () => {
    expect(build({ region: 'us-west1', cpu: 2, invokers: ['allUsers'] })).toThrow(
      /^Invalid CloudRunGpuDetectorService 'stack\/Detector':\n {2}- region: .*\n {2}- cpu: .*\n(.|\n)*- invokers\[0\]: /,
    );
  });

  test('values known only at deploy time are not checked; the cost summary estimates them, with a warning', () => {
    let service!: CloudRunGpuDetectorService;
    const json = Testing.synthScope((scope) => {
      const region = new TerraformVariable(scope, 'region', { type: 'string' });
      const min = new TerraformVariable(scope, 'min', { type: 'number' });
      service = new CloudRunGpuDetectorService(scope, 'Detector', {
        ...BASE,
        region: region.stringValue,
        scaling: { minCapacity: min.numberValue },
      });
    });
    const [run] = resourcesOfType(JSON.parse(json), 'google_cloud_run_v2_service');
    expect(run.location).toBe('${var.region}');
    expect(run.template.scaling.min_instance_count).toBe('${var.min}');
    expect(service.summary).toMatchObject({ minCapacity: 0, maxCapacity: 2 });
    expect(service.node.metadata.map((m) => m.data)).toContainEqual(
      expect.stringMatching(/capacity is known only at deploy time: the cost summary assumes min 0, max 2/),
    );
  });
});

describe('CloudRunGpuDetectorService weights', () => {
  // Cloud Run starts the new revision at deploy and checks its health (Cloud Run v2 Condition.RevisionReason
  // HEALTH_CHECK_CONTAINER_ERROR; HEALTH_CHECK_SKIPPED only for a manually scaled service with 0 instances:
  // https://cloud.google.com/run/docs/reference/rest/v2/Condition#RevisionReason): a store the same deploy creates is
  // empty, so the revision never becomes ready.
  test('a store created in the same deploy is refused, with the order that works', () => {
    expect(build({ weights: ModelWeights.fromNewStore() })).toThrow(
      /weights: got "ModelWeights\.fromNewStore\(\) \(a bucket this construct creates\), created by the same deploy as CloudRunGpuDetectorService 'stack\/Detector'"; .*Create the store in a stack of its own \(ModelWeightsStore\), deploy that stack, stage the weights .*ModelWeights\.fromStore\(store\).*\[weights\.store-staged-before-start: https:\/\/cloud\.google\.com\/run\/docs\/reference\/rest\/v2\/Condition#RevisionReason\]/,
    );
    // …and so is a ModelWeightsStore in the service's own stack.
    expect(() =>
      Testing.synthScope((scope) => {
        const store = new ModelWeightsStore(scope, 'Weights', { project: 'my-project', region: 'us-central1' });
        new CloudRunGpuDetectorService(scope, 'Detector', { ...BASE, weights: ModelWeights.fromStore(store) });
      }),
    ).toThrow(/weights: got "ModelWeightsStore 'stack\/Weights', in the same stack, created by the same deploy/);
  });

  test('without weights it names the three choices (no default: nothing is readable before the deploy)', () => {
    const { weights: _none, ...noWeights } = BASE;
    expect(() =>
      Testing.synthScope(
        (scope) => new CloudRunGpuDetectorService(scope, 'Detector', noWeights as CloudRunGpuDetectorServiceProps),
      ),
    ).toThrow(
      /weights: got undefined; Cloud Run starts the container when it deploys a revision.*ModelWeights\.fromStore\(store\).*fromCloudStorage.*fromHuggingFace/,
    );
  });

  test('a ModelWeightsStore in a stack of its own: its bucket mounted read-only in the gen2 environment, read by the service account alone', () => {
    const app = Testing.app();
    const weightsStack = new TerraformStack(app, 'weights');
    const store = new ModelWeightsStore(weightsStack, 'Weights', { project: 'my-project', region: 'us-central1' });
    const stack = new TerraformStack(app, 'stack');
    const service = new CloudRunGpuDetectorService(stack, 'Detector', {
      ...BASE,
      weights: ModelWeights.fromStore(store),
    });
    for (const s of [weightsStack, stack]) s.prepareStack();
    const storeJson = Testing.synth(weightsStack);
    const json = Testing.synth(stack);
    const parsed = JSON.parse(json);
    const run = resourcesOfType(parsed, 'google_cloud_run_v2_service')[0];
    // The bucket, in the store's stack only: uniform bucket-level access, public access prevention enforced, in the
    // service's region, kept by destroy while it holds the weights.
    expect(storeJson).toHaveResourceWithProperties(StorageBucket, {
      project: 'my-project',
      location: 'us-central1',
      uniform_bucket_level_access: true,
      public_access_prevention: 'enforced',
      force_destroy: false,
    });
    expect(resourcesOfType(parsed, 'google_storage_bucket')).toHaveLength(0);
    // Read by the serving account alone, on that bucket only (its name read from the store's stack).
    const readers = resourcesOfType(parsed, 'google_storage_bucket_iam_member');
    expect(readers).toEqual([
      expect.objectContaining({
        bucket: expect.stringMatching(/cross-stack-reference-input-weights/),
        role: 'roles/storage.objectViewer',
        member: expect.stringMatching(/^\$\{google_service_account\.\w+\.member\}$/),
      }),
    ]);
    expect(readers[0].condition).toBeUndefined();
    // The Cloud Storage volume (Cloud Storage FUSE) needs the second-generation execution environment
    // (https://cloud.google.com/run/docs/configuring/services/cloud-storage-volume-mounts).
    expect(run.template.execution_environment).toBe('EXECUTION_ENVIRONMENT_GEN2');
    expect(run.template.volumes).toEqual([
      { name: 'model-weights', gcs: { bucket: readers[0].bucket, read_only: true } },
    ]);
    expect(run.template.containers[0].volume_mounts).toEqual([
      { name: 'model-weights', mount_path: '/mnt/model-weights' },
    ]);
    expect(run.depends_on).toEqual(
      expect.arrayContaining([expect.stringMatching(/^google_storage_bucket_iam_member\./)]),
    );
    expect(service.weights.source).toMatchObject({ createdHere: false, storeStack: 'weights' });
    // The plan stops while the store's config.json is missing: a Terraform precondition on the service over a
    // plan-time list of that one object, whose message carries the staging commands.
    const [objects] = Object.values(parsed.data.google_storage_bucket_objects) as Tf[];
    expect(objects).toEqual({ bucket: readers[0].bucket, match_glob: 'weights/config.json' });
    expect(run.lifecycle.precondition).toEqual([
      {
        condition: expect.stringMatching(
          /^\$\{\(length\(data\.google_storage_bucket_objects\.\w+\.bucket_objects\) >= 1\)\}$/,
        ),
        error_message: expect.stringMatching(
          /^The weights are not staged: gs:\/\/\$\{data\.terraform_remote_state\..*\}\/weights\/config\.json does not exist.*hf download Qwen\/Qwen3-VL-8B-Instruct .* && gcloud storage rsync --recursive form-detector-weights gs:\/\/\$\{/,
        ),
      },
    ]);
    expect(service.summary.weights?.storeCreatedBy).toEqual({ stack: 'weights' });
  });

  test('an existing bucket path: no bucket created, read granted on its prefix, mounted at its root', () => {
    const { json, parsed, run } = synth({ weights: ModelWeights.fromCloudStorage('gs://team-models/qwen3-vl-8b') });
    expect(resourcesOfType(parsed, 'google_storage_bucket')).toHaveLength(0);
    expect(json).toHaveResourceWithProperties(StorageBucketIamMember, {
      bucket: 'team-models',
      role: 'roles/storage.objectViewer',
      condition: expect.objectContaining({
        expression:
          'resource.type == "storage.googleapis.com/Bucket" || ' +
          'resource.name.startsWith("projects/_/buckets/team-models/objects/qwen3-vl-8b/")',
      }),
    });
    expect(run.template.volumes).toEqual([{ name: 'model-weights', gcs: { bucket: 'team-models', read_only: true } }]);
    // A bucket of the team's may not be listable by whoever deploys: no plan-time check there.
    expect(run.lifecycle).toBeUndefined();
    expect(run.template.containers[0].env).toContainEqual({
      name: 'MODEL_WEIGHTS_DIR',
      value: '/mnt/model-weights/qwen3-vl-8b',
    });
  });

  test('from Hugging Face: no volume, the token as a Secret Manager reference, and a warning about the start window', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'stack');
    const service = new CloudRunGpuDetectorService(stack, 'Detector', {
      ...BASE,
      weights: ModelWeights.fromHuggingFace({ tokenSecret: 'hf-token' }),
    });
    const json = Testing.synth(stack);
    const run = resourcesOfType(JSON.parse(json), 'google_cloud_run_v2_service')[0];
    expect(run.template.volumes).toBeUndefined();
    expect(run.template.execution_environment).toBeUndefined();
    const env = run.template.containers[0].env as Tf[];
    expect(env.map((e) => e.name)).not.toContain('MODEL_WEIGHTS_DIR');
    expect(env).toContainEqual({
      name: 'HF_TOKEN',
      value_source: { secret_key_ref: { secret: 'projects/my-project/secrets/hf-token', version: 'latest' } },
    });
    expect(json).toHaveResourceWithProperties(SecretManagerSecretIamMember, {
      secret_id: 'projects/my-project/secrets/hf-token',
      role: 'roles/secretmanager.secretAccessor',
    });
    // Refuse or warn: a warning. The 480 s window is Cloud Run's (https://cloud.google.com/run/docs/configuring/healthchecks:
    // initial delay ≤ 240 s, failureThreshold × period ≤ 240 s); the download estimate is ours and unverified.
    const warnings = service.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^the estimated cold start \(6–12 min: .*download from Hugging Face.*\) can exceed the 480 s start window.*stage the weights in Cloud Storage instead/,
      ),
    ]);
    expect(service.summary.coldStart).toBe(describeColdStart(COLD_STARTS_BY_WEIGHTS.cloudRunGpu.huggingface));
    expect(service.summary.weights).toEqual({
      source: 'huggingface',
      description: 'Hugging Face, downloaded at every start (token from the secret store)',
    });
  });
});
