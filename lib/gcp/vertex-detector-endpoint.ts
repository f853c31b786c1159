import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository';
import type { ProjectService } from '@cdktf/provider-google/lib/project-service';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { VertexAiEndpoint } from '@cdktf/provider-google/lib/vertex-ai-endpoint';
import { Annotations, App, DataResource, Fn, TerraformLocal, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import {
  CONTAINER_ENV,
  CONTAINER_PORT,
  CONTAINER_ROUTES,
  containerEnvironment,
  IMAGE_METADATA_KEY,
  PINNED_IMAGE_RECORD,
  resourceName,
  summarizeDeployment,
  SUMMARY_METADATA_KEY,
  type DeploymentSummary,
  type DetectorDeployment,
  type ScalingSpec,
} from '../core';
import { vertexDeployCommand, vertexDeployScriptPath } from './deploy-command';
import type { ModelWeightsConfig } from './model-weights';
import { DEFAULT_LABELS, enableService, servingIdentity, servingImage } from './serving-resources';
import {
  DUTY_CYCLE_METRIC,
  VERTEX_DEPLOY_CONFIG_ENV,
  VERTEX_DEPLOY_CONFIG_VERSION,
  type VertexDeployConfig,
} from './vertex-deploy-config';
import {
  ImportedVertexDetectorEndpoint,
  predictUrl,
  VertexDetectorEndpointBase,
  type IVertexDetectorEndpoint,
  type VertexDetectorEndpointAttributes,
} from './vertex-detector-endpoint-base';
import type { VertexDetectorEndpointProps } from './vertex-detector-endpoint-props';
import { validateVertexProps, type ProbeSeconds } from './vertex-validation';

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
    const resolved = validateVertexProps(this.node.path, props, props.weights?.storeCreatedWith(this));
    const instance = resolved.instance;
    this.deployment = resolved.deployment;
    this.scaling = resolved.scaling;

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
    const grants = identity.projectGrants;
    const repoGrants = identity.repositoryGrants;
    this.weights = resolved.weights.bind(this, {
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

    const deploymentTimeoutSeconds = resolved.modelLoadTimeoutSeconds;
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

/** A stable 10-digit id with no leading zero, from the project, region and construct path. */
export function defaultEndpointId(project: string, region: string, path: string): string {
  const digest = createHash('sha256').update(`${project}\0${region}\0${path}`).digest();
  return String(1_000_000_000n + (digest.readBigUInt64BE(0) % 9_000_000_000n));
}

function defaultSharedMemoryMiB(memoryGiB: number): number {
  return Math.min(16_384, Math.floor((memoryGiB * 1024) / 4));
}
