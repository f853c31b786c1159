import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository';
import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import type { ProjectService } from '@cdktf/provider-google/lib/project-service';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { VertexAiEndpoint } from '@cdktf/provider-google/lib/vertex-ai-endpoint';
import { Annotations, App, DataResource, Fn, TerraformLocal, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  catalogInstances,
  CONTAINER_ENV,
  CONTAINER_PORT,
  CONTAINER_ROUTES,
  containerEnvironment,
  DEFAULT_GCP_MACHINE_TYPE,
  GCE_ACCELERATOR_MACHINE,
  gcpMachine,
  IMAGE_METADATA_KEY,
  PINNED_IMAGE_RECORD,
  PLATFORM_LIMITS,
  resolveDeployment,
  resolveScaling,
  resourceName,
  summarizeDeployment,
  SUMMARY_METADATA_KEY,
  ValidationErrors,
  VERTEX_DEPLOYMENT_TIMEOUT,
  VERTEX_PROBE_TIMEOUT,
  type DeploymentSummary,
  type DetectorDeployment,
  type DetectorModelOptions,
  type DurationLike,
  type GcpAcceleratorType,
  type GcpMachineType,
  type ScalingOptions,
  type ScalingSpec,
} from '../core';
import { vertexDeployCommand, vertexDeployScriptPath } from './deploy-command';
import { ModelWeights, type ModelWeightsConfig } from './model-weights';
import {
  DEFAULT_LABELS,
  enableService,
  servingIdentity,
  servingImage,
  validateServingProps,
} from './serving-resources';
import {
  DUTY_CYCLE_METRIC,
  VERTEX_DEPLOY_CONFIG_ENV,
  VERTEX_DEPLOY_CONFIG_VERSION,
  type VertexDeployConfig,
} from './vertex-deploy-config';

export { DEFAULT_IMAGE_NAME } from './serving-resources';

/**
 * Timing of a Vertex AI container probe. Vertex AI requires the timeout to exceed the period (ModelContainerSpec →
 * Probe: periodSeconds "must be less than timeout_seconds"); models.upload fails with INVALID_ARGUMENT otherwise.
 */
export interface VertexProbeOptions {
  /**
   * How often to probe.
   * @default Duration.seconds(10)
   */
  readonly period?: DurationLike;
  /**
   * How long one probe may take; more than `period`.
   * @default Duration.seconds(15)
   */
  readonly timeout?: DurationLike;
}

/** Timing of the health probe, which takes a replica out of traffic after consecutive failures. */
export interface VertexHealthProbeOptions extends VertexProbeOptions {
  /**
   * Consecutive failures before the replica stops getting traffic.
   * @default 3
   */
  readonly failureThreshold?: number;
}

/** Request/response logging to BigQuery (the endpoint's `predict_request_response_logging_config`). */
export interface VertexRequestResponseLogging {
  /**
   * Fraction of requests logged, (0, 1]. Requests carry whole page images: keep it low.
   * @default 0.1
   */
  readonly samplingRate?: number;
  /**
   * BigQuery table URI, `bq://project.dataset.table` or `bq://project.dataset`.
   * @default Vertex AI creates a dataset and table in the project
   */
  readonly bigqueryDestination?: string;
}

