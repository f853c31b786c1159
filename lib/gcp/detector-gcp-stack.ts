import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { TerraformOutput, TerraformStack, Token, type TerraformBackend } from 'cdktf';
import type { Construct } from 'constructs';
import {
  DEPLOYMENT_MODE_CONTEXT_KEY,
  DEPLOYMENT_MODE_ENV,
  dockerBuildAndPushCommand,
  resolveDeploymentMode,
  stagingCommandsFor,
  ValidationErrors,
  type DeploymentMode,
} from '../core';
import { relativeLocalBackend } from '../cdktf/local-backend';
import { CloudRunGpuDetectorService } from './cloud-run-gpu-detector-service';
import { DetectorGcpWeightsStack } from './detector-gcp-weights-stack';
import { ModelWeights } from './model-weights';
import type { CloudRunGpuDetectorServiceProps } from './cloud-run-gpu-detector-service-props';
import { VertexDetectorEndpoint } from './vertex-detector-endpoint';
import type { VertexDetectorEndpointProps } from './vertex-detector-endpoint-props';

/** What DetectorGcpStack takes itself; everything else is a construct's, in alwaysOn or onDemand. */
const STACK_PROPS: readonly string[] = ['project', 'region', 'env', 'mode', 'alwaysOn', 'onDemand'];

export interface DetectorGcpStackProps {
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
   * The always-on endpoint's props (model, machine type, scaling, image, weights, …), used in that mode.
   * @default the construct's defaults
   */
  readonly alwaysOn?: Omit<VertexDetectorEndpointProps, 'project' | 'region'>;
  /**
   * The on-demand service's props (model, cpu, memoryGiB, invokers, ingress, image, weights, …), used in that mode.
   * `weights` may be left out here: the stack then creates a store of its own (below).
   * @default the construct's defaults: 8 vCPU, 32 GiB, min 0 instances, no invokers; weights in a Cloud Storage
   *   bucket of the weights stack
   */
  readonly onDemand?: Omit<CloudRunGpuDetectorServiceProps, 'project' | 'region' | 'weights'> & {
    /**
     * Where the weights come from.
     * @default ModelWeights.fromNewStore(): a bucket in the weights stack (`<id>-weights`)
     */
    readonly weights?: ModelWeights;
  };
}

/**
 * The form detector on GCP as a CDKTF stack: the google provider for the project and region, and either the
 * always-on Vertex AI endpoint (outputs: EndpointId, PredictUrl) or the on-demand Cloud Run GPU service (outputs:
 * ServiceUrl, PredictUrl), plus the repository and the `docker push` target. Outputs are CamelCase on every cloud's
 * stack (CloudFormation output ids allow no underscore).
 *
 * Weights from a new store (`ModelWeights.fromNewStore()`, the on-demand default) go in a stack of their own,
 * `<id>-weights` (`weightsStack`), which this stack reads: both platforms start the container at deploy, so the
 * first deploy is `cdktf deploy <id>-weights`, the staging commands it outputs, then `cdktf deploy <id>` (rule
 * weights.store-staged-before-start). The staged weights also outlive a `cdktf destroy <id>`.
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
  /** The stack that holds the weights store, when the weights are a new store (deploy and stage it first). */
  readonly weightsStack?: DetectorGcpWeightsStack;

  constructor(scope: Construct, id: string, props: DetectorGcpStackProps = {}) {
    super(scope, id);
    const env = props.env ?? process.env;
    const errors = new ValidationErrors(`DetectorGcpStack '${this.node.path}'`, (v) => Token.isUnresolved(v));
    const project = props.project ?? env.GOOGLE_CLOUD_PROJECT?.trim();
    const region = props.region ?? env.GOOGLE_REGION?.trim();
    // The construct props were once given flat on the stack; they now go in the block of their mode.
    for (const key of Object.keys(props).filter((k) => !STACK_PROPS.includes(k))) {
      errors.add(
        key,
        (props as Record<string, unknown>)[key],
        'construct props go in alwaysOn (the Vertex AI endpoint) or onDemand (the Cloud Run service)',
      );
    }
    if (!project) {
      errors.add('project', project, 'set the `project` prop or the GOOGLE_CLOUD_PROJECT environment variable');
    }
    if (!region) {
      errors.add(
        'region',
        region,
        'set the `region` prop or the GOOGLE_REGION environment variable (e.g. us-central1)',
      );
    }
    this.mode = resolveDeploymentMode(
      {
        prop: props.mode,
        context: this.node.tryGetContext(DEPLOYMENT_MODE_CONTEXT_KEY),
        env: env[DEPLOYMENT_MODE_ENV]?.trim(),
      },
      errors,
      " (Cloud Run scales to zero in 'on-demand')",
    );
    errors.throwIfAny();
    const where = { project: project as string, region: region as string };

    this.provider = new GoogleProvider(this, 'Google', where);
    // A new store goes in a stack of its own, deployed and staged before this one.
    const given =
      this.mode === 'on-demand' ? (props.onDemand?.weights ?? ModelWeights.fromNewStore()) : props.alwaysOn?.weights;
    let weights = given;
    if (given?.newStore) {
      this.weightsStack = new DetectorGcpWeightsStack(scope, `${id}-weights`, {
        ...where,
        ...given.newStore,
        labels: (this.mode === 'on-demand' ? props.onDemand?.labels : props.alwaysOn?.labels) ?? undefined,
      });
      weights = ModelWeights.fromStore(this.weightsStack.store);
    }
    if (this.mode === 'on-demand') {
      this.service = new CloudRunGpuDetectorService(this, 'Detector', {
        ...props.onDemand,
        ...where,
        weights: weights as ModelWeights,
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
      this.endpoint = new VertexDetectorEndpoint(this, 'Detector', {
        ...props.alwaysOn,
        ...where,
        ...(weights ? { weights } : {}),
      });
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
    this.weightsStack?.addStagingCommand(this.detector.deployment);
    const source = this.detector.weights.source;
    if (source.kind === 'store') {
      new TerraformOutput(this, 'WeightsLocation', {
        value: source.uri,
        description: 'Where the weights are staged: the base model at this prefix, the adapter in adapter/',
      });
      new TerraformOutput(this, 'StageWeightsCommand', {
        value: stagingCommandsFor(source, this.detector.deployment).join(' && '),
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

  /** Local state at the project root, by a relative path; a backend you add to the stack wins. */
  ensureBackendExists(): TerraformBackend {
    return relativeLocalBackend(this);
  }
}
