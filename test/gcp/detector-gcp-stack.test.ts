import { join } from 'node:path';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { App, GcsBackend, Testing } from 'cdktf';
import { CloudRunV2Service } from '@cdktf/provider-google/lib/cloud-run-v2-service';
import { VertexAiEndpoint } from '@cdktf/provider-google/lib/vertex-ai-endpoint';
import {
  CloudRunGpuDetectorService,
  DetectorGcpStack,
  ModelWeights,
  VertexDetectorEndpoint,
  vertexDeployCommand,
  vertexDeployScriptPath,
} from '../../lib/gcp';

Testing.setupJest();

/** An app whose output directory is the repository's cdktf.out, as `cdktf synth` uses: the deploy command's relative
 * path is then what a real synth writes, and the snapshot is the same on every machine. */
function repoApp(): App {
  return new App({ outdir: join(__dirname, '..', '..', 'cdktf.out'), skipValidation: true });
}

describe('DetectorGcpStack', () => {
  test('configures the google provider and the endpoint from GOOGLE_CLOUD_PROJECT and GOOGLE_REGION', () => {
    const stack = new DetectorGcpStack(Testing.app(), 'gcp', {
      alwaysOn: { imageTag: 'test' },
      env: { GOOGLE_CLOUD_PROJECT: 'env-project', GOOGLE_REGION: 'europe-west4' },
    });
    const json = Testing.synth(stack);
    expect(json).toHaveProviderWithProperties(GoogleProvider, { project: 'env-project', region: 'europe-west4' });
    expect(stack.detector.project).toBe('env-project');
    expect(stack.detector.region).toBe('europe-west4');
  });

  test('props win over the environment', () => {
    const stack = new DetectorGcpStack(Testing.app(), 'gcp', {
      project: 'prop-project',
      region: 'us-east4',
      alwaysOn: { imageTag: 'test' },
      env: { GOOGLE_CLOUD_PROJECT: 'env-project', GOOGLE_REGION: 'europe-west4' },
    });
    expect(Testing.synth(stack)).toHaveProviderWithProperties(GoogleProvider, {
      project: 'prop-project',
      region: 'us-east4',
    });
  });

  test('without a project or region it fails naming both props and both variables', () => {
    expect(() => new DetectorGcpStack(Testing.app(), 'gcp', { env: {} })).toThrow(
      /Invalid DetectorGcpStack 'gcp':\n {2}- project: got undefined; set the `project` prop or the GOOGLE_CLOUD_PROJECT environment variable\n {2}- region: got undefined; set the `region` prop or the GOOGLE_REGION environment variable/,
    );
  });

  test('outputs the endpoint id, the predict URL, the repository and the docker push target', () => {
    const stack = new DetectorGcpStack(Testing.app(), 'gcp', {
      project: 'p1',
      region: 'us-central1',
      alwaysOn: { imageTag: 'v1' },
    });
    const outputs = JSON.parse(Testing.synth(stack)).output;
    expect(Object.keys(outputs).sort()).toEqual(['DockerPushTarget', 'EndpointId', 'PredictUrl', 'RepositoryUrl']);
    expect(outputs.EndpointId.value).toBe(stack.endpoint!.endpointId);
    expect(outputs.PredictUrl.value).toMatch(
      /^https:\/\/\$\{google_vertex_ai_endpoint\.\w+\.dedicated_endpoint_dns\}\/v1\/projects\/p1\/locations\/us-central1\/endpoints\/\d{10}:predict$/,
    );
    expect(outputs.RepositoryUrl.value).toMatch(
      /^us-central1-docker\.pkg\.dev\/p1\/\$\{google_artifact_registry_repository\.\w+\.repository_id\}$/,
    );
    expect(outputs.DockerPushTarget.value).toBe(`${outputs.RepositoryUrl.value}/form-detector:v1`);
  });

  test('with an existing image there is no repository to output', () => {
    const stack = new DetectorGcpStack(Testing.app(), 'gcp', {
      project: 'p1',
      region: 'us-central1',
      alwaysOn: { image: 'us-central1-docker.pkg.dev/p1/images/form-detector:v1' },
    });
    expect(Object.keys(JSON.parse(Testing.synth(stack)).output).sort()).toEqual(['EndpointId', 'PredictUrl']);
  });

  test('the deploy command path is relative to the stack working directory', () => {
    const stack = new DetectorGcpStack(repoApp(), 'form-detector-gcp', {
      project: 'p1',
      region: 'us-central1',
      alwaysOn: { imageTag: 'v1' },
    });
    const json = JSON.parse(Testing.synth(stack));
    const [step] = Object.values(json.resource.terraform_data) as Array<{
      provisioner: Array<Record<string, { command: string }>>;
    }>;
    expect(step.provisioner[0]['local-exec'].command).toBe('node "../../../dist/bin/vertex-deploy.js" deploy');
    expect(JSON.stringify(json)).not.toContain(join(__dirname, '..', '..'));
  });

  test('for a project that installs the package, the command points into its node_modules', () => {
    expect(
      vertexDeployCommand(
        '/home/ana/forms/cdktf.out/stacks/gcp',
        '/home/ana/forms/node_modules/form-detector-stacks/dist/bin/vertex-deploy.js',
      ),
    ).toBe('node "../../../node_modules/form-detector-stacks/dist/bin/vertex-deploy.js"');
    expect(vertexDeployScriptPath()).toBe(join(__dirname, '..', '..', 'dist', 'bin', 'vertex-deploy.js'));
  });

  test('keeps local state where cdktf does, addressed relative to the working directory; a backend of your own wins', () => {
    const local = new DetectorGcpStack(repoApp(), 'form-detector-gcp', {
      project: 'p1',
      region: 'us-central1',
      alwaysOn: { imageTag: 'v1' },
    });
    local.prepareStack();
    expect(local.toTerraform().terraform.backend).toEqual({
      local: { path: '../../../terraform.form-detector-gcp.tfstate' },
    });

    const remote = new DetectorGcpStack(repoApp(), 'form-detector-gcp', {
      project: 'p1',
      region: 'us-central1',
      alwaysOn: { imageTag: 'v1' },
    });
    new GcsBackend(remote, { bucket: 'my-state', prefix: 'detector' });
    remote.prepareStack();
    expect(remote.toTerraform().terraform.backend).toEqual({ gcs: { bucket: 'my-state', prefix: 'detector' } });
  });

  test('synthesizes the reviewed infrastructure (snapshot)', () => {
    const stack = new DetectorGcpStack(repoApp(), 'form-detector-gcp', {
      project: 'example-project-id',
      region: 'us-central1',
      // Fixed, so the snapshot does not change with every container source edit.
      alwaysOn: { imageTag: 'snapshot' },
    });
    expect(Testing.synth(stack)).toMatchSnapshot();
  });
});