export interface VertexDetectorEndpointProps extends DetectorModelOptions {
  /** GCP project id the endpoint lives in. */
  readonly project: string;
  /** Region of the endpoint, the repository and the deployed model, e.g. the stack's region. */
  readonly region: string;
  /**
   * Display name of the endpoint (and base name of the uploaded models).
   * @default derived from the construct path
   */
  readonly endpointName?: string;
  /**
   * The endpoint's numeric id (its resource name): up to 10 digits, no leading zero, unique in the project and region.
   * Changing it replaces the endpoint.
   * @default a stable 10-digit number derived from the project, region and construct path
   */
  readonly endpointId?: string;
  /**
   * Machine type of each replica.
   * @default 'g2-standard-8'
   */
  readonly machineType?: GcpMachineType;
  /**
   * GPU attached to each replica.
   * @default the machine's GPU in the catalog: NVIDIA_L4 on g2, NVIDIA_TESLA_T4 on n1, NVIDIA_TESLA_A100 on a2
   */
  readonly acceleratorType?: GcpAcceleratorType;
  /**
   * GPUs per replica (more than one splits the model across them).
   * @default 1
   */
  readonly acceleratorCount?: number;
  /**
   * An existing image URI to serve (e.g. `europe-west4-docker.pkg.dev/p/repo/form-detector:v1`). When given, no
   * repository is created. Vertex AI requires an Artifact Registry (or Container Registry) image.
   * @default the inference container built from inference-container/, in a repository created here, tagged with a
   *   hash of its sources
   */
  readonly image?: string;
  /**
   * Tag of the image built from inference-container/ (ignored with `image`).
   * @default `src-` + a hash of the container's sources, so a source change rolls out a new model
   */
  readonly imageTag?: string;
  /**
   * Id of the Artifact Registry repository created for the image (not with `image`).
   * @default derived from the construct path
   */
  readonly repositoryName?: string;
  /** How many replicas; Vertex AI keeps at least one running. @default min 1, max 2 */
  readonly scaling?: ScalingOptions;
  /**
   * Accelerator duty cycle (%) the autoscaler holds the replicas at.
   * @default 60
   */
  readonly dutyCycleTarget?: number;
  /**
   * Where the weights come from: Hugging Face, or Cloud Storage (`ModelWeights.fromCloudStorage`, or a bucket created
   * here with `ModelWeights.fromNewStore()`): the model's `artifactUri`, which Vertex AI exposes to the container as
   * AIP_STORAGE_URI and the container copies to local disk before vLLM starts. The serving service account gets read
   * access to that bucket and prefix.
   * @default ModelWeights.fromHuggingFace() — the container downloads the Hugging Face ids at every start
   */
  readonly weights?: ModelWeights;
  /**
   * `gs://bucket/prefix` holding the weights (base model, with the adapter in `adapter/`).
   * @deprecated use `weights: ModelWeights.fromCloudStorage('gs://bucket/prefix')`
   * @default none
   */
  readonly modelWeights?: string;
  /**
   * Log a sample of requests and responses to BigQuery.
   * @default off
   */
  readonly requestResponseLogging?: VertexRequestResponseLogging;
  /**
   * Labels for the endpoint, the repository and the uploaded models.
   * @default { 'managed-by': 'form-detector-stacks' }
   */
  readonly labels?: Record<string, string>;
  /**
   * Email of an existing service account to run the container as. You then grant it what it needs yourself
   * (logging.logWriter, monitoring.metricWriter, read of the model weights).
   * @default a dedicated service account created here, with only those grants
   */
  readonly serviceAccount?: string;
  /**
   * How long Vertex AI waits for a new replica to become healthy (vLLM downloads and loads the model). At most 2 hours.
   * @default 1 hour
   */
  readonly deploymentTimeout?: DurationLike;
  /**
   * The startup probe on the health route, which holds off health checks until vLLM has loaded the model. It
   * fails the replica after `deploymentTimeout` (failure threshold = deploymentTimeout / period).
   * @default period 10 s, timeout 15 s
   */
  readonly startupProbe?: VertexProbeOptions;
  /**
   * The health probe once the replica has started.
   * @default period 10 s, timeout 15 s, 3 failures
   */
  readonly healthProbe?: VertexHealthProbeOptions;
  /**
   * Shared memory for the container, MiB (vLLM and PyTorch use /dev/shm, most with several GPUs).
   * @default a quarter of the machine's memory, at most 16384
   */
  readonly sharedMemorySizeMiB?: number;
  /**
   * The command that runs `bin/vertex-deploy` from the stack's Terraform working directory.
   * @default `node "<relative path>/dist/bin/vertex-deploy.js"`, computed at synth
   */
  readonly deployCommand?: string;
}

/** What every Vertex detector endpoint offers, whether defined here or imported. */
export interface IVertexDetectorEndpoint {
  readonly project: string;
  readonly region: string;
  /** The endpoint's id (last segment of its resource name). */
  readonly endpointId: string;
  /** `https://<dedicated DNS>/v1/projects/<p>/locations/<r>/endpoints/<id>:predict`. */
  readonly predictUrl: string;
  /** Lets `member` (e.g. `serviceAccount:app@p.iam.gserviceaccount.com`) call predict. */
  grantInvoke(member: string): ProjectIamMember;
  /** A Cloud Monitoring filter for one of the endpoint's `aiplatform.googleapis.com/prediction/online/*` metrics. */
  metricFilter(metric: string): string;
}

