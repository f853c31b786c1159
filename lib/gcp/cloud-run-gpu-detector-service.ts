import type { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository';
import { CloudRunV2Service } from '@cdktf/provider-google/lib/cloud-run-v2-service';
import type { ProjectService } from '@cdktf/provider-google/lib/project-service';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { DataGoogleStorageBucketObjects } from '@cdktf/provider-google/lib/data-google-storage-bucket-objects';
import { Annotations, Fn, Op, Token } from 'cdktf';
import type { Construct } from 'constructs';
import {
  CLOUD_RUN_GCS_VOLUME_EXECUTION_ENVIRONMENT,
  CONTAINER_PORT,
  CONTAINER_ROUTES,
  coldStartFor,
  containerEnvironment,
  CLOUD_RUN_REQUEST_TIMEOUT_MARGIN_SECONDS,
  cloudRunStartWindow,
  IMAGE_METADATA_KEY,
  resourceName,
  SCALING_DEFAULTS,
  stagingCommandsFor,
  startWindowWarning,
  summarizeDeployment,
  SUMMARY_METADATA_KEY,
  WEIGHTS_MOUNT_PATH,
  type DeploymentSummary,
  type DetectorDeployment,
  type ScalingSpec,
} from '../core';
import {
  CloudRunDetectorServiceBase,
  ImportedCloudRunDetectorService,
  type CloudRunDetectorServiceAttributes,
  type ICloudRunDetectorService,
} from './cloud-run-detector-service-base';
import { CLOUD_RUN_DEFAULTS, validateCloudRunProps } from './cloud-run-validation';
import type { ModelWeightsConfig } from './model-weights';
import type { CloudRunGpuDetectorServiceProps } from './cloud-run-gpu-detector-service-props';
import { DEFAULT_LABELS, enableService, servingIdentity, servingImage } from './serving-resources';

/** The name of the Cloud Storage volume that holds the weights. */
const WEIGHTS_VOLUME = 'model-weights';

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
  /**
   * The plan-time read of a ModelWeightsStore's `config.json` that the service's precondition checks; undefined for
   * other weights.
   */
  readonly weightsStagedCheck?: DataGoogleStorageBucketObjects;

  constructor(scope: Construct, id: string, props: CloudRunGpuDetectorServiceProps) {
    super(scope, id);
    const resolved = validateCloudRunProps(this.node.path, props, props.weights?.storeCreatedWith(this));
    this.deployment = resolved.deployment;
    this.scaling = resolved.scaling;

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
    this.weights = resolved.weights.bind(this, {
      project: this.project,
      region: this.region,
      labels,
      member: this.serviceAccount?.member,
      access: { mountPath: WEIGHTS_MOUNT_PATH },
    });
    const store = this.weights.source.kind === 'store' ? this.weights : undefined;
    // Weights in a ModelWeightsStore: the plan stops, with the staging commands, while config.json is not there, so
    // Cloud Run never starts a revision against an empty store (rule weights.store-staged-before-start).
    const marker = this.weights.stagedMarker;
    this.weightsStagedCheck = marker
      ? new DataGoogleStorageBucketObjects(this, 'WeightsStaged', { bucket: marker.bucket, matchGlob: marker.object })
      : undefined;
    const coldStart = coldStartFor('cloudRunGpu', this.weights.source);

    this.requestTimeoutSeconds =
      Math.ceil(this.deployment.requestTimeoutMs / 1000) + CLOUD_RUN_REQUEST_TIMEOUT_MARGIN_SECONDS;
    const startup = resolved.startupProbe;
    // The longest Cloud Run waits for an instance to start, against the cold start the weights source implies
    // (rule cloud-run.start-window: a warning, since the estimate rests on an unverified download rate).
    const startWindow = cloudRunStartWindow(
      { ...resolved.startupProbe, periodSeconds: CLOUD_RUN_DEFAULTS.startupProbe.periodSeconds },
      this.weights.source,
      this.deployment,
    );
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
              executionEnvironment: CLOUD_RUN_GCS_VOLUME_EXECUTION_ENVIRONMENT,
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
              ...CLOUD_RUN_DEFAULTS.startupProbe,
              failureThreshold: startup.failureThreshold,
            },
            // After start-up, restart only an instance whose controller stopped answering.
            livenessProbe: {
              httpGet: { path: CONTAINER_ROUTES.azureLiveness, port: CONTAINER_PORT },
              ...CLOUD_RUN_DEFAULTS.livenessProbe,
            },
          },
        ],
      },
      ...(this.weightsStagedCheck && this.weights.source.kind === 'store'
        ? {
            lifecycle: {
              precondition: [
                {
                  condition: Op.gte(Fn.lengthOf(this.weightsStagedCheck.bucketObjects), 1),
                  errorMessage:
                    `The weights are not staged: gs://${marker?.bucket}/${marker?.object} does not exist, and Cloud ` +
                    'Run would start the revision against an empty store. Stage them, then deploy again: ' +
                    stagingCommandsFor(this.weights.source, this.deployment).join(' && '),
                },
              ],
            },
          }
        : {}),
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
