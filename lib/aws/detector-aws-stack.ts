import { CfnOutput, Stack, Token, type StackProps } from 'aws-cdk-lib/core';
import { Repository } from 'aws-cdk-lib/aws-ecr';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import {
  containerSourceTag,
  DEPLOYMENT_MODE_ENV,
  resolveDeploymentMode,
  stagingCommandsFor,
  ValidationErrors,
  type AwsInstanceType,
  type DeploymentMode,
  type ScalingOptions,
} from '../core';
import { DetectorAwsWeightsStack } from './detector-aws-weights-stack';
import { DetectorImage } from './detector-image';
import { ModelWeights } from './model-weights';
import { SageMakerDetectorEndpoint, type SageMakerDetectorEndpointProps } from './sagemaker-detector-endpoint';
import type { SageMakerDetectorEndpointBaseProps } from './sagemaker-endpoint-props';
import {
  SageMakerOnDemandDetectorEndpoint,
  type SageMakerOnDemandDetectorEndpointProps,
} from './sagemaker-on-demand-detector-endpoint';

/**
 * CDK context keys DetectorAwsStack reads (`cdk deploy -c instanceType=ml.g4dn.xlarge`, or `context` in cdk.json).
 * A prop given in code wins over its context key.
 */
export const DETECTOR_AWS_CONTEXT = {
  /**
   * `always-on` (a real-time endpoint, min ≥ 1 instance) or `on-demand` (an inference component that scales to zero).
   * Without prop or context, the FORM_DETECTOR_MODE environment variable decides, as for every cloud's stack.
   */
  mode: 'mode',
  /** GPU instance type, e.g. `ml.g5.xlarge`. */
  instanceType: 'instanceType',
  /** Model profile: `8B` or `32B`. */
  modelProfile: 'modelProfile',
  /** `bitsandbytes`, `awq`, `gptq`, `fp8` or `none`. */
  quantization: 'quantization',
  /** Fewest instances (≥ 1 always-on; 0, the default, on-demand). */
  minCapacity: 'minCapacity',
  /** Most instances. */
  maxCapacity: 'maxCapacity',
  /** `s3://bucket/prefix/` holding uncompressed weights (the base model at the prefix, the adapter in adapter/). */
  modelS3Uri: 'modelS3Uri',
  /** Name of an existing ECR repository with CI-built images, instead of building from source. */
  imageRepository: 'imageRepository',
  /** Tag or digest in `imageRepository`; defaults to the content-hash tag of the container sources. */
  imageTag: 'imageTag',
  /** Fixed endpoint name. */
  endpointName: 'endpointName',
  /** Fixed inference component name (on-demand mode). */
  inferenceComponentName: 'inferenceComponentName',
} as const;

export interface DetectorAwsStackProps extends StackProps {
  /**
   * `always-on`: a SageMaker real-time endpoint that keeps at least one GPU instance running
   * (`SageMakerDetectorEndpoint`). `on-demand`: an inference component that scales to zero instances when idle and
   * wakes on the first request, after a cold start of several minutes (`SageMakerOnDemandDetectorEndpoint`).
   * @default the `mode` context key (`cdk deploy -c mode=on-demand`), else FORM_DETECTOR_MODE, else 'always-on'
   */
  readonly mode?: DeploymentMode;
  /**
   * The always-on endpoint's props (`SageMakerDetectorEndpoint`), used in that mode. Each one given here wins over
   * its context key.
   * @default context values, then the endpoint's own defaults
   */
  readonly alwaysOn?: SageMakerDetectorEndpointProps;
  /**
   * The on-demand endpoint's props (`SageMakerOnDemandDetectorEndpoint`), used in that mode. Each one given here
   * wins over its context key.
   * @default context values, then the endpoint's own defaults
   */
  readonly onDemand?: SageMakerOnDemandDetectorEndpointProps;
}