/** Attributes of an endpoint defined elsewhere. */
export interface VertexDetectorEndpointAttributes {
  readonly project: string;
  readonly region: string;
  readonly endpointId: string;
  /** The endpoint's `dedicated_endpoint_dns`. */
  readonly dedicatedEndpointDns: string;
}

/** Permissions the invoker role holds: calling the model, nothing else. */
export const INVOKE_PERMISSIONS = ['aiplatform.endpoints.predict'] as const;

/** grantInvoke() and the metric helpers, shared by defined and imported endpoints. */
export abstract class VertexDetectorEndpointBase extends Construct implements IVertexDetectorEndpoint {
  abstract readonly project: string;
  abstract readonly region: string;
  abstract readonly endpointId: string;
  abstract readonly predictUrl: string;
  private invokerRole: ProjectIamCustomRole | undefined;
  private readonly grants = new Map<string, ProjectIamMember>();

  /**
   * Grants `member` a custom role holding only `aiplatform.endpoints.predict`, on the project. The google provider
   * 6.50 (GA) has no endpoint-level IAM resource (google-beta has `google_vertex_ai_endpoint_iam_*`, on the v1beta1
   * API), so the grant covers every endpoint in the project — narrower than roles/aiplatform.user, which also
   * creates and deletes Vertex resources.
   */
  grantInvoke(member: string): ProjectIamMember {
    const existing = this.grants.get(member);
    if (existing) return existing;
    if (!this.invokerRole) {
      this.invokerRole = new ProjectIamCustomRole(this, 'InvokerRole', {
        project: this.project,
        roleId: resourceName(`formDetectorInvoke_${this.node.path}`, { maxLength: 64, separator: '_' }),
        title: 'Form detector invoker',
        description: `Calls predict on Vertex AI endpoints (granted by ${this.node.path})`,
        permissions: [...INVOKE_PERMISSIONS],
      });
    }
    const grant = new ProjectIamMember(this, `InvokeGrant${this.grants.size}`, {
      project: this.project,
      role: this.invokerRole.name,
      member,
    });
    this.grants.set(member, grant);
    return grant;
  }

  metricFilter(metric: string): string {
    const type = metric.includes('.googleapis.com/') ? metric : `aiplatform.googleapis.com/prediction/online/${metric}`;
    return (
      `metric.type="${type}" AND resource.type="aiplatform.googleapis.com/Endpoint" ` +
      `AND resource.labels.endpoint_id="${this.endpointId}" AND resource.labels.location="${this.region}"`
    );
  }

  /** Predictions per second, by response code. */
  metricPredictionCount(): string {
    return this.metricFilter('prediction_count');
  }

  /** End-to-end prediction latency (ms distribution). */
  metricPredictionLatencies(): string {
    return this.metricFilter('prediction_latencies');
  }

  /** The autoscaler's signal: accelerator duty cycle per replica. */
  metricAcceleratorDutyCycle(): string {
    return this.metricFilter('accelerator/duty_cycle');
  }

  /** Replicas serving. */
  metricReplicas(): string {
    return this.metricFilter('replicas');
  }
}

class ImportedVertexDetectorEndpoint extends VertexDetectorEndpointBase {
  readonly project: string;
  readonly region: string;
  readonly endpointId: string;
  readonly predictUrl: string;
  constructor(scope: Construct, id: string, attrs: VertexDetectorEndpointAttributes) {
    super(scope, id);
    this.project = attrs.project;
    this.region = attrs.region;
    this.endpointId = attrs.endpointId;
    this.predictUrl = predictUrl(attrs.dedicatedEndpointDns, attrs.project, attrs.region, attrs.endpointId);
  }
}

/**
 * The form detector on a Vertex AI dedicated endpoint with GPU replicas.
 *
 * Terraform owns the repository, the serving service account, the project services and the endpoint; the model
 * upload + deploy (which no Terraform resource does) runs as a `terraform_data` step whose provisioners call
 * `bin/vertex-deploy` — re-run only when the image or the config changes, and undeployed on destroy.
 */
export class VertexDetectorEndpoint extends VertexDetectorEndpointBase {
  /** An endpoint deployed elsewhere, for grantInvoke() and metrics. */
  static fromEndpointAttributes(
    scope: Construct,
    id: string,
    attrs: VertexDetectorEndpointAttributes,
  ): IVertexDetectorEndpoint & VertexDetectorEndpointBase {
    return new ImportedVertexDetectorEndpoint(scope, id, attrs);
  }

