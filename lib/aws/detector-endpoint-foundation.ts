import { ArnFormat, Stack, Token, type Size } from 'aws-cdk-lib/core';
import { Effect, PolicyStatement, Role, ServicePrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import { CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import type { Construct } from 'constructs';
import {
  awsInstance,
  AWS_INSTANCES,
  containerEnvironment,
  cudaVersionProblem,
  DEFAULT_AWS_INSTANCE_TYPE,
  IMAGE_METADATA_KEY,
  PLATFORM_LIMITS,
  resolveDeployment,
  SAGEMAKER_ENDPOINT_NAME,
  resolveScaling,
  type DetectorDeployment,
  type DetectorModelOptions,
  type GpuInstance,
  type ImageRecord,
  type ScalingOptions,
  type ScalingSpec,
  type ValidationErrors,
} from '../core';
import { SAGEMAKER_INSTANCE_NAMESPACE } from './detector-endpoint-base';
import { DetectorImage } from './detector-image';
import { checkAlarmOptions } from './endpoint-alarms';
import { ModelWeights, type ModelWeightsConfig } from './model-weights';
import { acknowledgeFinding, iamWildcardFindingId } from './nag-acknowledgements';
import { checkEnvironment, checkInferenceAmi, checkStorage, checkTimeout } from './sagemaker-limits';
import type { SageMakerDetectorEndpointBaseProps } from './sagemaker-endpoint-props';

/**
 * What both SageMaker endpoint modes (always-on and on-demand) share: the execution role, the weights, the
 * resolved deployment and the checked timeouts, storage and alarm options. Internal to lib/aws.
 */

/** Defaults sized for vLLM: download ~6 GB of weights, load them 4-bit, capture CUDA graphs, warm up the VL path. */
export const STARTUP_TIMEOUT_DEFAULTS = {
  modelLoadTimeoutSeconds: 1800,
  modelDataDownloadTimeoutSeconds: 1200,
} as const;

/** The props of either mode, with every default filled in and every rule checked (problems go to `errors`). */
export interface ResolvedEndpointProps {
  readonly role: IRole;
  /** Whether this construct created the role (then it acknowledges the role's cdk-nag findings). */
  readonly roleCreated: boolean;
  readonly weights: ModelWeightsConfig;
  /** The store the weights create in the same deploy, described (rule weights.store-staged-before-start), if any. */
  readonly sameDeployStore?: string;
  /** The image the model runs (the prop, or the one built from inference-container/). */
  readonly image: DetectorImage;
  /** What the synthesized output records about the image (its CUDA version). */
  readonly imageRecord: ImageRecord;
  /** The AMI every production variant names (InferenceAmiVersion). */
  readonly inferenceAmiVersion: string;
  readonly instance: GpuInstance;
  readonly deployment: DetectorDeployment;
  readonly scaling: ScalingSpec;
  readonly startupTimeoutSeconds: number;
  readonly downloadTimeoutSeconds: number;
  readonly volumeSizeGb?: number;
  readonly environment: Record<string, string>;
  readonly alarmsEnabled: boolean;
  readonly latencyThresholdMicros: number;
}

/**
 * Creates the execution role (id `Role`) unless one is given, binds the weights to it, and resolves and checks every
 * prop both modes share. The caller adds its own checks, then calls `errors.throwIfAny()`.
 */
export function resolveEndpointProps(
  scope: Construct,
  props: SageMakerDetectorEndpointBaseProps,
  errors: ValidationErrors,
  scalingOptions: ScalingOptions | undefined,
  allowZero: boolean,
  /** The weights when neither `weights` nor `modelData` is given. */
  defaultWeights: () => ModelWeights,
): ResolvedEndpointProps {
  const isUnresolved = (value: unknown): boolean => Token.isUnresolved(value);
  if (props.weights !== undefined && props.modelData !== undefined) {
    errors.add('modelData', 'a ModelWeights', 'modelData is the former name of weights: pass weights alone');
  }
  // The role comes first: binding the weights grants on it and tells where the container finds the model.
  const role = props.role ?? new Role(scope, 'Role', { assumedBy: new ServicePrincipal('sagemaker.amazonaws.com') });
  const given = props.weights ?? props.modelData ?? defaultWeights();
  const sameDeployStore = given.storeCreatedWith(scope);
  const weights = given.bind(scope, role);

  const requestedType = props.instanceType ?? DEFAULT_AWS_INSTANCE_TYPE;
  const found = awsInstance(requestedType);
  if (!found.ok) errors.add('instanceType', requestedType, found.problem);
  const instance = found.ok ? found.value : AWS_INSTANCES[DEFAULT_AWS_INSTANCE_TYPE];

  for (const key of ['baseModel', 'loraAdapter'] as const) {
    if (weights[key] !== undefined && props[key] !== undefined) {
      errors.add(
        key,
        props[key],
        `weights (ModelWeights.fromS3Prefix with ${key}Path) already places it at ${weights[key]}; leave ${key} ` +
          `out, or drop the ${key}Path option (then ${key} names the Hugging Face id the staging commands download)`,
      );
    }
  }
  const modelOptions: DetectorModelOptions = {
    ...props,
    baseModel: props.baseModel ?? weights.baseModel,
    loraAdapter: props.loraAdapter ?? weights.loraAdapter,
  };
  const deployment = resolveDeployment(instance, modelOptions, PLATFORM_LIMITS.sagemaker, errors);
  const scaling = resolveScaling(
    scalingOptions,
    { maxConcurrency: deployment.maxConcurrency, allowZero, prop: 'scaling' },
    errors,
  );
  errors.renamed(props, { containerStartupHealthCheckTimeout: 'modelLoadTimeout' });
  const startupTimeoutSeconds = checkTimeout(
    errors,
    'modelLoadTimeout',
    props.modelLoadTimeout,
    STARTUP_TIMEOUT_DEFAULTS.modelLoadTimeoutSeconds,
  );
  const downloadTimeoutSeconds = checkTimeout(
    errors,
    'modelDataDownloadTimeout',
    props.modelDataDownloadTimeout,
    STARTUP_TIMEOUT_DEFAULTS.modelDataDownloadTimeoutSeconds,
  );
  const volumeSizeGb = wholeGibibytes(errors, props.volumeSize);
  checkStorage(errors, instance, volumeSizeGb, props.encryptionKey !== undefined);
  if (props.endpointName !== undefined && !isUnresolved(props.endpointName)) {
    errors.rule('endpointName', SAGEMAKER_ENDPOINT_NAME, { name: props.endpointName });
  }
  const environment = { ...containerEnvironment(deployment, weights.source), ...weights.environment };
  checkEnvironment(errors, environment);

  // The GPU driver: the AMI's must run the image's CUDA (SageMaker's default AMI on g4dn/g5/p4d cannot).
  const image = props.image ?? DetectorImage.fromSource();
  const imageCuda = image.cudaVersion;
  if (imageCuda === undefined) {
    errors.add(
      'image',
      'a vLLM base image changed by build args (VLLM_IMAGE / VLLM_VERSION)',
      "its CUDA version decides which GPU driver runs it: pass cudaVersion, e.g. DetectorImage.fromSource({ buildArgs, cudaVersion: '12.9' })",
    );
  } else {
    const problem = cudaVersionProblem(imageCuda);
    if (problem) errors.add('image.cudaVersion', imageCuda, problem);
  }
  const cudaKnown = imageCuda !== undefined && cudaVersionProblem(imageCuda) === undefined;
  const inferenceAmiVersion = checkInferenceAmi(
    errors,
    props.inferenceAmiVersion,
    instance,
    cudaKnown ? imageCuda : undefined,
  );
  const latencyThresholdMicros = checkAlarmOptions(errors, props.alarms, deployment.requestTimeoutMs);
  return {
    role,
    roleCreated: props.role === undefined,
    weights,
    sameDeployStore,
    image,
    imageRecord: {
      cudaVersion: cudaKnown ? imageCuda : '',
      cudaVersionFrom: image.cudaVersionDeclared ? 'declared' : 'pinned',
    },
    inferenceAmiVersion,
    instance,
    deployment,
    scaling,
    startupTimeoutSeconds,
    downloadTimeoutSeconds,
    volumeSizeGb,
    environment,
    alarmsEnabled: props.alarms?.enabled ?? true,
    latencyThresholdMicros,
  };
}

/** Whole GiB of the volume size; a fraction is recorded under `volumeSize` (SageMaker takes whole GB). */
function wholeGibibytes(errors: ValidationErrors, size: Size | undefined): number | undefined {
  if (size === undefined) return undefined;
  try {
    return size.toGibibytes();
  } catch {
    errors.add('volumeSize', size, 'use a whole number of GiB, e.g. Size.gibibytes(100)');
    return undefined;
  }
}

/** A CloudWatch Logs group SageMaker writes the container's output to, and what it is named after. */
export interface SageMakerLogGroup {
  /** e.g. `/aws/sagemaker/Endpoints/<endpoint name>`; `*` in place of a name only known at deploy time. */
  readonly name: string;
  /** Why the group's name is a wildcard (cdk-nag acknowledgement), when it is. */
  readonly wildcardReason?: string;
  /** How SageMaker names the streams in the group, for the acknowledgement of the `log-stream:*` grant. */
  readonly streams: string;
}

/**
 * Binds the image (ECR pull on its repository), grants the role its logs and SageMaker's instance metrics,
 * acknowledges the wildcards that needs (only on a role created here), and creates the model (id `Model`).
 */
export function createDetectorModel(
  scope: Construct,
  resolved: ResolvedEndpointProps,
  logGroups: readonly SageMakerLogGroup[],
  metricNamespaces: readonly string[] = [SAGEMAKER_INSTANCE_NAMESPACE],
): CfnModel {
  const { role, weights } = resolved;
  const { imageUri } = resolved.image.bind(scope, role);
  const stack = Stack.of(scope);
  const grants = logGroups.map((group) => ({
    group,
    arn: stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: group.name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  }));
  for (const { arn } of grants) {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogGroup', 'logs:DescribeLogStreams'],
        resources: [arn],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${arn}:log-stream:*`],
      }),
    );
  }
  // PutMetricData has no resource-level permissions; the namespace condition is the scope.
  role.addToPrincipalPolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: {
        StringEquals: {
          'cloudwatch:namespace': metricNamespaces.length === 1 ? metricNamespaces[0] : metricNamespaces,
        },
      },
    }),
  );

  // The wildcards the execution role needs, acknowledged one by one with the reason (only on a role this
  // construct created: a role passed in is its owner's to review).
  if (resolved.roleCreated) {
    acknowledgeFinding(
      role,
      iamWildcardFindingId(scope, '*'),
      'AWS-mandated: ecr:GetAuthorizationToken and cloudwatch:PutMetricData have no resource-level permissions ' +
        `(Service Authorization Reference); PutMetricData is limited to the ${metricNamespaces.join(' and ')} ` +
        'namespace by a condition, and image pulls are limited to the image repository ARN.',
    );
    for (const { group, arn } of grants) {
      if (group.wildcardReason !== undefined) {
        acknowledgeFinding(role, iamWildcardFindingId(scope, arn), group.wildcardReason);
      }
      acknowledgeFinding(role, iamWildcardFindingId(scope, `${arn}:log-stream:*`), group.streams);
    }
    if (weights.readableObjectsArn !== undefined) {
      acknowledgeFinding(
        role,
        iamWildcardFindingId(scope, weights.readableObjectsArn),
        'Read-only s3:GetObject on the model weights prefix that SageMaker copies to /opt/ml/model (S3Prefix ' +
          'data source); the objects are the weight files under that prefix and nothing else in the bucket.',
      );
    }
  }

  const model = new CfnModel(scope, 'Model', {
    executionRoleArn: role.roleArn,
    primaryContainer: {
      image: imageUri,
      environment: resolved.environment,
      ...(weights.modelDataSource ? { modelDataSource: weights.modelDataSource } : {}),
    },
  });
  // SageMaker checks the role when it creates the model; its policy must exist by then.
  model.node.addDependency(role);
  // For `npm run preflight`: the image's CUDA, which the variant's AMI driver must run.
  model.addMetadata(IMAGE_METADATA_KEY, resolved.imageRecord);
  return model;
}

/** The endpoint's own log group: `/aws/sagemaker/Endpoints/<name>`, or every endpoint's when the name is generated. */
export function endpointLogGroup(endpointName: string | undefined): SageMakerLogGroup {
  return {
    name: `/aws/sagemaker/Endpoints/${endpointName ?? '*'}`,
    // The role must work before the endpoint exists (and so before a generated name is known).
    wildcardReason:
      endpointName === undefined
        ? "SageMaker writes to /aws/sagemaker/Endpoints/<endpoint name>; the name is generated by CloudFormation after the role's policy must exist, so the group is scoped to SageMaker endpoint log groups of this account and region. Set endpointName to scope it to one group."
        : undefined,
    streams:
      'SageMaker names one log stream per instance and container at run time (<variant>/<instance id>), so ' +
      "streams can only be granted inside the endpoint's log group by wildcard.",
  };
}

/** Application Auto Scaling's service-linked role for SageMaker endpoints; no role of ours to manage. */
export function scalingServiceLinkedRole(scope: Construct): IRole {
  return Role.fromRoleArn(
    scope,
    'ScalingRole',
    Stack.of(scope).formatArn({
      service: 'iam',
      region: '',
      resource: 'role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com',
      resourceName: 'AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
    }),
    { mutable: false },
  );
}
