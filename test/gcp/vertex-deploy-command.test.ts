/**
 * The Vertex deploy command end to end, against the local stand-in of the Vertex AI REST API: the config is the one
 * VertexDetectorEndpoint synthesizes (with Terraform's references filled in as `terraform apply` would), and the
 * command is run both in-process (main()) and as the exact command line the synthesized provisioner runs.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, Testing } from 'cdktf';
import { DetectorGcpStack } from '../../lib/gcp';
import { configHash, parseVertexDeployConfig, type VertexDeployConfig } from '../../lib/gcp/vertex-deploy-config';
import { reassignTraffic } from '../../lib/gcp/vertex-deployer';
import { main } from '../../bin/vertex-deploy';
import { VertexApiStandIn } from '../stand-ins/vertex-api';

const exec = promisify(execFile);
const REPO = join(__dirname, '..', '..');
const PROJECT = 'my-project';
const REGION = 'us-central1';
const SERVICE_ACCOUNT = `detector@${PROJECT}.iam.gserviceaccount.com`;
const IMAGE = `${REGION}-docker.pkg.dev/${PROJECT}/detector/form-detector:v1`;

let standIn: VertexApiStandIn;
let baseUrl: string;

beforeEach(async () => {
  standIn = new VertexApiStandIn({ project: PROJECT, regions: [REGION], operationPolls: 2 });
  baseUrl = await standIn.start();
});
afterEach(() => standIn.stop());

interface Synthesized {
  /** The stack's Terraform working directory, where the provisioners run. */
  workingDirectory: string;
  endpointId: string;
  deployCommand: string;
  undeployCommand: string;
  configEnvName: string;
  /** The deploy config as Terraform would pass it: references resolved. */
  configJson: string;
}

/** Synthesizes the stack into a directory under the repository, as `cdktf synth` would. */
function synthesize(props: Record<string, unknown> = {}): Synthesized {
  const outdir = mkdtempSync(join(REPO, 'cdktf.out.test-gcp-'));
  cleanups.push(() => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir });
  const { region = REGION, ...alwaysOn } = props;
  const stack = new DetectorGcpStack(app, 'gcp', {
    project: PROJECT,
    region: region as string,
    alwaysOn: { image: IMAGE, serviceAccount: SERVICE_ACCOUNT, ...alwaysOn },
  });
  const json = JSON.parse(Testing.synth(stack));
  const endpointId = stack.endpoint!.endpointId;
  type LocalExec = { command: string; environment: Record<string, string> };
  const [step] = Object.values(json.resource.terraform_data) as Array<{
    provisioner: Array<Record<string, LocalExec>>;
  }>;
  const [local] = Object.values(json.locals) as unknown[];
  // What `jsonencode(self.input)` gives at apply time: the endpoint reference is its id by then.
  const configJson = JSON.stringify(local).replace(/\$\{google_vertex_ai_endpoint\.[A-Za-z0-9_]+\.name\}/g, endpointId);
  expect(configJson).not.toMatch(/\$\{/);
  const [create, destroy] = step.provisioner.map((p) => p['local-exec']);
  const workingDirectory = join(outdir, 'stacks', 'gcp');
  mkdirSync(workingDirectory, { recursive: true });
  return {
    workingDirectory,
    endpointId,
    deployCommand: create.command,
    undeployCommand: destroy.command,
    configEnvName: Object.keys(create.environment)[0],
    configJson,
  };
}

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((c) => c()));

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    GOOGLE_OAUTH_ACCESS_TOKEN: standIn.token,
    FORM_DETECTOR_VERTEX_API_BASE_URL: baseUrl,
    FORM_DETECTOR_STORAGE_API_BASE_URL: baseUrl,
    FORM_DETECTOR_VERTEX_POLL_MS: '5',
    ...extra,
  };
}