  readonly project: string;
  readonly region: string;
  readonly endpointId: string;
  readonly predictUrl: string;
  /** The `google_vertex_ai_endpoint`. */
  readonly endpoint: VertexAiEndpoint;
  /** The Artifact Registry repository, unless an existing image was given. */
  readonly repository?: ArtifactRegistryRepository;
  /** The serving service account, unless an existing one was given. */
  readonly serviceAccount?: ServiceAccount;
  /** Email of the service account the container runs as. */
  readonly serviceAccountEmail: string;
  /** The `terraform_data` step that uploads and deploys the model. */
  readonly deployStep: DataResource;
  /** The config the deploy step passes to `bin/vertex-deploy` (with Terraform references inside). */
  readonly deployConfig: VertexDeployConfig;
  /** Project services enabled for the endpoint, by service name. */
  readonly services: Readonly<Record<string, ProjectService>>;
  /** The image the endpoint serves. */
  readonly imageUri: string;
  /** `<region>-docker.pkg.dev/<project>/<repository>`, when the repository is created here. */
  readonly repositoryUrl?: string;
  /** Where to `docker push` the image built from inference-container/, when the repository is created here. */
  readonly dockerPushTarget?: string;
  readonly deployment: DetectorDeployment;
  readonly scaling: ScalingSpec;
  /** What is deployed and what it costs (also recorded on the endpoint resource in the synthesized JSON). */
  readonly summary: DeploymentSummary;
  /** Where the weights come from (bucket, prefix, grants). */
  readonly weights: ModelWeightsConfig;

