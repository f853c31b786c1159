import type { CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import { Effect, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Token } from 'aws-cdk-lib/core';

/** Where SageMaker mounts model data inside the container. */
export const SAGEMAKER_MODEL_DIRECTORY = '/opt/ml/model';

/** What weights resolve to once bound to an endpoint. */
export interface ModelWeightsConfig {
  /** The model's `ModelDataSource`, when SageMaker downloads the weights before the container starts. */
  readonly modelDataSource?: CfnModel.ModelDataSourceProperty;
  /** Where the container finds the base model, when the weights say so. */
  readonly baseModel?: string;
  /** Where the container finds the LoRA adapter, when the weights say so. */
  readonly loraAdapter?: string;
  /** The object ARN pattern the grantee may read (for the cdk-nag acknowledgement of its `/*`). */
  readonly readableObjectsArn?: string;
}

/** Options for weights staged in S3. */
export interface S3ModelWeightsOptions {
  /**
   * Directory of the base model (a Hugging Face snapshot: config.json, *.safetensors…) relative to the prefix.
   * @default '' — the base model sits at the prefix itself
   */
  readonly baseModelPath?: string;
  /**
   * Directory of the LoRA adapter relative to the prefix.
   * @default none — the adapter still comes from Hugging Face (the profile's adapter id)
   */
  readonly loraAdapterPath?: string;
}

/**
 * Where the model weights come from: downloaded from Hugging Face by the container at start-up (the default), or
 * staged uncompressed under an S3 prefix that SageMaker copies to /opt/ml/model before the container starts.
 */
export abstract class ModelWeights {
  /** The container downloads the base model and adapter from the Hugging Face Hub when it starts. */
  static fromHuggingFace(): ModelWeights {
    return new HuggingFaceWeights();
  }

  /**
   * Uncompressed weights under `s3://<bucket>/<prefix>/` (`S3Prefix`, `CompressionType: None`): no tarball to
   * build, and SageMaker's download is parallel. The execution role may read that prefix and nothing else.
   */
  static fromS3Prefix(bucket: IBucket, prefix: string, options: S3ModelWeightsOptions = {}): ModelWeights {
    const problems: string[] = [];
    const normalized = Token.isUnresolved(prefix) ? prefix : prefix.replace(/\/+$/, '');
    if (!Token.isUnresolved(prefix) && (normalized === '' || normalized.startsWith('/') || normalized.includes('//'))) {
      problems.push(
        `prefix: got ${JSON.stringify(prefix)}; use a non-empty key prefix without a leading slash, e.g. 'models/qwen3-vl-8b'`,
      );
    }
    for (const [name, path] of Object.entries(options)) {
      if (path !== undefined && (path.startsWith('/') || path.split('/').includes('..'))) {
        problems.push(`${name}: got ${JSON.stringify(path)}; use a path relative to the prefix, e.g. 'adapter'`);
      }
    }
    if (problems.length > 0) {
      throw new Error(`Invalid ModelWeights.fromS3Prefix:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    }
    return new S3PrefixWeights(bucket, normalized, options);
  }

  /** 'huggingface' or 's3'. */
  abstract readonly kind: 'huggingface' | 's3';

  /** Resolves the weights for an endpoint and lets `grantee` read them. */
  abstract bind(grantee: IGrantable): ModelWeightsConfig;
}

class HuggingFaceWeights extends ModelWeights {
  readonly kind = 'huggingface' as const;

  bind(): ModelWeightsConfig {
    return {};
  }
}

class S3PrefixWeights extends ModelWeights {
  readonly kind = 's3' as const;

  constructor(
    private readonly bucket: IBucket,
    private readonly prefix: string,
    private readonly options: S3ModelWeightsOptions,
  ) {
    super();
  }

  bind(grantee: IGrantable): ModelWeightsConfig {
    // Explicit actions on the prefix only, instead of bucket.grantRead's s3:GetObject*/s3:List* wildcards.
    const readableObjectsArn = this.bucket.arnForObjects(`${this.prefix}/*`);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: [readableObjectsArn] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${this.prefix}/`, `${this.prefix}/*`] } },
      }),
    );
    this.bucket.encryptionKey?.grantDecrypt(grantee);
    return {
      readableObjectsArn,
      modelDataSource: {
        s3DataSource: {
          s3Uri: `s3://${this.bucket.bucketName}/${this.prefix}/`,
          s3DataType: 'S3Prefix',
          compressionType: 'None',
        },
      },
      baseModel: joinPath(SAGEMAKER_MODEL_DIRECTORY, this.options.baseModelPath ?? ''),
      loraAdapter:
        this.options.loraAdapterPath === undefined
          ? undefined
          : joinPath(SAGEMAKER_MODEL_DIRECTORY, this.options.loraAdapterPath),
    };
  }
}

function joinPath(root: string, relative: string): string {
  const rest = relative.replace(/^\.?\/*|\/+$/g, '');
  return rest === '' ? root : `${root}/${rest}`;
}
