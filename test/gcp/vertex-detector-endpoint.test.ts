import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository';
import { ArtifactRegistryRepositoryIamMember } from '@cdktf/provider-google/lib/artifact-registry-repository-iam-member';
import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { VertexAiEndpoint } from '@cdktf/provider-google/lib/vertex-ai-endpoint';
import { DataResource, TerraformStack, TerraformVariable, Testing, Token } from 'cdktf';
import type { Construct } from 'constructs';
import {
  containerEnvironment,
  Duration,
  IMAGE_METADATA_KEY,
  SUMMARY_METADATA_KEY,
  type GcpAcceleratorType,
} from '../../lib/core';
import {
  DetectorGcpStack,
  ModelWeights,
  ModelWeightsStore,
  VertexDetectorEndpoint,
  type VertexDetectorEndpointProps,
} from '../../lib/gcp';

Testing.setupJest();

/** Synthesized Terraform JSON: untyped by nature, read field by field in the assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Tf = Record<string, any>;

const BASE = { project: 'my-project', region: 'us-central1', imageTag: 'test' } as const;

function synth(
  props: Partial<VertexDetectorEndpointProps> = {},
  extra?: (scope: Construct, e: VertexDetectorEndpoint) => void,
) {
  let endpoint!: VertexDetectorEndpoint;
  const json = Testing.synthScope((scope) => {
    endpoint = new VertexDetectorEndpoint(scope, 'Detector', { ...BASE, ...props });
    extra?.(scope, endpoint);
  });
  return { json, parsed: JSON.parse(json), endpoint };
}

function deployConfig(parsed: { locals: Record<string, unknown> }): Tf {
  return Object.values(parsed.locals)[0] as Tf;
}

function resourcesOfType(parsed: { resource: Record<string, Record<string, unknown>> }, type: string) {
  return Object.values(parsed.resource[type] ?? {}) as Array<Tf>;
}

function build(props: Partial<VertexDetectorEndpointProps>): () => void {
  return () => synth(props);
}

describe('VertexDetectorEndpoint with minimal props', () => {
  const { json, parsed, endpoint } = synth();

  test('declares a dedicated Vertex AI endpoint in the region, labelled', () => {
    expect(json).toHaveResourceWithProperties(VertexAiEndpoint, {
      project: 'my-project',
      location: 'us-central1',
      region: 'us-central1',
      dedicated_endpoint_enabled: true,
      name: endpoint.endpointId,
      display_name: 'stack-detector',
      labels: { 'managed-by': 'form-detector-stacks' },
    });
    expect(endpoint.endpointId).toMatch(/^[1-9]\d{9}$/);
    expect(resourcesOfType(parsed, 'google_vertex_ai_endpoint')[0]).not.toHaveProperty(
      'predict_request_response_logging_config',
    );
    expect(resourcesOfType(parsed, 'google_vertex_ai_endpoint')[0]).not.toHaveProperty('traffic_split');
  });

  test('declares a regional docker repository that deletes untagged images', () => {
    expect(json).toHaveResourceWithProperties(ArtifactRegistryRepository, {
      project: 'my-project',
      location: 'us-central1',
      format: 'DOCKER',
      repository_id: 'stack-detector-images',
      cleanup_policies: [
        { id: 'delete-untagged', action: 'DELETE', condition: { tag_state: 'UNTAGGED', older_than: '604800s' } },
      ],
    });
    expect(endpoint.repositoryUrl).toMatch(/^us-central1-docker\.pkg\.dev\/my-project\/\$\{TfToken\[TOKEN\.\d+\]\}$/);
    expect(endpoint.dockerPushTarget).toBe(`${endpoint.repositoryUrl}/form-detector:test`);
    expect(deployConfig(parsed).containerSpec.imageUri).toMatch(
      /^us-central1-docker\.pkg\.dev\/my-project\/\$\{google_artifact_registry_repository\.\w+\.repository_id\}\/form-detector:test$/,
    );
  });

  test('enables aiplatform, artifactregistry and iam, and never disables them on destroy', () => {
    for (const service of ['aiplatform.googleapis.com', 'artifactregistry.googleapis.com', 'iam.googleapis.com']) {
      expect(json).toHaveResourceWithProperties(ProjectService, {
        project: 'my-project',
        service,
        disable_on_destroy: false,
      });
    }
    expect(resourcesOfType(parsed, 'google_project_service')).toHaveLength(3);
  });

  test('creates a serving service account with only logging, monitoring and repository read — no primitive roles', () => {
    expect(json).toHaveResourceWithProperties(ServiceAccount, {
      project: 'my-project',
      account_id: 'stack-detector-serving',
    });
    const projectRoles = resourcesOfType(parsed, 'google_project_iam_member')
      .map((m) => m.role)
      .sort();
    expect(projectRoles).toEqual(['roles/logging.logWriter', 'roles/monitoring.metricWriter']);
    expect(json).toHaveResourceWithProperties(ArtifactRegistryRepositoryIamMember, {
      role: 'roles/artifactregistry.reader',
      location: 'us-central1',
      member: expect.stringMatching(/google_service_account\..*\.member/),
      repository: expect.stringMatching(/google_artifact_registry_repository\..*\.name/),
    });
    expect(json).not.toHaveResource(StorageBucketIamMember);
    expect(json).not.toMatch(/roles\/(owner|editor|viewer|aiplatform\.admin)"/);
  });

  test('deploys through a terraform_data step: replaced on any config change, new before old, undeployed on destroy', () => {
    const [step] = resourcesOfType(parsed, 'terraform_data');
    const localRef = Object.keys(parsed.locals)[0];
    expect(step.input).toBe(`\${local.${localRef}}`);
    expect(step.triggers_replace).toEqual({ config_sha256: `\${sha256(jsonencode(local.${localRef}))}` });
    expect(step.lifecycle).toEqual({ create_before_destroy: true });
    const [create, destroy] = step.provisioner.map((p: Tf) => p['local-exec']);
    expect(create).toEqual({
      when: 'create',
      command: expect.stringMatching(/^node "(\.\.\/)+.*dist\/bin\/vertex-deploy\.js" deploy$/),
      environment: { FORM_DETECTOR_VERTEX_DEPLOY_CONFIG: '${jsonencode(self.input)}' },
    });
    expect(destroy).toEqual({
      when: 'destroy',
      command: expect.stringMatching(/^node "(\.\.\/)+.*dist\/bin\/vertex-deploy\.js" undeploy$/),
      environment: { FORM_DETECTOR_VERTEX_DEPLOY_CONFIG: '${jsonencode(self.input)}' },
    });
    // Destroy provisioners may only reference self: nothing else is interpolated into them.
    expect(JSON.stringify(destroy)).not.toMatch(/\$\{(?!jsonencode\(self\.input\)\})/);
    expect(step.depends_on).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^google_vertex_ai_endpoint\./),
        expect.stringMatching(/^google_project_iam_member\..*LogWriter/),
        expect.stringMatching(/^google_artifact_registry_repository_iam_member\./),
        expect.stringMatching(/^google_project_service\..*AiPlatform/),
      ]),
    );
  });

  test('tells the deploy step the container spec, machine, replicas and duty-cycle target', () => {
    const config = deployConfig(parsed);
    expect(config).toMatchObject({
      version: 1,
      project: 'my-project',
      region: 'us-central1',
      endpointId: expect.stringMatching(/^\$\{google_vertex_ai_endpoint\..*\.name\}$/),
      serviceAccount: expect.stringMatching(/^\$\{google_service_account\..*\.email\}$/),
      artifactUri: '',
      enableContainerLogging: true,
      operationTimeoutSeconds: 3600 + 1800,
      dedicatedResources: {
        machineSpec: { machineType: 'g2-standard-8', acceleratorType: 'NVIDIA_L4', acceleratorCount: 1 },
        minReplicaCount: 1,
        maxReplicaCount: 2,
        autoscalingMetricSpecs: [
          { metricName: 'aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle', target: 60 },
        ],
      },
      containerSpec: {
        imageUri: expect.stringMatching(/^us-central1-docker\.pkg\.dev\/my-project\/.*\/form-detector:test$/),
        ports: [{ containerPort: 8080 }],
        predictRoute: '/predict',
        healthRoute: '/health',
        sharedMemorySizeMb: '8192',
        deploymentTimeout: '3600s',
        // Vertex AI requires a probe's timeout to exceed its period (REST ModelContainerSpec → Probe:
        // periodSeconds "must be less than timeout_seconds"; models.upload fails with INVALID_ARGUMENT otherwise).
        startupProbe: {
          httpGet: { path: '/health', port: 8080 },
          periodSeconds: 10,
          timeoutSeconds: 15,
          failureThreshold: 360,
        },
        healthProbe: {
          httpGet: { path: '/health', port: 8080 },
          periodSeconds: 10,
          timeoutSeconds: 15,
          failureThreshold: 3,
        },
      },
    });
    const env = Object.fromEntries(
      config.containerSpec.env.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    expect(env).toEqual(containerEnvironment(endpoint.deployment));
    expect(env).toMatchObject({
      BASE_MODEL: 'Qwen/Qwen3-VL-8B-Instruct',
      USE_4BIT: 'true',
      REQUEST_TIMEOUT_MS: '170000',
    });
  });

  test('exposes the predict URL on the dedicated DNS name, and the escape hatches', () => {
    expect(endpoint.predictUrl).toMatch(
      /^https:\/\/\$\{TfToken\[TOKEN\.\d+\]\}\/v1\/projects\/my-project\/locations\/us-central1\/endpoints\/\d{10}:predict$/,
    );
    expect(Testing.synthScope((s) => new TerraformVariable(s, 'x', { default: endpoint.predictUrl }))).toMatch(
      /dedicated_endpoint_dns/,
    );
    expect(endpoint.endpoint).toBeInstanceOf(VertexAiEndpoint);
    expect(endpoint.repository).toBeInstanceOf(ArtifactRegistryRepository);
    expect(endpoint.serviceAccount).toBeInstanceOf(ServiceAccount);
    expect(endpoint.deployStep).toBeInstanceOf(DataResource);
    expect(endpoint.node.defaultChild ?? endpoint.node.findChild('Resource')).toBe(endpoint.endpoint);
  });

  test('records the deployment summary on the endpoint resource, next to cdktf metadata', () => {
    const app = Testing.app();
    const { project, region, ...alwaysOn } = BASE;
    const stack = new DetectorGcpStack(app, 'gcp', { project, region, alwaysOn });
    const e = stack.detector;
    const dir = Testing.fullSynth(stack);
    const tf = JSON.parse(readFileSync(join(dir, 'stacks', 'gcp', 'cdk.tf.json'), 'utf8'));
    const [resource] = Object.values(tf.resource.google_vertex_ai_endpoint) as Array<Tf>;
    expect(resource['//']).toEqual({
      metadata: expect.objectContaining({ path: 'gcp/Detector/Resource' }),
      [SUMMARY_METADATA_KEY]: e.summary,
      // The image built from inference-container/ is the pinned vLLM image's CUDA 12.9 build (preflight reads it).
      [IMAGE_METADATA_KEY]: { cudaVersion: '12.9', cudaVersionFrom: 'pinned' },
    });
    expect(e.summary).toMatchObject({
      cloud: 'gcp',
      service: 'Vertex AI dedicated endpoint',
      instanceType: 'g2-standard-8',
      acceleratorType: 'NVIDIA_L4',
      minCapacity: 1,
      maxCapacity: 2,
      mode: 'always-on',
    });
  });

  test('keeps its construct ids stable (renaming one replaces live resources)', () => {
    const ids = endpoint.node.children.map((c) => c.node.id).sort();
    expect(ids).toEqual(
      [
        'AiPlatformService',
        'ArtifactRegistryService',
        'DeployConfig',
        'DeployStep',
        'IamService',
        'LogWriter',
        'MetricWriter',
        'Repository',
        'RepositoryReader',
        'Resource',
        'ServiceAccount',
      ].sort(),
    );
  });
});

describe('VertexDetectorEndpoint with maximal props', () => {
  const props: VertexDetectorEndpointProps = {
    project: 'my-project',
    region: 'europe-west4',
    endpointName: 'forms-prod',
    endpointId: '4242424242',
    machineType: 'a2-highgpu-1g',
    acceleratorType: 'NVIDIA_TESLA_A100',
    acceleratorCount: 1,
    model: '32B',
    quantization: 'bitsandbytes',
    maxModelLength: 16384,
    maxConcurrency: 8,
    maxNewTokens: 3072,
    maxImageSide: 1280,
    requestTimeout: Duration.seconds(300),
    environment: { HF_HUB_OFFLINE: '1' },
    imageTag: 'v7',
    repositoryName: 'detector-images',
    scaling: { minCapacity: 2, maxCapacity: 5 },
    dutyCycleTarget: 75,
    modelWeights: 'gs://my-weights/models/qwen3-vl-32b/',
    requestResponseLogging: { samplingRate: 0.05, bigqueryDestination: 'bq://my-project.detector_logs.requests' },
    labels: { team: 'documents', env: 'prod' },
    modelLoadTimeout: Duration.minutes(90),
    startupProbe: { period: Duration.seconds(30), timeout: Duration.seconds(40) },
    healthProbe: { period: Duration.seconds(20), timeout: Duration.seconds(25), failureThreshold: 5 },
    sharedMemorySizeMiB: 12288,
    deployCommand: 'npx --no-install form-detector-vertex-deploy',
  };
  const { json, parsed, endpoint } = synth(props);
  const labels = { 'managed-by': 'form-detector-stacks', team: 'documents', env: 'prod' };

  test('names, labels and logs the endpoint as asked', () => {
    expect(json).toHaveResourceWithProperties(VertexAiEndpoint, {
      name: '4242424242',
      display_name: 'forms-prod',
      location: 'europe-west4',
      labels,
      dedicated_endpoint_enabled: true,
      predict_request_response_logging_config: {
        enabled: true,
        sampling_rate: 0.05,
        bigquery_destination: { output_uri: 'bq://my-project.detector_logs.requests' },
      },
    });
    expect(endpoint.endpointId).toBe('4242424242');
    expect(json).toHaveResourceWithProperties(ArtifactRegistryRepository, {
      repository_id: 'detector-images',
      location: 'europe-west4',
      labels,
    });
  });

  test('grants the service account read of the weights prefix only', () => {
    expect(json).toHaveResourceWithProperties(StorageBucketIamMember, {
      bucket: 'my-weights',
      role: 'roles/storage.objectViewer',
      condition: {
        title: 'model-weights-prefix',
        description: 'Objects under gs://my-weights/models/qwen3-vl-32b/ (and listing the bucket)',
        expression:
          'resource.type == "storage.googleapis.com/Bucket" || ' +
          'resource.name.startsWith("projects/_/buckets/my-weights/objects/models/qwen3-vl-32b/")',
      },
    });
  });

  test('passes machine, replicas, duty cycle, weights, timeouts and the model options to the deploy step', () => {
    const config = deployConfig(parsed);
    expect(config).toMatchObject({
      region: 'europe-west4',
      modelDisplayName: 'forms-prod',
      labels,
      artifactUri: 'gs://my-weights/models/qwen3-vl-32b/',
      operationTimeoutSeconds: 5400 + 1800,
      dedicatedResources: {
        machineSpec: { machineType: 'a2-highgpu-1g', acceleratorType: 'NVIDIA_TESLA_A100', acceleratorCount: 1 },
        minReplicaCount: 2,
        maxReplicaCount: 5,
        autoscalingMetricSpecs: [{ metricName: expect.stringMatching(/duty_cycle$/), target: 75 }],
      },
      containerSpec: {
        imageUri: expect.stringMatching(/^europe-west4-docker\.pkg\.dev\/my-project\/.*\/form-detector:v7$/),
        sharedMemorySizeMb: '12288',
        deploymentTimeout: '5400s',
        startupProbe: { periodSeconds: 30, timeoutSeconds: 40, failureThreshold: 180 },
        healthProbe: { periodSeconds: 20, timeoutSeconds: 25, failureThreshold: 5 },
      },
    });
    const env = Object.fromEntries(
      config.containerSpec.env.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    expect(env).toMatchObject({
      BASE_MODEL: 'Qwen/Qwen3-VL-32B-Instruct',
      MAX_MODEL_LEN: '16384',
      MAX_CONCURRENCY: '8',
      MAX_NEW_TOKENS: '3072',
      MAX_IMAGE_SIDE: '1280',
      REQUEST_TIMEOUT_MS: '300000',
      HF_HUB_OFFLINE: '1',
    });
    const [step] = resourcesOfType(parsed, 'terraform_data');
    expect(step.provisioner[0]['local-exec'].command).toBe('npx --no-install form-detector-vertex-deploy deploy');
    expect(step.provisioner[1]['local-exec'].command).toBe('npx --no-install form-detector-vertex-deploy undeploy');
  });
});

describe('VertexDetectorEndpoint options', () => {
  test('an existing image and service account: no repository, no service account, no grants', () => {
    const image = 'us-central1-docker.pkg.dev/shared-project/images/form-detector:v3';
    const { json, parsed, endpoint } = synth({
      imageTag: undefined,
      image,
      serviceAccount: 'serving@my-project.iam.gserviceaccount.com',
    });
    expect(json).not.toHaveResource(ArtifactRegistryRepository);
    expect(json).not.toHaveResource(ServiceAccount);
    expect(json).not.toHaveResource(ProjectIamMember);
    expect(json).not.toHaveResource(ArtifactRegistryRepositoryIamMember);
    expect(json).not.toHaveResourceWithProperties(ProjectService, { service: 'artifactregistry.googleapis.com' });
    expect(deployConfig(parsed)).toMatchObject({
      containerSpec: { imageUri: image },
      serviceAccount: 'serving@my-project.iam.gserviceaccount.com',
    });
    expect(endpoint.repositoryUrl).toBeUndefined();
    expect(endpoint.dockerPushTarget).toBeUndefined();
  });

  test('n1-standard-8 takes its catalog GPU, the T4, by default; two T4s split the model', () => {
    const one = deployConfig(synth({ machineType: 'n1-standard-8' }).parsed);
    expect(one.dedicatedResources.machineSpec).toEqual({
      machineType: 'n1-standard-8',
      acceleratorType: 'NVIDIA_TESLA_T4',
      acceleratorCount: 1,
    });
    const two = deployConfig(synth({ machineType: 'n1-standard-8', acceleratorCount: 2 }).parsed);
    expect(two.dedicatedResources.machineSpec.acceleratorCount).toBe(2);
    expect(two.containerSpec.env).toContainEqual({ name: 'VLLM_EXTRA_ARGS', value: '--tensor-parallel-size 2' });
  });

  test('weights at a bucket root are readable without a condition', () => {
    const { parsed } = synth({ modelWeights: 'gs://my-weights' });
    const [grant] = resourcesOfType(parsed, 'google_storage_bucket_iam_member');
    expect(grant).toMatchObject({ bucket: 'my-weights', role: 'roles/storage.objectViewer' });
    expect(grant).not.toHaveProperty('condition');
  });

  test('request/response logging defaults to a 10% sample into a Vertex-created table', () => {
    const { json, parsed } = synth({ requestResponseLogging: {} });
    expect(json).toHaveResourceWithProperties(VertexAiEndpoint, {
      predict_request_response_logging_config: { enabled: true, sampling_rate: 0.1 },
    });
    expect(
      resourcesOfType(parsed, 'google_vertex_ai_endpoint')[0].predict_request_response_logging_config,
    ).not.toHaveProperty('bigquery_destination');
  });

  test('the default endpoint id is stable and differs between projects, regions and paths', () => {
    const id = (props: Partial<VertexDetectorEndpointProps>) => synth(props).endpoint.endpointId;
    expect(id({})).toBe(id({}));
    expect(new Set([id({}), id({ project: 'other' }), id({ region: 'europe-west4' })]).size).toBe(3);
  });

  test('grantInvoke binds a member to a custom role holding only aiplatform.endpoints.predict, once per member', () => {
    const { json, parsed } = synth({}, (_scope, e) => {
      e.grantInvoke('serviceAccount:app@my-project.iam.gserviceaccount.com');
      e.grantInvoke('serviceAccount:app@my-project.iam.gserviceaccount.com');
      e.grantInvoke('group:forms@example.com');
    });
    expect(json).toHaveResourceWithProperties(ProjectIamCustomRole, {
      project: 'my-project',
      permissions: ['aiplatform.endpoints.predict'],
    });
    const invokers = resourcesOfType(parsed, 'google_project_iam_member').filter((m) =>
      String(m.role).includes('google_project_iam_custom_role'),
    );
    expect(invokers.map((m) => m.member).sort()).toEqual([
      'group:forms@example.com',
      'serviceAccount:app@my-project.iam.gserviceaccount.com',
    ]);
  });

  test('an imported endpoint offers the same predict URL, grants and metric filters', () => {
    let imported!: ReturnType<typeof VertexDetectorEndpoint.fromEndpointAttributes>;
    const json = Testing.synthScope((scope) => {
      imported = VertexDetectorEndpoint.fromEndpointAttributes(scope, 'Imported', {
        project: 'p1',
        region: 'us-east4',
        endpointId: '1234567890',
        dedicatedEndpointDns: '1234567890.us-east4-987.prediction.vertexai.goog',
      });
      imported.grantInvoke('user:ana@example.com');
    });
    expect(imported.predictUrl).toBe(
      'https://1234567890.us-east4-987.prediction.vertexai.goog/v1/projects/p1/locations/us-east4/endpoints/1234567890:predict',
    );
    expect(json).toHaveResourceWithProperties(ProjectIamMember, { project: 'p1', member: 'user:ana@example.com' });
    expect(imported.metricAcceleratorDutyCycle()).toBe(
      'metric.type="aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle" AND ' +
        'resource.type="aiplatform.googleapis.com/Endpoint" AND resource.labels.endpoint_id="1234567890" AND ' +
        'resource.labels.location="us-east4"',
    );
    expect(imported.metricPredictionCount()).toMatch(/prediction\/online\/prediction_count"/);
    expect(imported.metricPredictionLatencies()).toMatch(/prediction_latencies"/);
    expect(imported.metricReplicas()).toMatch(/online\/replicas"/);
  });

  test('values that are unresolved tokens are not validated at synth', () => {
    expect(() =>
      Testing.synthScope((scope) => {
        const target = new TerraformVariable(scope, 'target', { type: 'number' });
        new VertexDetectorEndpoint(scope, 'Detector', { ...BASE, dutyCycleTarget: Token.asNumber(target.value) });
      }),
    ).not.toThrow();
  });
});

describe('VertexDetectorEndpoint validation', () => {
  test.each<[string, Partial<VertexDetectorEndpointProps>, RegExp]>([
    [
      'an L4 on an N1 machine, naming g2-standard-8',
      { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_L4' },
      /machineType: got "n1-standard-8 \+ NVIDIA_L4"; NVIDIA_L4 cannot attach to n1-standard-8; NVIDIA_L4 attaches only to g2-standard-8 \(e\.g\. machineType: 'g2-standard-8'/,
    ],
    [
      'an unknown machine',
      { machineType: 'n2-standard-8' as never },
      /machineType: got "n2-standard-8"; unknown Vertex AI GPU machine type; use one of g2-standard-8, n1-standard-8, a2-highgpu-1g/,
    ],
    [
      'an unknown accelerator',
      { acceleratorType: 'NVIDIA_H100' as GcpAcceleratorType },
      /acceleratorType: got "NVIDIA_H100"; unknown accelerator type/,
    ],
    [
      'a GPU count the machine cannot take',
      { acceleratorCount: 2 },
      /acceleratorCount: got 2; g2-standard-8 takes 1 × NVIDIA_L4, not 2/,
    ],
    [
      '32B on an L4, naming a machine that fits',
      { model: '32B' },
      /machineType: got "g2-standard-8"; Qwen3-VL-32B .* but g2-standard-8 \+ NVIDIA_L4 \(L4 24 GB\) gives vLLM .* Choose a GPU with more memory: machineType: 'a2-highgpu-1g' with acceleratorType: 'NVIDIA_TESLA_A100'/,
    ],
    [
      'min above max',
      { scaling: { minCapacity: 3, maxCapacity: 2 } },
      /scaling\.minCapacity: got 3; minCapacity must not exceed maxCapacity \(2\)/,
    ],
    [
      'min 0 (Vertex keeps a replica)',
      { scaling: { minCapacity: 0 } },
      /scaling\.minCapacity: got 0; use a whole number ≥ 1/,
    ],
    [
      'a concurrency target (Vertex scales on duty cycle)',
      { scaling: { targetConcurrencyPerInstance: 4 } },
      /scaling\.targetConcurrencyPerInstance: got 4; Vertex AI scales on accelerator duty cycle.*set dutyCycleTarget instead/,
    ],
    [
      'a scaling cooldown',
      { scaling: { scaleInCooldown: Duration.minutes(5) } },
      /scaling\.scaleInCooldown: got 300s; Vertex AI autoscaling has no cooldown setting/,
    ],
    [
      'a request timeout above the dedicated endpoint limit',
      { requestTimeout: Duration.minutes(15) },
      /requestTimeout: got 900000; use 1 s to 590 s: dedicated endpoints time out at 600 s/,
    ],
    [
      'a duty cycle target of 0',
      { dutyCycleTarget: 0 },
      /dutyCycleTarget: got 0; use a whole percentage from 1 to 100/,
    ],
    ['a duty cycle target above 100', { dutyCycleTarget: 101 }, /dutyCycleTarget: got 101/],
    [
      'a malformed endpoint id',
      { endpointId: '0123' },
      /endpointId: got "0123"; use up to 10 digits with no leading zero/,
    ],
    ['an endpoint id over 10 digits', { endpointId: '12345678901' }, /endpointId: got "12345678901"/],
    [
      'an over-long endpoint name',
      { endpointName: 'x'.repeat(129) },
      /endpointName: got "x+"; use 1 to 128 characters/,
    ],
    [
      'a bad repository name',
      { repositoryName: 'Images_1' },
      /repositoryName: got "Images_1"; use lowercase letters, digits and hyphens/,
    ],
    ['a bad image tag', { imageTag: '-latest' }, /imageTag: got "-latest"; use a Docker tag/],
    [
      'a repository name with an existing image',
      { imageTag: undefined, image: 'us-central1-docker.pkg.dev/p/r/i:1', repositoryName: 'images' },
      /repositoryName: got "images"; leave it out when `image` is given/,
    ],
    [
      'an image tag with an existing image',
      { image: 'us-central1-docker.pkg.dev/p/r/i:1' },
      /imageTag: got "test"; leave it out when `image` is given/,
    ],
    [
      'an image outside Artifact Registry',
      { imageTag: undefined, image: 'docker.io/library/vllm:latest' },
      /image: got "docker\.io\/library\/vllm:latest"; use an Artifact Registry image URI/,
    ],
    [
      'an image in another region',
      { imageTag: undefined, image: 'europe-west4-docker.pkg.dev/p/r/i:1' },
      /image: got "europe-west4-docker\.pkg\.dev\/p\/r\/i:1"; the image must be in the endpoint's region: push it to a us-central1-docker\.pkg\.dev repository/,
    ],
    [
      'weights not in Cloud Storage',
      { modelWeights: 's3://bucket/model' },
      /modelWeights: got "s3:\/\/bucket\/model"; use a Cloud Storage prefix/,
    ],
    [
      'a logging sample rate of 0',
      { requestResponseLogging: { samplingRate: 0 } },
      /requestResponseLogging\.samplingRate: got 0; use a fraction above 0 and at most 1/,
    ],
    [
      'a logging sample rate above 1',
      { requestResponseLogging: { samplingRate: 1.5 } },
      /requestResponseLogging\.samplingRate: got 1\.5/,
    ],
    [
      'a logging destination that is not BigQuery',
      { requestResponseLogging: { bigqueryDestination: 'gs://logs' } },
      /requestResponseLogging\.bigqueryDestination: got "gs:\/\/logs"; use "bq:\/\/project\.dataset"/,
    ],
    ['a label key GCP refuses', { labels: { Team: 'docs' } }, /labels\.Team: got "Team"; label keys are lowercase/],
    [
      'a label value GCP refuses',
      { labels: { team: 'Docs Team' } },
      /labels\.team: got "Docs Team"; label values are lowercase/,
    ],
    [
      'a service account that is not an email',
      { serviceAccount: 'detector' },
      /serviceAccount: got "detector"; use a service account email/,
    ],
    [
      'too little shared memory',
      { sharedMemorySizeMiB: 10 },
      /sharedMemorySizeMiB: got 10; use a whole number of MiB from 64 to 65536/,
    ],
    [
      'a model load timeout (deploymentTimeout) above 2 hours',
      { modelLoadTimeout: Duration.hours(3) },
      /modelLoadTimeout: got "10800 s"; use at most 2 hours \(the Vertex AI limit\).*\[vertex\.deployment-timeout: https:\/\/cloud\.google\.com\/vertex-ai\/docs\/reference\/rest\/v1\/ModelContainerSpec\]/,
    ],
    [
      'a model load timeout (deploymentTimeout) under 5 minutes',
      { modelLoadTimeout: Duration.minutes(2) },
      /modelLoadTimeout: got 120s; use 5 minutes to 2 hours/,
    ],
    // Vertex REST ModelContainerSpec → Probe: periodSeconds "must be less than timeout_seconds".
    [
      'a health probe whose timeout does not exceed its period',
      { healthProbe: { period: Duration.seconds(30), timeout: Duration.seconds(10) } },
      /healthProbe: got "period 30 s, timeout 10 s"; Vertex AI requires the healthProbe timeout to exceed its period.*\[vertex\.probe-timeout-exceeds-period: https:\/\/cloud\.google\.com\/vertex-ai\/docs\/reference\/rest\/v1\/ModelContainerSpec#Probe\]/,
    ],
    [
      'a startup probe with equal period and timeout',
      { startupProbe: { period: Duration.seconds(20), timeout: Duration.seconds(20) } },
      /startupProbe: got "period 20 s, timeout 20 s"; Vertex AI requires the startupProbe timeout to exceed its period/,
    ],
    [
      'a probe period that is not whole seconds',
      { startupProbe: { period: Duration.millis(1500) } },
      /startupProbe\.period: got 1\.5s; use a whole number of seconds/,
    ],
    [
      'a health probe failure threshold of 0',
      { healthProbe: { failureThreshold: 0 } },
      /healthProbe\.failureThreshold: got 0; use a whole number ≥ 1/,
    ],
    ['a missing project', { project: '' }, /project: got ""; set the GCP project/],
    ['a missing region', { region: '' }, /region: got ""; set the GCP region/],
    ['an unknown model profile (core rule)', { model: '70B' }, /model: got "70B"; use one of 8B, 32B/],
  ])('rejects %s', (_name, props, message) => {
    expect(build(props)).toThrow(message);
  });

  test('reports every problem in one error that names the construct', () => {
    expect(
      build({
        dutyCycleTarget: 0,
        endpointId: 'abc',
        scaling: { minCapacity: 0 },
        machineType: 'n1-standard-8',
        acceleratorType: 'NVIDIA_L4',
      }),
    ).toThrow(
      /^Invalid VertexDetectorEndpoint '.*Detector':\n {2}- endpointId: .*\n {2}- dutyCycleTarget: .*\n {2}- machineType: got "n1-standard-8 \+ NVIDIA_L4".*\n {2}- scaling\.minCapacity: got 0/,
    );
  });
});

describe('VertexDetectorEndpoint weights', () => {
  const env = (parsed: { locals: Record<string, unknown> }) =>
    Object.fromEntries(
      (deployConfig(parsed).containerSpec.env as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]),
    );

  test('by default from Hugging Face: no artifactUri, no bucket, no store variables', () => {
    const { parsed, endpoint } = synth();
    expect(deployConfig(parsed).artifactUri).toBe('');
    expect(resourcesOfType(parsed, 'google_storage_bucket')).toHaveLength(0);
    expect(env(parsed)).not.toHaveProperty('MODEL_WEIGHTS_DIR');
    expect(endpoint.summary.weights).toEqual({
      source: 'huggingface',
      description: 'Hugging Face, downloaded at every start',
    });
  });

  // deployModel starts the replicas and waits for them to deploy
  // (https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.endpoints/deployModel): a store the
  // same deploy creates is still empty then.
  test('a bucket created by the same deploy is refused, naming the order that works', () => {
    expect(build({ weights: ModelWeights.fromNewStore({ prefix: 'qwen3-vl-8b' }) })).toThrow(
      /weights: got "ModelWeights\.fromNewStore\(\) \(a bucket this construct creates\), created by the same deploy as VertexDetectorEndpoint 'stack\/Detector'"; .*ModelWeightsStore.*\[weights\.store-staged-before-start: /,
    );
  });

  test('a ModelWeightsStore in a stack of its own: the artifactUri the container copies (MODEL_WEIGHTS_DIR=platform), read by the account', () => {
    const app = Testing.app();
    const weightsStack = new TerraformStack(app, 'weights');
    const store = new ModelWeightsStore(weightsStack, 'Weights', {
      project: 'my-project',
      region: 'us-central1',
      prefix: 'qwen3-vl-8b',
    });
    const stack = new TerraformStack(app, 'stack');
    new VertexDetectorEndpoint(stack, 'Detector', { ...BASE, weights: ModelWeights.fromStore(store) });
    weightsStack.prepareStack();
    stack.prepareStack();
    const [bucket] = resourcesOfType(JSON.parse(Testing.synth(weightsStack)), 'google_storage_bucket');
    expect(bucket).toMatchObject({
      location: 'us-central1',
      uniform_bucket_level_access: true,
      public_access_prevention: 'enforced',
    });
    const parsed = JSON.parse(Testing.synth(stack));
    expect(resourcesOfType(parsed, 'google_storage_bucket')).toHaveLength(0);
    expect(deployConfig(parsed).artifactUri).toMatch(
      /^gs:\/\/\$\{data\.terraform_remote_state\.cross-stack-reference-input-weights\.outputs\.[\w-]+\}\/qwen3-vl-8b\/$/,
    );
    expect(env(parsed)).toMatchObject({
      MODEL_WEIGHTS_DIR: 'platform',
      MODEL_WEIGHTS_URI: deployConfig(parsed).artifactUri,
    });
    const [grant] = resourcesOfType(parsed, 'google_storage_bucket_iam_member');
    expect(grant).toMatchObject({
      role: 'roles/storage.objectViewer',
      member: expect.stringContaining('google_service_account'),
    });
    expect(grant.condition).toBeUndefined();
    const [step] = resourcesOfType(parsed, 'terraform_data');
    expect(step.depends_on).toEqual(
      expect.arrayContaining([expect.stringMatching(/^google_storage_bucket_iam_member\./)]),
    );
  });

  test('a Hugging Face token: the secret version in HF_TOKEN_SECRET, secretAccessor on that secret alone', () => {
    const { parsed } = synth({
      weights: ModelWeights.fromHuggingFace({ tokenSecret: 'projects/secrets-project/secrets/hf' }),
    });
    expect(env(parsed).HF_TOKEN_SECRET).toBe('projects/secrets-project/secrets/hf/versions/latest');
    expect(resourcesOfType(parsed, 'google_secret_manager_secret_iam_member')).toEqual([
      expect.objectContaining({
        project: 'secrets-project',
        secret_id: 'projects/secrets-project/secrets/hf',
        role: 'roles/secretmanager.secretAccessor',
      }),
    ]);
  });

  test('weights and the former modelWeights together', () => {
    expect(build({ weights: ModelWeights.fromHuggingFace(), modelWeights: 'gs://b/p' })).toThrow(
      /modelWeights: got "gs:\/\/b\/p"; modelWeights is the former name of weights: pass weights alone/,
    );
  });
});