  constructor(scope: Construct, id: string, props: VertexDetectorEndpointProps) {
    super(scope, id);
    const errors = new ValidationErrors(`VertexDetectorEndpoint '${this.node.path}'`, (v) => Token.isUnresolved(v));
    const resolved = validate(props, errors);
    const machineType = props.machineType ?? DEFAULT_GCP_MACHINE_TYPE;
    const machine = gcpMachine(machineType, props.acceleratorType ?? undefined, props.acceleratorCount ?? 1);
    if (!machine.ok) {
      if (machine.problem.startsWith('unknown Vertex')) {
        errors.add('machineType', machineType, machine.problem);
      } else if (machine.problem.startsWith('unknown accelerator')) {
        errors.add('acceleratorType', props.acceleratorType, machine.problem);
      } else if (machine.problem.includes(' takes ')) {
        errors.add('acceleratorCount', props.acceleratorCount, machine.problem);
      } else {
        errors.rule('machineType', GCE_ACCELERATOR_MACHINE, {
          machineType,
          acceleratorType: props.acceleratorType ?? '',
        });
      }
    }
    // With a bad machine, the default one stands in so the other props are still checked in the same pass.
    const instance = machine.ok ? machine.value : catalogInstances('gcp')[0];
    this.deployment = resolveDeployment(instance, props, PLATFORM_LIMITS.vertex, errors);
    this.scaling = resolveScaling(
      props.scaling,
      { maxConcurrency: this.deployment.maxConcurrency, allowZero: false },
      errors,
    );
    errors.throwIfAny();

    this.project = props.project;
    this.region = props.region;
    const labels = { ...DEFAULT_LABELS, ...(props.labels ?? {}) };
    const endpointName = props.endpointName ?? resourceName(this.node.path, { maxLength: 63, lowercase: true });
    this.endpointId = props.endpointId ?? defaultEndpointId(props.project, props.region, this.node.path);

    const service = (construct: string, name: string): ProjectService =>
      enableService(this, construct, this.project, name);
    const services: Record<string, ProjectService> = {
      'aiplatform.googleapis.com': service('AiPlatformService', 'aiplatform.googleapis.com'),
      'iam.googleapis.com': service('IamService', 'iam.googleapis.com'),
    };
    if (props.image === undefined) {
      services['artifactregistry.googleapis.com'] = service(
        'ArtifactRegistryService',
        'artifactregistry.googleapis.com',
      );
    }
    const image = servingImage(this, props, labels, services['artifactregistry.googleapis.com']);
    this.repository = image.repository;
    this.repositoryUrl = image.repositoryUrl;
    this.imageUri = image.imageUri;
    this.dockerPushTarget = image.dockerPushTarget;
    this.services = services;

    const identity = servingIdentity(this, props, {
      description: 'Runs the form detector container on Vertex AI: writes logs and metrics, reads its weights.',
      repository: this.repository,
      iamService: services['iam.googleapis.com'],
    });
    this.serviceAccount = identity.serviceAccount;
    this.serviceAccountEmail = identity.email;
    const grants: ProjectIamMember[] = identity.projectGrants;
    const repoGrants = identity.repositoryGrants;
    this.weights = (resolved.weights ?? ModelWeights.fromHuggingFace()).bind(this, {
      project: this.project,
      region: this.region,
      labels,
      member: this.serviceAccount?.member,
      access: { platform: true },
    });
    const bucketGrants = this.weights.grants;
    const weightsEnv = this.weights.tokenSecret
      ? { [CONTAINER_ENV.hfTokenSecret]: `${this.weights.tokenSecret}/versions/latest` }
      : {};

    this.endpoint = new VertexAiEndpoint(this, 'Resource', {
      project: this.project,
      location: this.region,
      region: this.region,
      name: this.endpointId,
      displayName: endpointName,
      description: `Form-field detector (${this.deployment.baseModel}) on ${instance.instanceType}`,
      dedicatedEndpointEnabled: true,
      labels,
      ...(props.requestResponseLogging
        ? {
            predictRequestResponseLoggingConfig: {
              enabled: true,
              samplingRate: props.requestResponseLogging.samplingRate ?? 0.1,
              ...(props.requestResponseLogging.bigqueryDestination
                ? { bigqueryDestination: { outputUri: props.requestResponseLogging.bigqueryDestination } }
                : {}),
            },
          }
        : {}),
      dependsOn: [services['aiplatform.googleapis.com']],
    });
    this.predictUrl = predictUrl(this.endpoint.dedicatedEndpointDns, this.project, this.region, this.endpointId);

    this.summary = summarizeDeployment({
      service: 'Vertex AI dedicated endpoint',
      endpoint: endpointName,
      mode: 'always-on',
      deployment: this.deployment,
      scaling: this.scaling,
      weights: this.weights.source,
    });
    this.endpoint.addOverride(`//.${SUMMARY_METADATA_KEY}`, this.summary);
    if (props.image === undefined) this.endpoint.addOverride(`//.${IMAGE_METADATA_KEY}`, PINNED_IMAGE_RECORD);

    const deploymentTimeoutSeconds = resolved.deploymentTimeoutSeconds;
    const probe = (timing: ProbeSeconds) => ({
      httpGet: { path: CONTAINER_ROUTES.vertexHealth, port: CONTAINER_PORT },
      ...timing,
    });
    this.deployConfig = {
      version: VERTEX_DEPLOY_CONFIG_VERSION,
      project: this.project,
      region: this.region,
      // A reference, so the step runs after the endpoint exists.
      endpointId: this.endpoint.name,
      modelDisplayName: endpointName,
      labels,
      containerSpec: {
        imageUri: this.imageUri,
        env: Object.entries({ ...containerEnvironment(this.deployment, this.weights.source), ...weightsEnv }).map(
          ([name, value]) => ({ name, value }),
        ),
        ports: [{ containerPort: CONTAINER_PORT }],
        predictRoute: CONTAINER_ROUTES.vertexPredict,
        healthRoute: CONTAINER_ROUTES.vertexHealth,
        sharedMemorySizeMb: String(props.sharedMemorySizeMiB ?? defaultSharedMemoryMiB(instance.memoryGiB)),
        deploymentTimeout: `${deploymentTimeoutSeconds}s`,
        // The startup probe holds off health checks until vLLM has loaded the model; then /health must keep
        // answering (3 misses in a row stop traffic to the replica).
        startupProbe: probe(resolved.startupProbe),
        healthProbe: probe(resolved.healthProbe),
      },
      artifactUri: this.weights.source.kind === 'store' ? this.weights.source.uri : '',
      dedicatedResources: {
        machineSpec: {
          machineType: instance.instanceType,
          acceleratorType: instance.acceleratorType ?? '',
          acceleratorCount: instance.gpuCount,
        },
        minReplicaCount: this.scaling.minCapacity,
        maxReplicaCount: this.scaling.maxCapacity,
        autoscalingMetricSpecs: [{ metricName: DUTY_CYCLE_METRIC, target: props.dutyCycleTarget ?? 60 }],
      },
      serviceAccount: this.serviceAccountEmail,
      enableContainerLogging: true,
      // Upload, deploy (bounded by the deployment timeout) and clean-up, with room to spare.
      operationTimeoutSeconds: deploymentTimeoutSeconds + 30 * 60,
    };

    const config = new TerraformLocal(this, 'DeployConfig', this.deployConfig);
    const command = props.deployCommand ?? this.defaultDeployCommand();
    const environment = { [VERTEX_DEPLOY_CONFIG_ENV]: '${jsonencode(self.input)}' };
    this.deployStep = new DataResource(this, 'DeployStep', {
      input: config.expression,
      // Any change to the image or the config replaces the step: the new deployment is made first
      // (create_before_destroy), then the old step's destroy finds nothing left to undeploy.
      triggersReplace: { config_sha256: Fn.sha256(Fn.jsonencode(config.expression)) },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: [this.endpoint, ...Object.values(services), ...grants, ...repoGrants, ...bucketGrants],
      provisioners: [
        { type: 'local-exec', when: 'create', command: `${command} deploy`, environment },
        // Destroy-time provisioners may only reference self: everything they need is in `input`.
        { type: 'local-exec', when: 'destroy', command: `${command} undeploy`, environment },
      ],
    });
  }

