import type { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository';
import { CloudRunV2Service } from '@cdktf/provider-google/lib/cloud-run-v2-service';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member';
import type { ProjectService } from '@cdktf/provider-google/lib/project-service';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { Annotations, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  CLOUD_RUN_DRIVER_RUNS_IMAGE,
  CLOUD_RUN_GPU_LIMITS,
  CLOUD_RUN_GPU_REGION,
  CLOUD_RUN_GPU_RESOURCES,
  CLOUD_RUN_L4_DRIVER,
  CLOUD_RUN_PROBE_TIMEOUT,
  CLOUD_RUN_REQUEST_TIMEOUT,
  CLOUD_RUN_STARTUP_INITIAL_DELAY,
  CLOUD_RUN_STARTUP_WINDOW,
  cloudRunGpuInstance,
  CONTAINER_DEFAULTS,
  CONTAINER_PORT,
  CONTAINER_ROUTES,
  coldStartFor,
  huggingFaceDownloadGiB,
  containerEnvironment,
  WEIGHTS_MOUNT_PATH,
  WEIGHTS_PLATFORM_LIMITS,
  cudaVersionProblem,
  IMAGE_METADATA_KEY,
  PINNED_IMAGE_CUDA,
  resolveDeployment,
  resolveScaling,
  resourceName,
  SCALING_DEFAULTS,
  startWindowWarning,
  summarizeDeployment,
  SUMMARY_METADATA_KEY,
  ValidationErrors,
  type DeploymentSummary,
  type DetectorDeployment,
  type DetectorModelOptions,
  type DurationLike,
  type StartWindow,
  type ImageRecord,
  type PlatformLimits,
  type ScalingOptions,
  type ScalingSpec,
} from '../core';
import { ModelWeights, type ModelWeightsConfig } from './model-weights';
import {
  DEFAULT_LABELS,
  enableService,
  servingIdentity,
  servingImage,
  validateServingProps,
  type GcpServingProps,
} from './serving-resources';

/** Who may reach the service over the network (IAM still decides who may call it). */
export type CloudRunIngress =
  'INGRESS_TRAFFIC_ALL' | 'INGRESS_TRAFFIC_INTERNAL_ONLY' | 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER';

const INGRESS_VALUES: readonly CloudRunIngress[] = [
  'INGRESS_TRAFFIC_ALL',
  'INGRESS_TRAFFIC_INTERNAL_ONLY',
  'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
];

/** GPUs the catalog knows for Cloud Run services. */
export type CloudRunGpuAccelerator = 'nvidia-l4';

/** Cloud Run's limits for a GPU service (the rules and their sources are in lib/core/platform-rules/gcp.ts). */
export { CLOUD_RUN_GPU_LIMITS };

/** The name of the Cloud Storage volume that holds the weights. */
const WEIGHTS_VOLUME = 'model-weights';

/** The service's request timeout is the container's own deadline plus this, so the container answers first. */
export const REQUEST_TIMEOUT_MARGIN_SECONDS = 30;

/** What the container may set as its detection deadline on Cloud Run (for core's resolveDeployment). */
export const CLOUD_RUN_PLATFORM_LIMITS: PlatformLimits = {
  name: 'Cloud Run service',
  defaultRequestTimeoutMs: CONTAINER_DEFAULTS.requestTimeoutMs,
  maxRequestTimeoutMs: (CLOUD_RUN_GPU_LIMITS.maxRequestTimeoutSeconds - REQUEST_TIMEOUT_MARGIN_SECONDS) * 1000,
  maxRequestTimeoutReason:
    `Cloud Run ends a request after at most ${CLOUD_RUN_GPU_LIMITS.maxRequestTimeoutSeconds} s, and the service ` +
    `timeout is the container's deadline + ${REQUEST_TIMEOUT_MARGIN_SECONDS} s [${CLOUD_RUN_REQUEST_TIMEOUT.id}]`,
  requestTimeoutRule: CLOUD_RUN_REQUEST_TIMEOUT.id,
};

const DEFAULT_CPU = 8;
const DEFAULT_MEMORY_GIB = 32;
const STARTUP_PROBE_PERIOD_SECONDS = 10;
const STARTUP_PROBE_TIMEOUT_SECONDS = 5;
const LIVENESS_PROBE = { periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 } as const;
const DEFAULT_STARTUP_TIMEOUT_SECONDS =
  CLOUD_RUN_GPU_LIMITS.maxStartupInitialDelaySeconds + CLOUD_RUN_GPU_LIMITS.maxStartupProbeWindowSeconds;
const MIN_STARTUP_TIMEOUT_SECONDS = 60;
/** Room for the controller, vLLM's CPU side and the image decoding next to the downloaded weights. */
const PROCESS_MEMORY_GIB = 4;

export interface CloudRunGpuDetectorServiceProps extends DetectorModelOptions, GcpServingProps {
  /**
   * Name of the Cloud Run service: lowercase letters, digits and hyphens, at most 49 characters.
   * @default derived from the construct path
   */
  readonly serviceName?: string;
  /**
   * The GPU attached to each instance (one per instance).
   * @default 'nvidia-l4'
   */
  readonly accelerator?: CloudRunGpuAccelerator;
  /**
   * vCPUs per instance: 4, 6 or 8 (Cloud Run requires at least 4 with a GPU).
   * @default 8
   */
  readonly cpu?: number;
  /**
   * Memory per instance, GiB: 16 to 32 (Cloud Run requires at least 16 with a GPU; above 16 needs 6 vCPU, above 24
   * needs 8). The filesystem is in memory: weights downloaded at start-up count against it.
   * @default 32
   */
  readonly memoryGiB?: number;
  /**
   * How many instances. Only `minCapacity` and `maxCapacity` apply: Cloud Run scales on requests in flight against
   * the container's concurrency, with no target or cooldown to set.
   * @default min 0 (scale to zero), max 2
   */
  readonly scaling?: ScalingOptions;
  /**
   * Idle at zero instances (no GPU cost while idle; the first request after idle waits for a cold start). Set to
   * false together with `scaling.minCapacity` ≥ 1 to keep instances warm.
   * @default true
   */
  readonly scaleToZero?: boolean;
  /**
   * GPU zonal redundancy: Cloud Run reserves capacity to fail over to another zone. It costs more per GPU hour (the
   * cost estimate assumes it off) and is a separate GPU quota.
   * @default false (cheaper; a zonal outage can leave the service without a GPU until capacity returns)
   */
  readonly zonalRedundancy?: boolean;
  /**
   * How long a new instance may take to load the model before Cloud Run gives up on it: at most 8 minutes (startup
   * probe: up to 240 s of initial delay, then up to 240 s of probing).
   * @default 8 minutes
   */
  readonly startupTimeout?: DurationLike;
  /**
   * The CUDA version of `image` (`major.minor`): Cloud Run's L4 driver (535, CUDA 12.2) runs CUDA 12.x images by
   * minor-version compatibility, and a CUDA 13 image only with CUDA's forward-compatibility package (vLLM's image
   * leaves it off), so a CUDA 13 image is refused.
   * @default 12.9 for the image built from inference-container/; for an `image` you pass, unknown (not checked)
   */
  readonly imageCudaVersion?: string;
  /**
   * Who may reach the service over the network. Callers still need `roles/run.invoker`.
   * @default 'INGRESS_TRAFFIC_ALL' (reachable from anywhere, IAM-authenticated)
   */
  readonly ingress?: CloudRunIngress;
  /**
   * IAM members granted `roles/run.invoker` on this service, e.g. `serviceAccount:app@p.iam.gserviceaccount.com`.
   * `allUsers` and `allAuthenticatedUsers` are refused. More can be added with `grantInvoke()`.
   * @default none
   */
  readonly invokers?: readonly string[];
  /**
   * Where the weights come from: a Cloud Storage bucket mounted read-only as a Cloud Storage volume (second-generation
   * execution environment), or Hugging Face. From Hugging Face every cold start downloads ~17 GB into the in-memory
   * filesystem and quantizes, which is estimated to overrun Cloud Run's 480 s start window: synth warns.
   * @default ModelWeights.fromNewStore() — a bucket created here, read by the service account alone
   */
  readonly weights?: ModelWeights;
  /**
   * Make Terraform refuse to delete the service.
   * @default false (the service holds no data; `cdktf destroy` removes it)
   */
  readonly deletionProtection?: boolean;
}

/** What every Cloud Run detector service offers, whether defined here or imported. */
export interface ICloudRunDetectorService {
  readonly project: string;
  readonly region: string;
  /** The Cloud Run service's name. */
  readonly serviceName: string;
  /** `https://<service>-<hash>.<region>.run.app`. */
  readonly url: string;
  /** `<url>/predict`: POST `{"instances": [{"image_base64": "..."}]}` with an identity token. */
  readonly predictUrl: string;
  /** Lets `member` (e.g. `serviceAccount:app@p.iam.gserviceaccount.com`) call the service. */
  grantInvoke(member: string): CloudRunV2ServiceIamMember;
  /** A Cloud Monitoring filter for one of the service's `run.googleapis.com/*` metrics. */
  metricFilter(metric: string): string;
}

/** Attributes of a service defined elsewhere. */
export interface CloudRunDetectorServiceAttributes {
  readonly project: string;
  readonly region: string;
  readonly serviceName: string;
  /** The service's URL (`uri`). */
  readonly url: string;
}

export const INVOKER_ROLE = 'roles/run.invoker';
const PUBLIC_MEMBERS = ['allUsers', 'allAuthenticatedUsers'];
const MEMBER = /^(user|serviceAccount|group|domain):\S+$|^principal(Set)?:\/\/\S+$/;

/** Why `member` cannot be granted invoke, or undefined. */
export function invokerProblem(member: string): string | undefined {
  if (PUBLIC_MEMBERS.includes(member)) {
    return (
      'public access is refused: every request runs on a GPU and the detector has no authentication of its own. ' +
      'Grant specific members, e.g. "serviceAccount:app@my-project.iam.gserviceaccount.com" or ' +
      '"group:forms@example.com", and call with an identity token'
    );
  }
  if (!MEMBER.test(member)) {
    return 'use an IAM member: "user:…", "serviceAccount:…", "group:…", "domain:…" or a "principal://…" identifier';
  }
  return undefined;
}

/** grantInvoke() and the metric helpers, shared by defined and imported services. */
export abstract class CloudRunDetectorServiceBase extends Construct implements ICloudRunDetectorService {
  abstract readonly project: string;
  abstract readonly region: string;
  abstract readonly serviceName: string;
  abstract readonly url: string;
  private readonly grants = new Map<string, CloudRunV2ServiceIamMember>();

  get predictUrl(): string {
    return `${this.url}${CONTAINER_ROUTES.vertexPredict}`;
  }

  /**
   * Grants `member` `roles/run.invoker` on this service only (`google_cloud_run_v2_service_iam_member`).
   * Throws for `allUsers` / `allAuthenticatedUsers`: the service is never public.
   */
  grantInvoke(member: string): CloudRunV2ServiceIamMember {
    if (!Token.isUnresolved(member)) {
      const problem = invokerProblem(member);
      if (problem) throw new Error(`${this.node.path}: grantInvoke(${JSON.stringify(member)}): ${problem}`);
    }
    const existing = this.grants.get(member);
    if (existing) return existing;
    const grant = new CloudRunV2ServiceIamMember(this, `InvokeGrant${this.grants.size}`, {
      project: this.project,
      location: this.region,
      name: this.serviceName,
      role: INVOKER_ROLE,
      member,
    });
    this.grants.set(member, grant);
    return grant;
  }

  metricFilter(metric: string): string {
    const type = metric.includes('.googleapis.com/') ? metric : `run.googleapis.com/${metric}`;
    return (
      `metric.type="${type}" AND resource.type="cloud_run_revision" ` +
      `AND resource.labels.service_name="${this.serviceName}" AND resource.labels.location="${this.region}"`
    );
  }

  /** Requests served, by response code class. */
  metricRequestCount(): string {
    return this.metricFilter('request_count');
  }

  /** Request latency (ms distribution), including waits for a cold start. */
  metricRequestLatencies(): string {
    return this.metricFilter('request_latencies');
  }

  /** Instances by state (active, idle): zero while the service idles. */
  metricInstanceCount(): string {
    return this.metricFilter('container/instance_count');
  }
}

class ImportedCloudRunDetectorService extends CloudRunDetectorServiceBase {
  readonly project: string;
  readonly region: string;
  readonly serviceName: string;
  readonly url: string;
  constructor(scope: Construct, id: string, attrs: CloudRunDetectorServiceAttributes) {
    super(scope, id);
    this.project = attrs.project;
    this.region = attrs.region;
    this.serviceName = attrs.serviceName;
    this.url = attrs.url;
  }
}

/**
 * The form detector on Cloud Run with one NVIDIA L4 per instance, scaling to zero when idle: the on-demand
 * alternative to the always-on Vertex AI endpoint. Fully declarative (`google_cloud_run_v2_service`): a config change
 * rolls out a new revision in place.
 *
 * Declares the `run`, `iam` (and `artifactregistry`) project services, the Artifact Registry repository for the image
 * and the serving service account (shared with the Vertex construct), the service with the GPU, instance-based
 * billing, startup and liveness probes on the container's health routes, and `roles/run.invoker` for the given
 * members only.
 */
export class CloudRunGpuDetectorService extends CloudRunDetectorServiceBase {
  /** A service deployed elsewhere, for grantInvoke() and metrics. */
  static fromServiceAttributes(
    scope: Construct,
    id: string,
    attrs: CloudRunDetectorServiceAttributes,
  ): ICloudRunDetectorService & CloudRunDetectorServiceBase {
    return new ImportedCloudRunDetectorService(scope, id, attrs);
  }

  readonly project: string;
  readonly region: string;
  /** The service's name (a reference to the resource, so grants depend on it). */
  readonly serviceName: string;
  readonly url: string;
  /** The `google_cloud_run_v2_service`. */
  readonly service: CloudRunV2Service;
  /** The Artifact Registry repository, unless an existing image was given. */
  readonly repository?: ArtifactRegistryRepository;
  /** The serving service account, unless an existing one was given. */
  readonly serviceAccount?: ServiceAccount;
  /** Email of the service account the container runs as. */
  readonly serviceAccountEmail: string;
  /** Project services enabled for the service, by service name. */
  readonly services: Readonly<Record<string, ProjectService>>;
  /** The image the service runs. */
  readonly imageUri: string;
  /** `<region>-docker.pkg.dev/<project>/<repository>`, when the repository is created here. */
  readonly repositoryUrl?: string;
  /** Where to `docker push` the image built from inference-container/, when the repository is created here. */
  readonly dockerPushTarget?: string;
  readonly deployment: DetectorDeployment;
  readonly scaling: ScalingSpec;
  /** The service's request timeout, seconds: the container's deadline + a margin. */
  readonly requestTimeoutSeconds: number;
  /** What is deployed and what it costs (also recorded on the service resource in the synthesized JSON). */
  readonly summary: DeploymentSummary;
  /** Where the weights come from (bucket, prefix, grants). */
  readonly weights: ModelWeightsConfig;

  constructor(scope: Construct, id: string, props: CloudRunGpuDetectorServiceProps) {
    super(scope, id);
    const errors = new ValidationErrors(`CloudRunGpuDetectorService '${this.node.path}'`, (v) => Token.isUnresolved(v));
    validateServingProps(props, errors, { googleRegistryOnly: false, sameRegion: false, noun: 'service' });
    const resolved = validate(props, errors);
    const instance = cloudRunGpuInstance(resolved.cpu, resolved.memoryGiB);
    this.deployment = resolveDeployment(instance, props, CLOUD_RUN_PLATFORM_LIMITS, errors, 'accelerator');
    if (!this.deployment.sizing.fits) {
      errors.add(
        'accelerator',
        props.accelerator ?? 'nvidia-l4',
        'Cloud Run offers one L4 (24 GB) per instance: for a larger GPU use the always-on mode ' +
          "(VertexDetectorEndpoint with machineType 'a2-highgpu-1g')",
      );
    }
    const weightsGiven = props.weights ?? ModelWeights.fromNewStore();
    if (weightsGiven.kind === 'huggingface') validateMemoryForDownload(this.deployment, resolved.memoryGiB, errors);
    this.scaling = resolveScaling(
      { ...props.scaling, minCapacity: props.scaling?.minCapacity ?? (resolved.scaleToZero ? 0 : 1) },
      { maxConcurrency: this.deployment.maxConcurrency, allowZero: true },
      errors,
    );
    errors.throwIfAny();

    this.project = props.project;
    this.region = props.region;
    const labels = { ...DEFAULT_LABELS, ...(props.labels ?? {}) };
    const name = props.serviceName ?? resourceName(this.node.path, { maxLength: 49, lowercase: true });

    const services: Record<string, ProjectService> = {
      'run.googleapis.com': enableService(this, 'RunService', this.project, 'run.googleapis.com'),
      'iam.googleapis.com': enableService(this, 'IamService', this.project, 'iam.googleapis.com'),
    };
    if (props.image === undefined) {
      services['artifactregistry.googleapis.com'] = enableService(
        this,
        'ArtifactRegistryService',
        this.project,
        'artifactregistry.googleapis.com',
      );
    }
    this.services = services;
    const image = servingImage(this, props, labels, services['artifactregistry.googleapis.com']);
    this.repository = image.repository;
    this.repositoryUrl = image.repositoryUrl;
    this.dockerPushTarget = image.dockerPushTarget;
    this.imageUri = image.imageUri;

    const identity = servingIdentity(this, props, {
      description: 'Runs the form detector container on Cloud Run: writes logs and metrics, reads its image.',
      repository: this.repository,
      iamService: services['iam.googleapis.com'],
    });
    this.serviceAccount = identity.serviceAccount;
    this.serviceAccountEmail = identity.email;
    this.weights = weightsGiven.bind(this, {
      project: this.project,
      region: this.region,
      labels,
      member: this.serviceAccount?.member,
      access: { mountPath: WEIGHTS_MOUNT_PATH },
    });
    const store = this.weights.source.kind === 'store' ? this.weights : undefined;
    const coldStart = coldStartFor('cloudRunGpu', this.weights.source);

    this.requestTimeoutSeconds = Math.ceil(this.deployment.requestTimeoutMs / 1000) + REQUEST_TIMEOUT_MARGIN_SECONDS;
    const startup = resolved.startupProbe;
    // The longest Cloud Run waits for an instance to start, against the cold start the weights source implies. From
    // Hugging Face it is a warning, not a refusal: the estimate rests on an unverified download rate, and the user
    // chose Hugging Face.
    const startWindow: StartWindow = {
      seconds: startup.initialDelaySeconds + startup.failureThreshold * STARTUP_PROBE_PERIOD_SECONDS,
      coldStart,
      remedy:
        this.weights.source.kind === 'huggingface'
          ? `~${huggingFaceDownloadGiB(this.deployment).toFixed(0)} GiB are downloaded, then quantized, at every ` +
            'start: stage the weights in Cloud Storage instead — weights: ModelWeights.fromNewStore() (the ' +
            'default) or ModelWeights.fromCloudStorage(...)'
          : 'use the always-on Vertex AI mode, or a smaller model',
    };
    const startWindowProblem = startWindowWarning(startWindow);
    if (startWindowProblem) Annotations.of(this).addWarning(startWindowProblem);
    this.service = new CloudRunV2Service(this, 'Resource', {
      project: this.project,
      location: this.region,
      name,
      description: `Form-field detector (${this.deployment.baseModel}) on Cloud Run with one NVIDIA L4`,
      labels,
      ingress: props.ingress ?? 'INGRESS_TRAFFIC_ALL',
      // Callers need roles/run.invoker: the IAM check stays on.
      invokerIamDisabled: false,
      deletionProtection: props.deletionProtection ?? false,
      template: {
        serviceAccount: this.serviceAccountEmail,
        labels,
        nodeSelector: { accelerator: props.accelerator ?? 'nvidia-l4' },
        gpuZonalRedundancyDisabled: !(props.zonalRedundancy ?? false),
        scaling: {
          minInstanceCount: this.scaling.minCapacity,
          maxInstanceCount: this.scaling.maxCapacity,
        },
        // Cloud Run sends an instance at most what the container runs at once; the rest wait for or start instances.
        maxInstanceRequestConcurrency: this.deployment.maxConcurrency,
        timeout: `${this.requestTimeoutSeconds}s`,
        // Cloud Storage volumes (Cloud Storage FUSE) need the second-generation execution environment.
        ...(store
          ? {
              executionEnvironment: WEIGHTS_PLATFORM_LIMITS.cloudRunGcsVolumeExecutionEnvironment,
              volumes: [{ name: WEIGHTS_VOLUME, gcs: { bucket: store.bucket ?? '', readOnly: true } }],
            }
          : {}),
        containers: [
          {
            name: 'detector',
            image: this.imageUri,
            ports: { containerPort: CONTAINER_PORT, name: 'http1' },
            env: [
              ...Object.entries(containerEnvironment(this.deployment, this.weights.source)).map(([envName, value]) => ({
                name: envName,
                value,
              })),
              // The token as a Secret Manager reference: Cloud Run resolves it at start, it never sits in the config.
              ...(this.weights.tokenSecret
                ? [
                    {
                      name: 'HF_TOKEN',
                      valueSource: { secretKeyRef: { secret: this.weights.tokenSecret, version: 'latest' } },
                    },
                  ]
                : []),
            ],
            ...(store ? { volumeMounts: [{ name: WEIGHTS_VOLUME, mountPath: WEIGHTS_MOUNT_PATH }] } : {}),
            resources: {
              limits: { cpu: String(resolved.cpu), memory: `${resolved.memoryGiB}Gi`, 'nvidia.com/gpu': '1' },
              // A GPU needs instance-based billing: CPU stays allocated for the instance's whole life.
              cpuIdle: false,
              startupCpuBoost: true,
            },
            // Ready only when vLLM has loaded the model and the adapter; until then no traffic reaches the instance.
            startupProbe: {
              httpGet: { path: CONTAINER_ROUTES.azureReadiness, port: CONTAINER_PORT },
              initialDelaySeconds: startup.initialDelaySeconds,
              periodSeconds: STARTUP_PROBE_PERIOD_SECONDS,
              timeoutSeconds: STARTUP_PROBE_TIMEOUT_SECONDS,
              failureThreshold: startup.failureThreshold,
            },
            // After start-up, restart only an instance whose controller stopped answering.
            livenessProbe: {
              httpGet: { path: CONTAINER_ROUTES.azureLiveness, port: CONTAINER_PORT },
              ...LIVENESS_PROBE,
            },
          },
        ],
      },
      dependsOn: [
        ...Object.values(services),
        ...identity.projectGrants,
        ...identity.repositoryGrants,
        ...this.weights.grants,
        ...(this.repository ? [this.repository] : []),
      ],
    });
    this.serviceName = this.service.name;
    this.url = this.service.uri;

    this.summary = summarizeDeployment({
      service: 'Cloud Run GPU service',
      endpoint: name,
      mode: 'on-demand',
      deployment: this.deployment,
      scaling: this.summarizedScaling(),
      // With warm instances there is no wait from zero; scale-out beyond them still starts cold.
      coldStart: this.scaling.minCapacity === 0 ? coldStart : undefined,
      weights: this.weights.source,
      startWindow,
    });
    this.service.addOverride(`//.${SUMMARY_METADATA_KEY}`, this.summary);
    if (resolved.imageRecord) this.service.addOverride(`//.${IMAGE_METADATA_KEY}`, resolved.imageRecord);

    for (const member of props.invokers ?? []) this.grantInvoke(member);
  }

  /** The scaling the cost summary can price: capacities known only at deploy time are estimated, with a warning. */
  private summarizedScaling(): ScalingSpec {
    const known = (n: number) => !Token.isUnresolved(n);
    if (known(this.scaling.minCapacity) && known(this.scaling.maxCapacity)) return this.scaling;
    const minCapacity = known(this.scaling.minCapacity) ? this.scaling.minCapacity : 0;
    const maxCapacity = known(this.scaling.maxCapacity)
      ? this.scaling.maxCapacity
      : Math.max(SCALING_DEFAULTS.maxCapacity, minCapacity);
    Annotations.of(this).addWarning(
      `The capacity is known only at deploy time: the cost summary assumes min ${minCapacity}, max ${maxCapacity}.`,
    );
    return { ...this.scaling, minCapacity, maxCapacity };
  }
}

/** The startup probe's initial delay and failure threshold for a start-up budget (seconds). */
export function startupProbeTiming(startupTimeoutSeconds: number): {
  initialDelaySeconds: number;
  failureThreshold: number;
} {
  const window = Math.min(startupTimeoutSeconds, CLOUD_RUN_GPU_LIMITS.maxStartupProbeWindowSeconds);
  return {
    initialDelaySeconds: startupTimeoutSeconds - window,
    failureThreshold: Math.ceil(window / STARTUP_PROBE_PERIOD_SECONDS),
  };
}

interface ResolvedProps {
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly scaleToZero: boolean;
  readonly startupTimeoutSeconds: number;
  readonly startupProbe: { readonly initialDelaySeconds: number; readonly failureThreshold: number };
  /** The image's CUDA as the synthesized output records it; undefined when unknown. */
  readonly imageRecord?: ImageRecord;
}

/** The props' own rules (the model and scaling rules are core's); records every problem. */
function validate(props: CloudRunGpuDetectorServiceProps, errors: ValidationErrors): ResolvedProps {
  if (props.region && !Token.isUnresolved(props.region)) {
    errors.rule('region', CLOUD_RUN_GPU_REGION, { region: props.region });
  }
  errors.check(
    'serviceName',
    props.serviceName,
    (v) => /^[a-z]([a-z0-9-]{0,47}[a-z0-9])?$/.test(v),
    'use lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen, at most 49 characters',
  );
  errors.check(
    'accelerator',
    props.accelerator as string | undefined,
    (v) => v === 'nvidia-l4',
    "use 'nvidia-l4' (the only Cloud Run GPU in the catalog)",
  );

  const cpu = props.cpu ?? DEFAULT_CPU;
  const memoryGiB = props.memoryGiB ?? DEFAULT_MEMORY_GIB;
  if (errors.isKnown(cpu) && errors.isKnown(memoryGiB)) {
    errors.rule('', CLOUD_RUN_GPU_RESOURCES, { cpu, memoryGiB });
  }

  const scaleToZero = props.scaleToZero ?? true;
  const minCapacity = props.scaling?.minCapacity;
  if (scaleToZero && minCapacity !== undefined && errors.isKnown(minCapacity) && minCapacity > 0) {
    errors.add(
      'scaling.minCapacity',
      minCapacity,
      'scaleToZero (the default) idles at zero instances, which contradicts a minimum above 0: leave minCapacity ' +
        'out (or 0), or set scaleToZero: false to keep instances warm',
    );
  }
  if (props.scaleToZero === false && minCapacity === 0) {
    errors.add(
      'scaleToZero',
      false,
      'with scaling.minCapacity 0 the service still scales to zero: set minCapacity to 1 or more, or leave ' +
        'scaleToZero out',
    );
  }
  const s = props.scaling ?? {};
  if (s.targetConcurrencyPerInstance !== undefined) {
    errors.add(
      'scaling.targetConcurrencyPerInstance',
      s.targetConcurrencyPerInstance,
      'Cloud Run scales on requests in flight against the container concurrency (maxConcurrency), with no target ' +
        'of its own: leave it out and set maxConcurrency instead',
    );
  }
  for (const name of ['scaleOutCooldown', 'scaleInCooldown'] as const) {
    if (s[name] !== undefined) {
      errors.add(`scaling.${name}`, s[name], 'Cloud Run autoscaling has no cooldown setting: leave it out');
    }
  }

  const startupTimeoutSeconds = errors.wholeSeconds(
    'startupTimeout',
    props.startupTimeout,
    DEFAULT_STARTUP_TIMEOUT_SECONDS,
  );
  errors.check(
    'startupTimeout',
    props.startupTimeout,
    () =>
      !errors.isKnown(startupTimeoutSeconds) ||
      (startupTimeoutSeconds >= MIN_STARTUP_TIMEOUT_SECONDS &&
        startupTimeoutSeconds <= DEFAULT_STARTUP_TIMEOUT_SECONDS),
    `use ${MIN_STARTUP_TIMEOUT_SECONDS} s to ${DEFAULT_STARTUP_TIMEOUT_SECONDS / 60} minutes: Cloud Run's startup ` +
      `probe allows at most ${CLOUD_RUN_GPU_LIMITS.maxStartupInitialDelaySeconds} s of initial delay plus ` +
      `${CLOUD_RUN_GPU_LIMITS.maxStartupProbeWindowSeconds} s of probing [${CLOUD_RUN_STARTUP_INITIAL_DELAY.id}, ` +
      `${CLOUD_RUN_STARTUP_WINDOW.id}]. For a slower load, bake the weights into the image (baseModel: a local ` +
      'directory) or use the always-on Vertex AI mode',
  );
  const startupProbe = startupProbeTiming(
    Math.min(Math.max(startupTimeoutSeconds, MIN_STARTUP_TIMEOUT_SECONDS), DEFAULT_STARTUP_TIMEOUT_SECONDS),
  );
  // The probes as synthesized, against Cloud Run's own rules (preflight checks the same on the output).
  const startupInput = { ...startupProbe, periodSeconds: STARTUP_PROBE_PERIOD_SECONDS };
  errors.rule('startupTimeout', CLOUD_RUN_STARTUP_INITIAL_DELAY, startupInput);
  errors.rule('startupTimeout', CLOUD_RUN_STARTUP_WINDOW, startupInput);
  errors.rule('startupTimeout', CLOUD_RUN_PROBE_TIMEOUT, {
    probe: 'startupProbe',
    periodSeconds: STARTUP_PROBE_PERIOD_SECONDS,
    timeoutSeconds: STARTUP_PROBE_TIMEOUT_SECONDS,
  });

  // The GPU driver: Cloud Run's L4 driver must run the image's CUDA.
  const imageCuda = props.imageCudaVersion ?? (props.image === undefined ? PINNED_IMAGE_CUDA : undefined);
  let imageRecord: ImageRecord | undefined;
  if (imageCuda !== undefined && errors.isKnown(imageCuda)) {
    const problem = cudaVersionProblem(imageCuda);
    if (problem) {
      errors.add('imageCudaVersion', imageCuda, problem);
    } else {
      imageRecord = {
        cudaVersion: imageCuda,
        cudaVersionFrom: props.imageCudaVersion === undefined ? 'pinned' : 'declared',
      };
      errors.rule(props.imageCudaVersion === undefined ? 'image' : 'imageCudaVersion', CLOUD_RUN_DRIVER_RUNS_IMAGE, {
        driver: CLOUD_RUN_L4_DRIVER,
        imageCuda,
        host: `Cloud Run's L4 driver`,
        remedy:
          'serve a CUDA 12.x build of the image (vllm/vllm-openai tags without -cu130 up to v0.19), or use Vertex AI',
      });
    }
  }

  errors.check(
    'ingress',
    props.ingress as string | undefined,
    (v) => (INGRESS_VALUES as readonly string[]).includes(v),
    `use one of ${INGRESS_VALUES.join(', ')}`,
  );
  (props.invokers ?? []).forEach((member, i) => {
    if (Token.isUnresolved(member)) return;
    const problem = invokerProblem(member);
    if (problem) errors.add(`invokers[${i}]`, member, problem);
  });
  return { cpu, memoryGiB, scaleToZero, startupTimeoutSeconds, startupProbe, imageRecord };
}

/**
 * Cloud Run's filesystem is in memory: a base model downloaded from Hugging Face at start-up (16-bit safetensors,
 * quantized only when loaded) must fit in the instance memory next to the processes.
 */
function validateMemoryForDownload(deployment: DetectorDeployment, memoryGiB: number, errors: ValidationErrors): void {
  if (!errors.isKnown(memoryGiB) || !Number.isFinite(memoryGiB)) return;
  if (deployment.baseModel.startsWith('/') || deployment.baseModel.startsWith('.')) return;
  const m = deployment.model;
  const downloadGiB = ((m.quantizableParamsB + m.unquantizedParamsB + m.visionParamsB) * 1e9 * 2) / 1024 ** 3;
  const needed = Math.ceil(downloadGiB + PROCESS_MEMORY_GIB);
  if (memoryGiB < needed) {
    const raise =
      needed <= CLOUD_RUN_GPU_LIMITS.maxMemoryGiB
        ? `use memoryGiB ≥ ${needed} (with cpu ${CLOUD_RUN_GPU_LIMITS.minCpuForMemory(needed)} or more), or bake `
        : `that is more than Cloud Run's ${CLOUD_RUN_GPU_LIMITS.maxMemoryGiB} GiB: bake `;
    errors.add(
      'memoryGiB',
      memoryGiB,
      `the base model ${deployment.baseModel} is downloaded at start-up into Cloud Run's in-memory filesystem ` +
        `(~${downloadGiB.toFixed(1)} GiB of 16-bit weights) and needs about ${needed} GiB with the processes: ` +
        `${raise}the weights into the image and set baseModel to their directory`,
    );
  }
}