async function run(command: 'deploy' | 'undeploy', configJson: string, extraEnv: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([command, '--config', configJson], env(extraEnv), {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return {
    code,
    out: out.join('\n'),
    err: err.join('\n'),
    outcome: code === 0 ? JSON.parse(out[out.length - 1]) : null,
  };
}

/** Runs the synthesized provisioner command line through a shell, from the stack's working directory. */
async function runProvisioner(s: Synthesized, which: 'deploy' | 'undeploy', configJson = s.configJson) {
  const script = join(REPO, 'dist', 'bin', 'vertex-deploy.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run 'npm run build' first`);
  const command = which === 'deploy' ? s.deployCommand : s.undeployCommand;
  try {
    const { stdout, stderr } = await exec('/bin/sh', ['-c', command], {
      cwd: s.workingDirectory,
      env: env({ [s.configEnvName]: configJson }),
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const withConfig = (json: string, change: (c: VertexDeployConfig) => VertexDeployConfig): string =>
  JSON.stringify(change(parseVertexDeployConfig(json)));

describe('vertex-deploy deploy', () => {
  test('GIVEN a new endpoint WHEN deployed THEN it uploads the model with the container spec and deploys it with all traffic', async () => {
    const s = synthesize();
    standIn.createEndpoint(REGION, s.endpointId);
    const config = parseVertexDeployConfig(s.configJson);

    const result = await run('deploy', s.configJson);

    expect(result).toMatchObject({ code: 0, outcome: { action: 'deployed', undeployed: [] } });
    const mutating = standIn.mutatingCalls();
    expect(mutating.map((c) => `${c.method} ${c.path.replace(/^.*\//, '')}`)).toEqual([
      'POST models:upload',
      `POST ${s.endpointId}:deployModel`,
    ]);
    const hash = configHash(config);
    expect(mutating[0].body).toEqual({
      model: {
        displayName: `gcp-detector-${hash}`,
        labels: {
          'managed-by': 'form-detector-stacks',
          'form-detector-config': hash,
          'form-detector-endpoint': s.endpointId,
        },
        containerSpec: config.containerSpec,
      },
    });
    expect(mutating[1].body).toEqual({
      deployedModel: {
        model: expect.stringMatching(/^projects\/my-project\/locations\/us-central1\/models\/\d+$/),
        displayName: `detector-${hash}`,
        dedicatedResources: {
          machineSpec: { machineType: 'g2-standard-8', acceleratorType: 'NVIDIA_L4', acceleratorCount: 1 },
          minReplicaCount: 1,
          maxReplicaCount: 2,
          autoscalingMetricSpecs: [
            { metricName: 'aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle', target: 60 },
          ],
        },
        serviceAccount: SERVICE_ACCOUNT,
        enableContainerLogging: true,
      },
      trafficSplit: { '0': 100 },
    });
    // Operations were polled to completion, not assumed done.
    expect(standIn.calls.filter((c) => c.path.includes('/operations/')).length).toBeGreaterThanOrEqual(4);
    const endpoint = standIn.endpoint(REGION, s.endpointId)!;
    expect(endpoint.deployedModels).toHaveLength(1);
    expect(endpoint.trafficSplit).toEqual({ [endpoint.deployedModels[0].id]: 100 });
  });

  test('GIVEN the synthesized probes THEN models.upload gets a timeout above each period (Vertex rejects period ≥ timeout)', () => {
    // Vertex REST ModelContainerSpec → Probe: periodSeconds "must be less than timeout_seconds".
    const { containerSpec } = parseVertexDeployConfig(synthesize().configJson);
    for (const probe of [containerSpec.startupProbe, containerSpec.healthProbe]) {
      expect(probe.timeoutSeconds).toBeGreaterThan(probe.periodSeconds);
    }
  });

  test('GIVEN a config whose probe timeout does not exceed its period WHEN deployed THEN it is refused before any upload', async () => {
    const s = synthesize();
    standIn.createEndpoint(REGION, s.endpointId);
    const bad = withConfig(s.configJson, (c) => ({
      ...c,
      containerSpec: {
        ...c.containerSpec,
        healthProbe: { ...c.containerSpec.healthProbe, periodSeconds: 30, timeoutSeconds: 10 },
      },
    }));

    const result = await run('deploy', bad);

    expect(result.code).not.toBe(0);
    expect(result.err).toMatch(
      /containerSpec\.healthProbe: period 30 s, timeout 10 s; Vertex AI requires the healthProbe timeout to exceed its period.*vertex\.probe-timeout-exceeds-period/,
    );
    expect(standIn.mutatingCalls()).toEqual([]);
  });

  // deployModel starts the replicas and waits for them
  // (https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.endpoints/deployModel): against an
  // empty store they would never become ready (rule weights.store-staged-before-start).
  test('GIVEN weights in Cloud Storage not staged yet WHEN deployed THEN it stops before any upload, with the staging commands; once staged it deploys', async () => {
    const s = synthesize();
    standIn.createEndpoint(REGION, s.endpointId);
    const staged = withConfig(s.configJson, (c) => ({ ...c, artifactUri: 'gs://team-weights/qwen3-vl-8b/' }));

    const refused = await run('deploy', staged);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(
      /the weights are not staged: gs:\/\/team-weights\/qwen3-vl-8b\/config\.json does not exist/,
    );
    expect(refused.err).toMatch(/hf download Qwen\/Qwen3-VL-8B-Instruct --local-dir form-detector-weights/);
    expect(refused.err).toMatch(
      /gcloud storage rsync --recursive form-detector-weights gs:\/\/team-weights\/qwen3-vl-8b/,
    );
    expect(standIn.mutatingCalls()).toEqual([]);
    expect(standIn.calls.map((c) => c.path)).toContain('/storage/v1/b/team-weights/o/qwen3-vl-8b/config.json');

    standIn.objects.add('gs://team-weights/qwen3-vl-8b/config.json');
    const deployed = await run('deploy', staged);
    expect(deployed).toMatchObject({ code: 0, outcome: { action: 'deployed' } });
  });

  test('GIVEN a deployed config WHEN deployed again unchanged THEN it makes no mutating call', async () => {
    const s = synthesize();
    standIn.createEndpoint(REGION, s.endpointId);
    await run('deploy', s.configJson);
    standIn.clearCalls();

    const result = await run('deploy', s.configJson);

    expect(result).toMatchObject({ code: 0, outcome: { action: 'unchanged' } });
    expect(result.out).toMatch(/already deployed .* nothing to do/);
    expect(standIn.calls.length).toBeGreaterThan(0);
    expect(standIn.mutatingCalls()).toEqual([]);
  });

  test('GIVEN a deployed config WHEN the config changes THEN the new model is deployed before the old one is undeployed and deleted', async () => {
    const before = synthesize();
    standIn.createEndpoint(REGION, before.endpointId);
    const first = await run('deploy', before.configJson);
    const oldId = first.outcome.deployedModelId as string;
    const oldModel = first.outcome.model as string;
    standIn.clearCalls();

    const after = synthesize({ scaling: { maxCapacity: 3 } });
    expect(after.configJson).not.toEqual(before.configJson);
    const second = await run('deploy', after.configJson);

    expect(second).toMatchObject({ code: 0, outcome: { action: 'deployed', undeployed: [oldId] } });
    const order = standIn.mutatingCalls().map((c) => `${c.method} ${c.path.replace(/^.*\//, '')}`);
    expect(order).toEqual([
      'POST models:upload',
      `POST ${before.endpointId}:deployModel`,
      `POST ${before.endpointId}:undeployModel`,
      `DELETE ${oldModel.split('/').pop()}`,
    ]);
    const endpoint = standIn.endpoint(REGION, before.endpointId)!;
    expect(endpoint.deployedModels.map((d) => d.id)).toEqual([second.outcome.deployedModelId]);
    expect(endpoint.trafficSplit).toEqual({ [second.outcome.deployedModelId]: 100 });
    expect((endpoint.deployedModels[0].dedicatedResources as { maxReplicaCount: number }).maxReplicaCount).toBe(3);
    expect(standIn.models.has(oldModel)).toBe(false);

    // Terraform then destroys the replaced step (create_before_destroy): its undeploy finds nothing left.
    standIn.clearCalls();
    const oldStepDestroy = await run('undeploy', before.configJson);
    expect(oldStepDestroy.outcome).toMatchObject({ action: 'nothing-to-undeploy' });
    expect(standIn.mutatingCalls()).toEqual([]);
    expect(standIn.endpoint(REGION, before.endpointId)!.deployedModels).toHaveLength(1);
  });

  test('GIVEN a model uploaded by an interrupted run WHEN deployed THEN the model is reused, not uploaded again', async () => {
    const s = synthesize();
    standIn.createEndpoint(REGION, s.endpointId);
    standIn.inject({
      match: /:deployModel$/,
      httpStatus: 503,
      status: 'UNAVAILABLE',
      message: 'The service is currently unavailable.',
    });
    expect((await run('deploy', s.configJson)).code).toBe(1);
    expect(standIn.models.size).toBe(1);
    standIn.clearCalls();

    const retry = await run('deploy', s.configJson);

    expect(retry.code).toBe(0);
    expect(standIn.mutatingCalls().map((c) => c.path.replace(/^.*\//, ''))).toEqual([`${s.endpointId}:deployModel`]);
  });
  test('GIVEN a transient 503 on a read WHEN deployed THEN the read is retried and the deploy succeeds', async () => {
    const s = synthesize();
    standIn.createEndpoint(REGION, s.endpointId);
    standIn.inject({ match: /^GET .*\/endpoints\/\d+$/, httpStatus: 503, status: 'UNAVAILABLE', message: 'try again' });

    const result = await run('deploy', s.configJson);

    expect(result.code).toBe(0);
    expect(standIn.calls.filter((c) => c.method === 'GET' && /\/endpoints\/\d+$/.test(c.path))).toHaveLength(2);
  });
});

describe('vertex-deploy undeploy', () => {
  test('GIVEN a deployment WHEN destroyed THEN the deployed model is undeployed and its model deleted; again, nothing happens', async () => {
    const s = synthesize();
    standIn.createEndpoint(REGION, s.endpointId);
    await run('deploy', s.configJson);
    standIn.clearCalls();

    const result = await run('undeploy', s.configJson);

    expect(result).toMatchObject({ code: 0, outcome: { action: 'undeployed' } });
    expect(standIn.mutatingCalls().map((c) => c.method + ' ' + c.path.replace(/^.*\//, ''))).toEqual([
      `POST ${s.endpointId}:undeployModel`,
      expect.stringMatching(/^DELETE \d+$/),
    ]);
    expect(standIn.endpoint(REGION, s.endpointId)!.deployedModels).toEqual([]);
    expect(standIn.models.size).toBe(0);

    standIn.clearCalls();
    const again = await run('undeploy', s.configJson);
    expect(again.outcome).toMatchObject({ action: 'nothing-to-undeploy' });
    expect(standIn.mutatingCalls()).toEqual([]);
  });

  test('GIVEN the endpoint is already gone WHEN destroyed THEN the undeploy succeeds without doing anything', async () => {
    const s = synthesize();
    const result = await run('undeploy', s.configJson);
    expect(result).toMatchObject({ code: 0, outcome: { action: 'nothing-to-undeploy' } });
    expect(standIn.mutatingCalls()).toEqual([]);
  });

  test('GIVEN another deployed model shares the endpoint WHEN destroyed THEN its traffic is reassigned so the undeploy is accepted', async () => {
    const s = synthesize();
    standIn.createEndpoint(REGION, s.endpointId);
    const ours = (await run('deploy', s.configJson)).outcome.deployedModelId as string;
    const endpoint = standIn.endpoint(REGION, s.endpointId)!;
    endpoint.deployedModels.push({
      id: '77',
      model: endpoint.deployedModels[0].model.replace(/\d+$/, '9'),
      displayName: 'manual',
    });
    endpoint.trafficSplit = { [ours]: 80, '77': 20 };

    const result = await run('undeploy', s.configJson);

    expect(result.code).toBe(0);
    const undeploy = standIn.mutatingCalls().find((c) => c.path.endsWith(':undeployModel'))!;
    expect(undeploy.body).toEqual({ deployedModelId: ours, trafficSplit: { '77': 100 } });
    expect(endpoint.trafficSplit).toEqual({ '77': 100 });
  });

  test('reassignTraffic gives the leaving share to the remaining model with the most traffic', () => {
    expect(
      reassignTraffic({ a: 50, b: 30, c: 20 }, [
        { id: 'b', model: 'm' },
        { id: 'c', model: 'm' },
      ]),
    ).toEqual({
      b: 80,
      c: 20,
    });
    expect(reassignTraffic({ a: 100 }, [])).toEqual({});
  });
});

describe('the synthesized provisioner command', () => {
  test('is machine-independent and deploys, re-runs and undeploys from the stack working directory', async () => {
    const s = synthesize();
    expect(s.deployCommand).toBe('node "../../../dist/bin/vertex-deploy.js" deploy');
    expect(s.undeployCommand).toBe('node "../../../dist/bin/vertex-deploy.js" undeploy');
    standIn.createEndpoint(REGION, s.endpointId);

    const deployed = await runProvisioner(s, 'deploy');
    expect(deployed).toMatchObject({ code: 0 });
    expect(deployed.stdout).toMatch(/"action":"deployed"/);

    standIn.clearCalls();
    const again = await runProvisioner(s, 'deploy');
    expect(again.stdout).toMatch(/"action":"unchanged"/);
    expect(standIn.mutatingCalls()).toEqual([]);

    const destroyed = await runProvisioner(s, 'undeploy');
    expect(destroyed).toMatchObject({ code: 0 });
    expect(standIn.endpoint(REGION, s.endpointId)!.deployedModels).toEqual([]);
  });

  test.each([
    {
      name: 'permission denied on upload',
      fault: {
        match: /models:upload$/,
        httpStatus: 403,
        status: 'PERMISSION_DENIED',
        message:
          "Permission 'aiplatform.models.upload' denied on resource '//aiplatform.googleapis.com/projects/my-project/locations/us-central1' (or it may not exist).",
      },
      expected: [
        /upload model .* failed: 403 PERMISSION_DENIED: Permission 'aiplatform\.models\.upload' denied/,
        /roles\/aiplatform\.user/,
      ],
    },
    {
      name: 'quota exceeded on deploy',
      fault: {
        match: /:deployModel$/,
        httpStatus: 429,
        status: 'RESOURCE_EXHAUSTED',
        message:
          'The following quota metrics exceed quota limits: aiplatform.googleapis.com/custom_model_serving_nvidia_l4_gpus',
      },
      expected: [
        /deploy model to endpoint \d+ failed: 429 RESOURCE_EXHAUSTED: The following quota metrics exceed quota limits: aiplatform\.googleapis\.com\/custom_model_serving_nvidia_l4_gpus/,
        /GPU quota/,
      ],
    },
    {
      name: 'quota exceeded while the deploy operation runs',
      fault: {
        match: /:deployModel$/,
        operationErrorCode: 8,
        message: 'Machine type "g2-standard-8" with accelerator NVIDIA_L4 is out of quota in us-central1.',
      },
      expected: [
        /failed: 8 RESOURCE_EXHAUSTED: Machine type "g2-standard-8" with accelerator NVIDIA_L4 is out of quota in us-central1\./,
        /GPU quota/,
      ],
    },
    {
      name: 'an image that was not pushed yet',
      fault: {
        match: /models:upload$/,
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        message: `Image ${IMAGE} not found. Please make sure the image exists and Vertex AI can access it.`,
      },
      expected: [
        /failed: 400 INVALID_ARGUMENT: Image .* not found/,
        /build and push the image first/,
        // Vertex's GPU machines are x86-64; an arm64 workstation builds arm64 without --platform.
        /docker build --platform linux\/amd64 -t us-central1-docker\.pkg\.dev\/my-project\/detector\/form-detector:v1 inference-container && docker push us-central1-docker\.pkg\.dev\/my-project\/detector\/form-detector:v1/,
      ],
    },
  ])('surfaces $name with the API message and exits non-zero', async ({ fault, expected }) => {
    const s = synthesize();
    standIn.createEndpoint(REGION, s.endpointId);
    standIn.inject(fault);

    const result = await runProvisioner(s, 'deploy');

    expect(result.code).toBe(1);
    for (const pattern of expected) expect(result.stderr).toMatch(pattern);
    expect(result.stderr).toMatch(/^vertex-deploy deploy: /);
  });

  test('surfaces a bad region with the API message and exits non-zero', async () => {
    const s = synthesize({
      region: 'moon-central1',
      image: 'moon-central1-docker.pkg.dev/my-project/detector/form-detector:v1',
    });
    const result = await runProvisioner(s, 'deploy');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/get endpoint \d+ failed: 404 NOT_FOUND: Location moon-central1 is not found/);
    expect(result.stderr).toMatch(/check the region/);
  });

  test('surfaces missing credentials and a missing config, exiting non-zero', async () => {
    const s = synthesize();
    standIn.createEndpoint(REGION, s.endpointId);
    const badToken = await run('deploy', s.configJson, { GOOGLE_OAUTH_ACCESS_TOKEN: 'expired' });
    expect(badToken.code).toBe(1);
    expect(badToken.err).toMatch(
      /401 UNAUTHENTICATED: Request had invalid authentication credentials\..*\n.*application-default login/,
    );

    const noConfig = await main(['deploy'], env(), { out: () => undefined, err: () => undefined });
    expect(noConfig).toBe(2);
    const bad = await run(
      'deploy',
      withConfig(s.configJson, (c) => ({ ...c, project: '' })),
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/project must be a non-empty string/);
  });
});