  private defaultDeployCommand(): string {
    const stack = TerraformStack.of(this);
    const workingDirectory = join(App.of(this).outdir, 'stacks', stack.node.id);
    const script = vertexDeployScriptPath();
    if (!existsSync(script)) {
      Annotations.of(this).addWarning(
        `${script} does not exist yet: run 'npm run build' before 'cdktf deploy' (the deploy step runs it).`,
      );
    }
    return vertexDeployCommand(workingDirectory, script);
  }
}

/** Probe defaults: Vertex AI requires timeout > period (rule vertex.probe-timeout-exceeds-period). */
export const VERTEX_PROBE_DEFAULTS = { periodSeconds: 10, timeoutSeconds: 15, healthFailureThreshold: 3 } as const;
const MIN_DEPLOYMENT_TIMEOUT_SECONDS = 300;
const DEFAULT_DEPLOYMENT_TIMEOUT_SECONDS = 3600;

interface ProbeSeconds {
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
}

export function predictUrl(dedicatedDns: string, project: string, region: string, endpointId: string): string {
  return `https://${dedicatedDns}/v1/projects/${project}/locations/${region}/endpoints/${endpointId}:predict`;
}

/** A stable 10-digit id with no leading zero, from the project, region and construct path. */
export function defaultEndpointId(project: string, region: string, path: string): string {
  const digest = createHash('sha256').update(`${project}\0${region}\0${path}`).digest();
  return String(1_000_000_000n + (digest.readBigUInt64BE(0) % 9_000_000_000n));
}

function defaultSharedMemoryMiB(memoryGiB: number): number {
  return Math.min(16_384, Math.floor((memoryGiB * 1024) / 4));
}

const GCS_URI = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(?:\/(.*))?$/;

interface ResolvedProps {
  readonly weights?: ModelWeights;
  readonly deploymentTimeoutSeconds: number;
  readonly startupProbe: ProbeSeconds;
  readonly healthProbe: ProbeSeconds;
}