/**
 * The detector on SageMaker as a deployable stack: one `SageMakerDetectorEndpoint` (always-on) or
 * `SageMakerOnDemandDetectorEndpoint` (on-demand), configured by props or CDK context, with its name, ARN, invoke
 * URL, execution role and, on demand, the inference component name as outputs.
 *
 * Weights from a new store (`ModelWeights.fromNewStore()`, the on-demand default) go in a stack of their own,
 * `<id>Weights` (`weightsStack`, in the same environment), which this stack reads: the first deploy is
 * `cdk deploy <id>Weights`, the staging commands it outputs, then `cdk deploy <id>` (rule
 * weights.store-staged-before-start: an always-on endpoint starts its container at deploy). The staged weights also
 * outlive a `cdk destroy <id>`.
 */
export class DetectorAwsStack extends Stack {
  readonly endpoint: SageMakerDetectorEndpoint | SageMakerOnDemandDetectorEndpoint;
  readonly mode: DeploymentMode;
  /** The stack that holds the weights store, when the weights are a new store (deploy and stage it first). */
  readonly weightsStack?: DetectorAwsWeightsStack;

  constructor(scope: Construct, id: string, props: DetectorAwsStackProps = {}) {
    super(scope, id, {
      description: 'pdfme form-field detector (Qwen3-VL + LoRA on vLLM) on a SageMaker GPU endpoint',
      ...props,
    });
    const errors = new ValidationErrors(`DetectorAwsStack '${this.node.path}'`, (v) => Token.isUnresolved(v));
    const context = (key: keyof typeof DETECTOR_AWS_CONTEXT): string | undefined => {
      const value: unknown = this.node.tryGetContext(DETECTOR_AWS_CONTEXT[key]);
      return value === undefined || value === null || value === '' ? undefined : String(value);
    };
    const wholeNumber = (key: 'minCapacity' | 'maxCapacity'): number | undefined => {
      const raw = context(key);
      if (raw === undefined) return undefined;
      if (!/^\d+$/.test(raw)) {
        errors.add(key, raw, `use a whole number, e.g. -c ${key}=1`);
        return undefined;
      }
      return Number(raw);
    };

    // Same precedence and messages as the other clouds' stacks: prop, then -c mode, then FORM_DETECTOR_MODE.
    this.mode = resolveDeploymentMode(
      { prop: props.mode, context: context('mode'), env: process.env[DEPLOYMENT_MODE_ENV]?.trim() },
      errors,
      ', e.g. -c mode=on-demand (an inference component that scales to zero)',
    );
    errors.renamed(props, { endpoint: 'alwaysOn (and onDemand for the on-demand mode)' });
    if (this.mode === 'always-on' && context('inferenceComponentName') !== undefined) {
      errors.add(
        DETECTOR_AWS_CONTEXT.inferenceComponentName,
        context('inferenceComponentName'),
        'applies to -c mode=on-demand only; leave it out, or add -c mode=on-demand',
      );
    }
    const given: SageMakerDetectorEndpointBaseProps & { readonly scaling?: ScalingOptions } =
      (this.mode === 'on-demand' ? props.onDemand : props.alwaysOn) ?? {};

    const scaling: ScalingOptions = {
      ...given.scaling,
      minCapacity: given.scaling?.minCapacity ?? wholeNumber('minCapacity'),
      maxCapacity: given.scaling?.maxCapacity ?? wholeNumber('maxCapacity'),
    };
    // -c modelS3Uri stands in for weights given in code (or their former name, modelData).
    let weightsGiven =
      given.weights ??
      (given.modelData === undefined ? this.weightsFromContext(context('modelS3Uri'), errors) : undefined);
    if (weightsGiven === undefined && given.modelData === undefined && this.mode === 'on-demand') {
      weightsGiven = ModelWeights.fromNewStore();
    }
    const image = given.image ?? this.imageFromContext(context('imageRepository'), context('imageTag'), errors);
    errors.throwIfAny();

    // A new store goes in a stack of its own, deployed and staged before this one.
    if (weightsGiven?.newStore) {
      this.weightsStack = new DetectorAwsWeightsStack(scope, `${id}Weights`, {
        env: props.env,
        store: weightsGiven.newStore,
      });
      weightsGiven = ModelWeights.fromStore(this.weightsStack.store);
    }

    const fromContext = {
      // The endpoint validates these against the catalog and names the prop in its error.
      instanceType: given.instanceType ?? (context('instanceType') as AwsInstanceType | undefined),
      model: given.model ?? context('modelProfile'),
      quantization: given.quantization ?? context('quantization'),
      endpointName: given.endpointName ?? context('endpointName'),
      scaling,
      weights: weightsGiven,
      image,
    };
    this.endpoint =
      this.mode === 'on-demand'
        ? new SageMakerOnDemandDetectorEndpoint(this, 'Detector', {
            ...props.onDemand,
            ...fromContext,
            inferenceComponentName: props.onDemand?.inferenceComponentName ?? context('inferenceComponentName'),
          })
        : new SageMakerDetectorEndpoint(this, 'Detector', { ...props.alwaysOn, ...fromContext });

    new CfnOutput(this, 'EndpointName', {
      description: 'SageMaker endpoint name (InvokeEndpoint EndpointName)',
      value: this.endpoint.endpointName,
    });
    new CfnOutput(this, 'EndpointArn', { description: 'SageMaker endpoint ARN', value: this.endpoint.endpointArn });
    new CfnOutput(this, 'InvokeUrl', {
      description: 'POST an image here with SigV4 (service sagemaker), e.g. with the form-detect CLI',
      value: `https://runtime.sagemaker.${this.region}.${this.urlSuffix}/endpoints/${this.endpoint.endpointName}/invocations`,
    });
    new CfnOutput(this, 'ExecutionRoleArn', {
      description: 'Role the model runs as',
      value: this.endpoint.role.roleArn,
    });
    this.weightsStack?.addStagingCommand(this.endpoint.deployment);
    const weights = this.endpoint.weights;
    if (weights.kind === 'store') {
      new CfnOutput(this, 'WeightsLocation', {
        description: 'Where the weights are staged: the base model at this prefix, the adapter in adapter/',
        value: weights.uri,
      });
      new CfnOutput(this, 'StageWeightsCommand', {
        description:
          'Run once (and after changing the model) with the hf and aws CLIs: downloads the base model and adapter ' +
          'from Hugging Face and copies them to WeightsLocation',
        value: stagingCommandsFor(weights, this.endpoint.deployment).join(' && '),
      });
    }
    if (this.endpoint instanceof SageMakerOnDemandDetectorEndpoint) {
      new CfnOutput(this, 'InferenceComponentName', {
        description:
          'Pass on every call as InferenceComponentName (form-detect --inference-component). After an idle ' +
          'period the first calls fail with a no-capacity error for several minutes while a copy starts.',
        value: this.endpoint.inferenceComponentName,
      });
    }
  }

  private weightsFromContext(uri: string | undefined, errors: ValidationErrors): ModelWeights | undefined {
    if (uri === undefined) return undefined;
    const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.*[^/].*)$/.exec(uri);
    if (!match) {
      errors.add(DETECTOR_AWS_CONTEXT.modelS3Uri, uri, 'use s3://<bucket>/<prefix>/, e.g. s3://my-models/qwen3-vl-8b/');
      return undefined;
    }
    return ModelWeights.fromS3Prefix(Bucket.fromBucketName(this, 'ModelBucket', match[1]), match[2]);
  }

  private imageFromContext(
    repositoryName: string | undefined,
    tag: string | undefined,
    errors: ValidationErrors,
  ): DetectorImage | undefined {
    if (repositoryName === undefined) {
      if (tag !== undefined) {
        errors.add(DETECTOR_AWS_CONTEXT.imageTag, tag, 'imageTag needs imageRepository (-c imageRepository=<name>)');
      }
      return undefined;
    }
    const repository = Repository.fromRepositoryName(this, 'ImageRepository', repositoryName);
    return DetectorImage.fromEcrRepository(repository, tag ?? containerSourceTag());
  }
}