describe('DetectorGcpStack mode', () => {
  const place = {
    project: 'p1',
    region: 'us-central1',
    alwaysOn: { imageTag: 'v1' },
    onDemand: { imageTag: 'v1' },
  } as const;

  test('is always-on by default: the Vertex AI endpoint, no Cloud Run service', () => {
    const stack = new DetectorGcpStack(Testing.app(), 'gcp', { ...place, env: {} });
    const json = Testing.synth(stack);
    expect(stack.mode).toBe('always-on');
    expect(stack.detector).toBeInstanceOf(VertexDetectorEndpoint);
    expect(stack.endpoint).toBe(stack.detector);
    expect(stack.service).toBeUndefined();
    expect(json).toHaveResource(VertexAiEndpoint);
    expect(json).not.toHaveResource(CloudRunV2Service);
  });

  test("mode: 'on-demand' composes the Cloud Run GPU service instead, under the same construct id", () => {
    const stack = new DetectorGcpStack(Testing.app(), 'gcp', { ...place, mode: 'on-demand', env: {} });
    const json = Testing.synth(stack);
    expect(stack.mode).toBe('on-demand');
    expect(stack.detector).toBeInstanceOf(CloudRunGpuDetectorService);
    expect(stack.service).toBe(stack.detector);
    expect(stack.endpoint).toBeUndefined();
    expect(stack.detector.node.id).toBe('Detector');
    expect(json).toHaveResource(CloudRunV2Service);
    expect(json).not.toHaveResource(VertexAiEndpoint);
  });

  test("comes from the construct context key 'mode' when the prop is not set", () => {
    const app = Testing.app({ context: { mode: 'on-demand' } });
    expect(new DetectorGcpStack(app, 'gcp', { ...place, env: {} }).mode).toBe('on-demand');
  });

  test('comes from FORM_DETECTOR_MODE when neither prop nor context is set', () => {
    expect(
      new DetectorGcpStack(Testing.app(), 'gcp', { ...place, env: { FORM_DETECTOR_MODE: 'on-demand' } }).mode,
    ).toBe('on-demand');
    expect(new DetectorGcpStack(Testing.app(), 'gcp', { ...place, env: { FORM_DETECTOR_MODE: ' ' } }).mode).toBe(
      'always-on',
    );
  });

  test('the prop wins over the context, and the context over the environment', () => {
    const app = Testing.app({ context: { mode: 'on-demand' } });
    const env = { FORM_DETECTOR_MODE: 'always-on' };
    expect(new DetectorGcpStack(app, 'a', { ...place, mode: 'always-on', env }).mode).toBe('always-on');
    expect(new DetectorGcpStack(app, 'b', { ...place, env }).mode).toBe('on-demand');
  });

  test('an unknown mode fails naming where it came from', () => {
    expect(
      () => new DetectorGcpStack(Testing.app(), 'gcp', { ...place, env: { FORM_DETECTOR_MODE: 'serverless' } }),
    ).toThrow(/- FORM_DETECTOR_MODE: got "serverless"; use one of always-on, on-demand \(Cloud Run scales to zero/);
    expect(
      () => new DetectorGcpStack(Testing.app({ context: { mode: 'cheap' } }), 'gcp', { ...place, env: {} }),
    ).toThrow(/- context 'mode': got "cheap"; use one of always-on, on-demand/);
  });

  test("each mode takes its own props: the other mode's are left alone, so one program can switch", () => {
    const props = {
      ...place,
      alwaysOn: { ...place.alwaysOn, machineType: 'g2-standard-8', dutyCycleTarget: 70 },
      onDemand: { ...place.onDemand, cpu: 6, memoryGiB: 24, invokers: ['group:forms@example.com'] },
    } as const;
    const onDemand = new DetectorGcpStack(Testing.app(), 'a', { ...props, env: { FORM_DETECTOR_MODE: 'on-demand' } });
    expect(onDemand.service?.summary.instanceType).toBe('cloud-run-6cpu-24gi');
    const explicit = new DetectorGcpStack(Testing.app(), 'c', { ...props, mode: 'on-demand', env: {} });
    expect(explicit.service?.summary.instanceType).toBe('cloud-run-6cpu-24gi');
    const alwaysOn = new DetectorGcpStack(Testing.app(), 'b', { ...props, env: {} });
    expect(alwaysOn.endpoint?.deployConfig.dedicatedResources.autoscalingMetricSpecs[0].target).toBe(70);
  });

  test('construct props given flat on the stack, as before, are reported with where they go now', () => {
    expect(
      () => new DetectorGcpStack(Testing.app(), 'gcp', { ...place, env: {}, ...({ imageTag: 'v1' } as object) }),
    ).toThrow(
      /imageTag: got "v1"; construct props go in alwaysOn \(the Vertex AI endpoint\) or onDemand \(the Cloud Run service\)/,
    );
  });

  test('on-demand takes the model, image, identity, labels and scaling props of the Cloud Run service', () => {
    const stack = new DetectorGcpStack(Testing.app(), 'gcp', {
      ...place,
      mode: 'on-demand',
      onDemand: {
        ...place.onDemand,
        maxConcurrency: 4,
        labels: { team: 'forms' },
        scaling: { maxCapacity: 3 },
        serviceAccount: 'detector@p1.iam.gserviceaccount.com',
        invokers: ['serviceAccount:app@p1.iam.gserviceaccount.com'],
      },
      env: {},
    });
    const [run] = Object.values(JSON.parse(Testing.synth(stack)).resource.google_cloud_run_v2_service) as Array<{
      labels: Record<string, string>;
      template: Record<string, unknown>;
    }>;
    expect(run.labels).toEqual({ 'managed-by': 'form-detector-stacks', team: 'forms' });
    expect(run.template).toMatchObject({
      service_account: 'detector@p1.iam.gserviceaccount.com',
      max_instance_request_concurrency: 4,
      scaling: { min_instance_count: 0, max_instance_count: 3 },
    });
  });

  test('on-demand outputs the service URL, the predict URL, the repository, the docker push target and how to stage the weights', () => {
    const stack = new DetectorGcpStack(Testing.app(), 'gcp', { ...place, mode: 'on-demand', env: {} });
    const { serving, weights } = synthBoth(stack);
    const outputs = serving.output;
    expect(Object.keys(outputs).sort()).toEqual([
      'DockerPushTarget',
      'PredictUrl',
      'RepositoryUrl',
      'ServiceUrl',
      'StageWeightsCommand',
      'WeightsLocation',
      // cdktf's cross-stack references are read from the weights stack's outputs, never its resources.
    ]);
    expect(JSON.stringify(serving.resource)).not.toContain('google_storage_bucket.');
    // The store and its outputs are in the weights stack, deployed and staged first (Cloud Run starts the revision at
    // deploy: rule weights.store-staged-before-start).
    expect(Object.keys(weights.resource)).toEqual(['google_storage_bucket']);
    const bucket = /\$\{google_storage_bucket\.\w+\.name\}/.source;
    expect(weights.output.WeightsLocation.value).toMatch(new RegExp(`^gs://${bucket}/weights/$`));
    expect(weights.output.StageWeightsCommand.value).toMatch(
      new RegExp(
        '^hf download Qwen/Qwen3-VL-8B-Instruct --local-dir form-detector-weights && ' +
          'hf download takumi123xxx/pdfme-form-field-detector-lora --local-dir form-detector-weights/adapter && ' +
          `gcloud storage rsync --recursive form-detector-weights gs://${bucket}/weights$`,
      ),
    );
    const remote = /\$\{data\.terraform_remote_state\.cross-stack-reference-input-gcp-weights\.outputs\.[\w-]+\}/
      .source;
    expect(outputs.WeightsLocation.value).toMatch(new RegExp(`^gs://${remote}/weights/$`));
    expect(outputs.StageWeightsCommand.value).toMatch(
      new RegExp(
        '^hf download Qwen/Qwen3-VL-8B-Instruct --local-dir form-detector-weights && ' +
          'hf download takumi123xxx/pdfme-form-field-detector-lora --local-dir form-detector-weights/adapter && ' +
          `gcloud storage rsync --recursive form-detector-weights gs://${remote}/weights$`,
      ),
    );
    expect(outputs.ServiceUrl.value).toMatch(/^\$\{google_cloud_run_v2_service\.\w+\.uri\}$/);
    expect(outputs.PredictUrl.value).toBe(`${outputs.ServiceUrl.value}/predict`);
    expect(outputs.DockerPushTarget.value).toMatch(
      /^us-central1-docker\.pkg\.dev\/p1\/\$\{google_artifact_registry_repository\.\w+\.repository_id\}\/form-detector:v1$/,
    );
  });

  test('synthesizes the reviewed on-demand infrastructure (snapshot)', () => {
    const stack = new DetectorGcpStack(repoApp(), 'form-detector-gcp', {
      project: 'example-project-id',
      region: 'us-central1',
      mode: 'on-demand',
      onDemand: {
        imageTag: 'snapshot',
        invokers: ['serviceAccount:forms-app@example-project-id.iam.gserviceaccount.com'],
      },
      env: {},
    });
    const { servingJson, weightsJson } = synthBoth(stack);
    expect(servingJson + weightsJson).not.toContain(join(__dirname, '..', '..'));
    expect(servingJson).toMatchSnapshot();
    // The weights stack, deployed and staged before it.
    expect(weightsJson).toMatchSnapshot();
  });

  test('always-on keeps Hugging Face and no weights stack; a new store given to it goes in a weights stack too', () => {
    expect(new DetectorGcpStack(Testing.app(), 'gcp', { ...place, env: {} }).weightsStack).toBeUndefined();
    const stack = new DetectorGcpStack(Testing.app(), 'gcp', {
      ...place,
      alwaysOn: { imageTag: 'v1', weights: ModelWeights.fromNewStore({ prefix: 'qwen3-vl-8b' }) },
      env: {},
    });
    expect(stack.weightsStack?.node.id).toBe('gcp-weights');
    const { serving, weights } = synthBoth(stack);
    expect(weights.output.WeightsLocation.value).toMatch(/\/qwen3-vl-8b\/$/);
    expect(JSON.stringify(serving.locals)).toMatch(/"artifactUri":"gs:\/\/\$\{data\.terraform_remote_state\./);
  });
});

/** The detector's stack and its weights stack, synthesized as `cdktf synth` does (cross-stack references resolved). */
function synthBoth(stack: DetectorGcpStack) {
  const weightsStack = stack.weightsStack;
  if (!weightsStack) throw new Error('no weights stack');
  weightsStack.prepareStack();
  stack.prepareStack();
  const servingJson = Testing.synth(stack);
  const weightsJson = Testing.synth(weightsStack);
  return {
    servingJson,
    weightsJson,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    serving: JSON.parse(servingJson) as any,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    weights: JSON.parse(weightsJson) as any,
  };
}