/** The props' own rules (the model and scaling rules are core's); records every problem. */
function validate(props: VertexDetectorEndpointProps, errors: ValidationErrors): ResolvedProps {
  validateServingProps(props, errors, { googleRegistryOnly: true, sameRegion: true, noun: 'endpoint' });
  errors.check(
    'endpointId',
    props.endpointId,
    (v) => /^[1-9][0-9]{0,9}$/.test(v),
    'use up to 10 digits with no leading zero, e.g. "1234567890" (or leave it out for a derived one)',
  );
  errors.check('endpointName', props.endpointName, (v) => v.length >= 1 && v.length <= 128, 'use 1 to 128 characters');
  errors.check(
    'dutyCycleTarget',
    props.dutyCycleTarget,
    (n) => Number.isInteger(n) && n >= 1 && n <= 100,
    'use a whole percentage from 1 to 100, e.g. 60',
  );
  const s = props.scaling ?? {};
  if (s.targetConcurrencyPerInstance !== undefined) {
    errors.add(
      'scaling.targetConcurrencyPerInstance',
      s.targetConcurrencyPerInstance,
      'Vertex AI scales on accelerator duty cycle, not concurrency: leave it out and set dutyCycleTarget instead',
    );
  }
  for (const name of ['scaleOutCooldown', 'scaleInCooldown'] as const) {
    if (s[name] !== undefined) {
      errors.add(
        `scaling.${name}`,
        s[name],
        'Vertex AI autoscaling has no cooldown setting (it waits for the metric over a fixed window): leave it out',
      );
    }
  }
  let weights = props.weights;
  if (props.modelWeights !== undefined && props.weights !== undefined) {
    errors.add('modelWeights', props.modelWeights, 'modelWeights is the former name of weights: pass weights alone');
  } else if (props.modelWeights !== undefined && !Token.isUnresolved(props.modelWeights)) {
    const m = GCS_URI.exec(props.modelWeights);
    if (!m) {
      errors.add(
        'modelWeights',
        props.modelWeights,
        'use a Cloud Storage prefix, e.g. "gs://my-bucket/models/qwen3-vl-8b/"',
      );
    } else {
      weights = ModelWeights.fromCloudStorage(m[1], m[2] ?? '');
    }
  }
  const logging = props.requestResponseLogging;
  if (logging) {
    errors.check(
      'requestResponseLogging.samplingRate',
      logging.samplingRate,
      (n) => n > 0 && n <= 1,
      'use a fraction above 0 and at most 1, e.g. 0.1',
    );
    errors.check(
      'requestResponseLogging.bigqueryDestination',
      logging.bigqueryDestination,
      (v) => /^bq:\/\/[a-z0-9-]+\.[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)?$/.test(v),
      'use "bq://project.dataset" or "bq://project.dataset.table"',
    );
  }
  errors.check(
    'sharedMemorySizeMiB',
    props.sharedMemorySizeMiB,
    (n) => Number.isInteger(n) && n >= 64 && n <= 65_536,
    'use a whole number of MiB from 64 to 65536',
  );
  const deploymentTimeoutSeconds = errors.wholeSeconds(
    'deploymentTimeout',
    props.deploymentTimeout,
    DEFAULT_DEPLOYMENT_TIMEOUT_SECONDS,
  );
  if (props.deploymentTimeout !== undefined && errors.isKnown(deploymentTimeoutSeconds)) {
    if (deploymentTimeoutSeconds < MIN_DEPLOYMENT_TIMEOUT_SECONDS) {
      errors.add(
        'deploymentTimeout',
        props.deploymentTimeout,
        'use 5 minutes to 2 hours (the Vertex AI limit); vLLM needs ~15–30 minutes to download and load the model',
      );
    } else {
      errors.rule('deploymentTimeout', VERTEX_DEPLOYMENT_TIMEOUT, { seconds: deploymentTimeoutSeconds });
    }
  }
  const startupTiming = probeTiming(errors, 'startupProbe', props.startupProbe);
  const healthTiming = probeTiming(errors, 'healthProbe', props.healthProbe);
  const healthFailureThreshold = props.healthProbe?.failureThreshold ?? VERTEX_PROBE_DEFAULTS.healthFailureThreshold;
  errors.check(
    'healthProbe.failureThreshold',
    props.healthProbe?.failureThreshold,
    (n) => Number.isInteger(n) && n >= 1,
    'use a whole number ≥ 1',
  );
  return {
    weights,
    deploymentTimeoutSeconds,
    startupProbe: {
      ...startupTiming,
      // The startup probe gives the replica the whole deployment timeout to load the model.
      failureThreshold: Math.max(1, Math.ceil(deploymentTimeoutSeconds / startupTiming.periodSeconds)),
    },
    healthProbe: { ...healthTiming, failureThreshold: healthFailureThreshold },
  };
}

/** A probe's period and timeout in whole seconds, checked against Vertex AI's rule that the timeout exceeds the period. */
function probeTiming(
  errors: ValidationErrors,
  prop: 'startupProbe' | 'healthProbe',
  options: VertexProbeOptions | undefined,
): { periodSeconds: number; timeoutSeconds: number } {
  const periodSeconds = errors.wholeSeconds(`${prop}.period`, options?.period, VERTEX_PROBE_DEFAULTS.periodSeconds);
  const timeoutSeconds = errors.wholeSeconds(`${prop}.timeout`, options?.timeout, VERTEX_PROBE_DEFAULTS.timeoutSeconds);
  if (errors.isKnown(periodSeconds) && errors.isKnown(timeoutSeconds)) {
    errors.rule(prop, VERTEX_PROBE_TIMEOUT, { probe: prop, periodSeconds, timeoutSeconds });
  }
  return { periodSeconds, timeoutSeconds };
}
