import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { join } from 'node:path';
import { App, LocalBackend, TerraformBackend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import {
  DEPLOYMENT_MODE_CONTEXT_KEY,
  DEPLOYMENT_MODE_ENV,
  dockerBuildAndPushCommand,
  resolveDeploymentMode,
  stagingCommandsFor,
  type DeploymentMode,
} from '../core';
import { CloudRunGpuDetectorService, type CloudRunGpuDetectorServiceProps } from './cloud-run-gpu-detector-service';
import { relativeTo } from './deploy-command';
import type { GcpServingProps } from './serving-resources';
import { VertexDetectorEndpoint, type VertexDetectorEndpointProps } from './vertex-detector-endpoint';

/** Cloud Run settings of the on-demand mode (the model, image, identity, labels and scaling props are shared). */
export type CloudRunOnDemandOptions = Omit<
  CloudRunGpuDetectorServiceProps,
  keyof GcpServingProps | keyof VertexDetectorEndpointProps
>;

/** Props that only the always-on Vertex AI endpoint takes. */
const VERTEX_ONLY_PROPS = [
  'endpointName',
  'endpointId',
  'machineType',
  'acceleratorType',
  'acceleratorCount',
  'dutyCycleTarget',
  'modelWeights',
  'requestResponseLogging',
  'deploymentTimeout',
  'startupProbe',
  'healthProbe',
  'sharedMemorySizeMiB',
  'deployCommand',
] as const satisfies ReadonlyArray<keyof VertexDetectorEndpointProps>;

export interface DetectorGcpStackProps extends Omit<VertexDetectorEndpointProps, 'project' | 'region'> {
  /**
   * GCP project id.
   * @default the GOOGLE_CLOUD_PROJECT environment variable
   */
  readonly project?: string;
  /**
   * Region of the endpoint and its repository; it must offer the GPU you choose (L4: e.g. us-central1, europe-west4).
   * @default the GOOGLE_REGION environment variable
   */
  readonly region?: string;
  /**
   * Environment to read the defaults from.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * `always-on`: a Vertex AI dedicated endpoint with at least one GPU replica running (VertexDetectorEndpoint).
   * `on-demand`: a Cloud Run service with one L4 per instance that scales to zero (CloudRunGpuDetectorService).
   * @default the construct context value `mode` (cdktf.json "context" or `new App({ context })`), else the
   *   FORM_DETECTOR_MODE environment variable, else 'always-on'
   */
  readonly mode?: DeploymentMode;
  /**
   * Cloud Run settings for the on-demand mode (cpu, memoryGiB, invokers, ingress, startupTimeout, …); ignored in
   * the always-on mode. The Vertex-only props (machineType, dutyCycleTarget, endpointId, …) are ignored in the
   * on-demand mode when the mode comes from the context or the environment, and refused when it is set here.
   * @default Cloud Run defaults: 8 vCPU, 32 GiB, min 0 instances, no invokers
   */
  readonly onDemand?: CloudRunOnDemandOptions;
}

/**
 * The form detector on GCP as one CDKTF stack: the google provider for the project and region, and either the
 * always-on Vertex AI endpoint (outputs: endpoint id, predict URL) or the on-demand Cloud Run GPU service (outputs:
 * service URL, predict URL), plus the repository and the `docker push` target.
 */
export class DetectorGcpStack extends TerraformStack {
  readonly provider: GoogleProvider;
  /** Which deployment this stack holds. */
  readonly mode: DeploymentMode;
  /** The detector: the Vertex AI endpoint (always-on) or the Cloud Run service (on-demand). */
  readonly detector: VertexDetectorEndpoint | CloudRunGpuDetectorService;
  /** The Vertex AI endpoint, in the always-on mode. */
  readonly endpoint?: VertexDetectorEndpoint;
  /** The Cloud Run service, in the on-demand mode. */
  readonly service?: CloudRunGpuDetectorService;

  constructor(scope: Construct, id: string, props: DetectorGcpStackProps = {}) {
    super(scope, id);
    const env = props.env ?? process.env;
    const project = props.project ?? env.GOOGLE_CLOUD_PROJECT?.trim();
    const region = props.region ?? env.GOOGLE_REGION?.trim();
    const mode = this.resolveMode(props, env);
    const missing = [
      project ? undefined : 'project: set the `project` prop or the GOOGLE_CLOUD_PROJECT environment variable',
      region ? undefined : 'region: set the `region` prop or the GOOGLE_REGION environment variable (e.g. us-central1)',
      mode.problem,
      ...(mode.value === 'on-demand' && props.mode !== undefined
        ? VERTEX_ONLY_PROPS.filter((p) => props[p] !== undefined).map(
            (p) =>
              `${p}: got ${JSON.stringify(props[p])}; it applies to the always-on Vertex AI endpoint only: ` +
              "leave it out with mode: 'on-demand' (Cloud Run settings go in `onDemand`)",
          )
        : []),
    ].filter((m): m is string => m !== undefined);
    if (missing.length > 0 || !project || !region) {
      throw new Error(`Invalid DetectorGcpStack '${id}':\n${missing.map((m) => `  - ${m}`).join('\n')}`);
    }
    this.mode = mode.value;
    const { env: _env, mode: _mode, onDemand, ...endpointProps } = props;

    this.provider = new GoogleProvider(this, 'Google', { project, region });
    if (this.mode === 'on-demand') {
      const { scaling, labels, image, imageTag, repositoryName, serviceAccount } = endpointProps;
      const modelOptions = omit(endpointProps, VERTEX_ONLY_PROPS);
      this.service = new CloudRunGpuDetectorService(this, 'Detector', {
        ...modelOptions,
        ...onDemand,
        project,
        region,
        scaling,
        labels,
        image,
        imageTag,
        repositoryName,
        serviceAccount,
      });
      this.detector = this.service;
      new TerraformOutput(this, 'ServiceUrl', {
        value: this.service.url,
        description: 'Cloud Run service URL (callers need roles/run.invoker and an identity token)',
      });
      new TerraformOutput(this, 'PredictUrl', {
        value: this.service.predictUrl,
        description:
          'POST {"instances": [{"image_base64": "..."}]} here with an identity token (gcloud auth print-identity-token)',
      });
    } else {
      this.endpoint = new VertexDetectorEndpoint(this, 'Detector', { ...endpointProps, project, region });
      this.detector = this.endpoint;
      new TerraformOutput(this, 'EndpointId', {
        value: this.endpoint.endpointId,
        description: 'Vertex AI endpoint id',
      });
      new TerraformOutput(this, 'PredictUrl', {
        value: this.endpoint.predictUrl,
        description: 'POST {"instances": [{"image_base64": "..."}]} here with an OAuth bearer token',
      });
    }
    const weights = this.detector.weights.source;
    if (weights.kind === 'store') {
      new TerraformOutput(this, 'WeightsLocation', {
        value: weights.uri,
        description: 'Where the weights are staged: the base model at this prefix, the adapter in adapter/',
      });
      new TerraformOutput(this, 'StageWeightsCommand', {
        value: stagingCommandsFor(weights, this.detector.deployment).join(' && '),
        description:
          'Run once (and after changing the model) with the hf and gcloud CLIs: downloads the base model and ' +
          'adapter from Hugging Face and copies them to WeightsLocation',
      });
    }
    if (this.detector.repositoryUrl && this.detector.dockerPushTarget) {
      new TerraformOutput(this, 'RepositoryUrl', {
        value: this.detector.repositoryUrl,
        description: 'Artifact Registry repository for the inference container',
      });
      new TerraformOutput(this, 'DockerPushTarget', {
        value: this.detector.dockerPushTarget,
        description: `${dockerBuildAndPushCommand('<this>')} (from the repository root)`,
      });
    }
  }

  /** The mode from the prop, else the context key, else the environment variable, else always-on (core's rule). */
  private resolveMode(
    props: DetectorGcpStackProps,
    env: Readonly<Record<string, string | undefined>>,
  ): { value: DeploymentMode; problem?: string } {
    try {
      return {
        value: resolveDeploymentMode({
          prop: props.mode,
          context: this.node.tryGetContext(DEPLOYMENT_MODE_CONTEXT_KEY),
          env: env[DEPLOYMENT_MODE_ENV]?.trim(),
        }),
      };
    } catch (e) {
      return { value: 'always-on', problem: `${(e as Error).message} (Cloud Run scales to zero in 'on-demand')` };
    }
  }

  /**
   * Without a backend of your own (e.g. a GcsBackend), state stays where cdktf puts it —
   * `terraform.<stack>.tfstate` in the project directory — but addressed relative to the stack's working directory,
   * so the synthesized JSON holds no absolute path.
   */
  ensureBackendExists(): TerraformBackend {
    const existing = this.node.findAll().find((c): c is TerraformBackend => TerraformBackend.isBackend(c));
    if (existing) return existing;
    const workingDirectory = join(App.of(this).outdir, 'stacks', this.node.id);
    return new LocalBackend(this, {
      path: relativeTo(workingDirectory, join(process.cwd(), `terraform.${this.node.id}.tfstate`)),
    });
  }
}

function omit<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Omit<T, K> {
  const copy = { ...object };
  for (const key of keys) delete copy[key];
  return copy;
}
