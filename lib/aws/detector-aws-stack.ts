import { CfnOutput, Stack, Token, type StackProps } from 'aws-cdk-lib/core';
import { Repository } from 'aws-cdk-lib/aws-ecr';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { containerSourceTag, ValidationErrors, type AwsInstanceType, type ScalingOptions } from '../core';
import { DetectorImage } from './detector-image';
import { ModelWeights } from './model-weights';
import { SageMakerDetectorEndpoint, type SageMakerDetectorEndpointProps } from './sagemaker-detector-endpoint';

/**
 * CDK context keys DetectorAwsStack reads (`cdk deploy -c instanceType=ml.g4dn.xlarge`, or `context` in cdk.json).
 * A prop given in code wins over its context key.
 */
export const DETECTOR_AWS_CONTEXT = {
  /** GPU instance type, e.g. `ml.g5.xlarge`. */
  instanceType: 'instanceType',
  /** Model profile: `8B` or `32B`. */
  modelProfile: 'modelProfile',
  /** `bitsandbytes`, `awq`, `gptq`, `fp8` or `none`. */
  quantization: 'quantization',
  /** Fewest instances (≥ 1). */
  minCapacity: 'minCapacity',
  /** Most instances. */
  maxCapacity: 'maxCapacity',
  /** `s3://bucket/prefix/` holding uncompressed weights (the base model at the prefix). */
  modelS3Uri: 'modelS3Uri',
  /** Name of an existing ECR repository with CI-built images, instead of building from source. */
  imageRepository: 'imageRepository',
  /** Tag or digest in `imageRepository`; defaults to the content-hash tag of the container sources. */
  imageTag: 'imageTag',
  /** Fixed endpoint name. */
  endpointName: 'endpointName',
} as const;

export interface DetectorAwsStackProps extends StackProps {
  /**
   * The endpoint's props. Each one given here wins over its context key.
   * @default context values, then the endpoint's own defaults
   */
  readonly endpoint?: SageMakerDetectorEndpointProps;
}

/**
 * The detector on SageMaker as a deployable stack: one `SageMakerDetectorEndpoint`, configured by props or CDK
 * context, with its name, ARN, invoke URL and execution role as outputs.
 */
export class DetectorAwsStack extends Stack {
  readonly endpoint: SageMakerDetectorEndpoint;

  constructor(scope: Construct, id: string, props: DetectorAwsStackProps = {}) {
    super(scope, id, {
      description: 'pdfme form-field detector (Qwen3-VL + LoRA on vLLM) on a SageMaker GPU endpoint',
      ...props,
    });
    const given = props.endpoint ?? {};
    const errors = new ValidationErrors(`DetectorAwsStack '${this.node.path}' context`, (v) => Token.isUnresolved(v));
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

    const scaling: ScalingOptions = {
      ...given.scaling,
      minCapacity: given.scaling?.minCapacity ?? wholeNumber('minCapacity'),
      maxCapacity: given.scaling?.maxCapacity ?? wholeNumber('maxCapacity'),
    };
    const modelData = given.modelData ?? this.weightsFromContext(context('modelS3Uri'), errors);
    const image = given.image ?? this.imageFromContext(context('imageRepository'), context('imageTag'), errors);
    errors.throwIfAny();

    this.endpoint = new SageMakerDetectorEndpoint(this, 'Detector', {
      ...given,
      // The endpoint validates these against the catalog and names the prop in its error.
      instanceType: given.instanceType ?? (context('instanceType') as AwsInstanceType | undefined),
      model: given.model ?? context('modelProfile'),
      quantization: given.quantization ?? context('quantization'),
      endpointName: given.endpointName ?? context('endpointName'),
      scaling,
      modelData,
      image,
    });

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
