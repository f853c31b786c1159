import { Stack, Token } from 'aws-cdk-lib/core';
import type { CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import { Effect, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Bucket, IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { CONTAINER_ENV, ValidationErrors, WEIGHTS_LAYOUT, type WeightsSource } from '../core';
import {
  checkedStorePrefix,
  createWeightsBucket,
  DEFAULT_WEIGHTS_PREFIX,
  type ModelWeightsStore,
  type ModelWeightsStoreProps,
} from './model-weights-store';

export { DEFAULT_WEIGHTS_PREFIX };

/** Where SageMaker mounts model data inside the container. */
export const SAGEMAKER_MODEL_DIRECTORY = '/opt/ml/model';

/** What weights resolve to once bound to an endpoint. */
export interface ModelWeightsConfig {
  /** The cloud-neutral description: where the weights come from (the summary and the staging commands read it). */
  readonly source: WeightsSource;
  /** The model's `ModelDataSource`, when SageMaker copies the weights before the container starts. */
  readonly modelDataSource?: CfnModel.ModelDataSourceProperty;
  /** Where the container finds the base model, when the layout puts it somewhere other than the root. */
  readonly baseModel?: string;
  /** Where the container finds the LoRA adapter, when the layout puts it somewhere other than `adapter/`. */
  readonly loraAdapter?: string;
  /** The object ARN pattern the grantee may read (for the cdk-nag acknowledgement of its `/*`). */
  readonly readableObjectsArn?: string;
  /** Variables the container needs for these weights (HF_TOKEN_SECRET). */
  readonly environment: Readonly<Record<string, string>>;
  /** The bucket created for the weights, when `fromNewStore()` created one. */
  readonly createdBucket?: Bucket;
  /**
   * Whether the weights may be staged only after this deploy: a bucket created here, or a `ModelWeightsStore` (its
   * stack may have been deployed a moment before). The on-demand endpoint then starts with no copy.
   */
  readonly stagedAfterDeploy: boolean;
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
   * @default 'adapter'
   */
  readonly loraAdapterPath?: string;
}

/** Options for the bucket `ModelWeights.fromNewStore()` creates: those of a `ModelWeightsStore`. */
export type NewS3StoreOptions = ModelWeightsStoreProps;

/** Options for weights downloaded from Hugging Face. */
export interface HuggingFaceWeightsOptions {
  /**
   * A Secrets Manager secret holding a Hugging Face token (for gated or private repositories). The execution role
   * may read that secret alone; the container reads it at start-up and gives it to vLLM, never as a plain
   * environment value.
   * @default no token (the profile's model and adapter are public)
   */
  readonly tokenSecret?: ISecret;
}

/**
 * Where the model weights come from: downloaded from Hugging Face by the container at every start, or staged once,
 * uncompressed, under an S3 prefix that SageMaker copies to /opt/ml/model before the container starts (base model at
 * the prefix, adapter in `adapter/`). The same factories exist on every cloud; `weights` is the prop that takes them.
 */
export abstract class ModelWeights {
  /** The container downloads the base model and adapter from the Hugging Face Hub when it starts. */
  static fromHuggingFace(options: HuggingFaceWeightsOptions = {}): ModelWeights {
    return new HuggingFaceWeights(options);
  }

  /**
   * Uncompressed weights under `s3://<bucket>/<prefix>/` (`S3Prefix`, `CompressionType: None`): no tarball to
   * build, and SageMaker's download is parallel. The execution role may read that prefix and nothing else.
   */
  static fromS3Prefix(bucket: IBucket, prefix: string, options: S3ModelWeightsOptions = {}): ModelWeights {
    const errors = new ValidationErrors('ModelWeights.fromS3Prefix', (v) => Token.isUnresolved(v));
    const normalized = Token.isUnresolved(prefix) ? prefix : prefix.replace(/\/+$/, '');
    errors.check(
      'prefix',
      prefix,
      () => !(normalized === '' || normalized.startsWith('/') || normalized.includes('//')),
      "use a non-empty key prefix without a leading slash, e.g. 'models/qwen3-vl-8b'",
    );
    for (const [name, path] of Object.entries(options)) {
      errors.check(
        name,
        path as string | undefined,
        (p) => !(p.startsWith('/') || p.split('/').includes('..')),
        "use a path relative to the prefix, e.g. 'adapter'",
      );
    }
    errors.throwIfAny();
    return new S3PrefixWeights(() => ({ bucket, createdHere: false }), normalized, options);
  }

  /**
   * A new S3 bucket for the weights, created by the construct that takes them (construct id `WeightsBucket`): no
   * public access, encrypted, TLS only, retained on destroy. Only the on-demand endpoint takes it (its inference
   * component starts with no copy, so the weights may be staged after the deploy); the always-on endpoint starts its
   * container at deploy and refuses it (rule weights.store-staged-before-start): use a `ModelWeightsStore` in a stack
   * of its own and `fromStore(store)`, which is what DetectorAwsStack does with this option.
   */
  static fromNewStore(options: NewS3StoreOptions = {}): ModelWeights {
    const prefix = checkedStorePrefix('ModelWeights.fromNewStore', options.prefix);
    return new S3PrefixWeights(
      (scope) => ({ bucket: createWeightsBucket(scope, 'WeightsBucket', options), createdHere: true }),
      prefix,
      {},
      { newStore: { ...options, prefix } },
    );
  }

  /**
   * The bucket of a `ModelWeightsStore`, which lives in a stack of its own: deploy that stack, stage the weights with
   * its commands, then deploy the endpoint. The execution role may read the store's prefix and nothing else.
   */
  static fromStore(store: ModelWeightsStore): ModelWeights {
    return new S3PrefixWeights(
      (scope) => ({ bucket: store.bucketFor(scope), createdHere: false }),
      store.prefix,
      {},
      { store },
    );
  }

  /**
   * The options of `fromNewStore()`: DetectorAwsStack reads them to create the store in a stack of its own.
   * Undefined for every other source.
   */
  abstract readonly newStore?: NewS3StoreOptions;

  /**
   * The store these weights create in the same deploy as `scope` (`fromNewStore()`, or a `ModelWeightsStore` in the
   * same stack), described for a message; undefined when the store exists before (or there is none).
   */
  abstract storeCreatedWith(scope: Construct): string | undefined;

  /** 'huggingface' or 's3'. */
  abstract readonly kind: 'huggingface' | 's3';

  /** Resolves the weights for an endpoint, creating what they need under `scope`, and lets `grantee` read them. */
  abstract bind(scope: Construct, grantee: IGrantable): ModelWeightsConfig;
}

class HuggingFaceWeights extends ModelWeights {
  readonly kind = 'huggingface' as const;
  readonly newStore = undefined;

  storeCreatedWith(): undefined {
    return undefined;
  }

  constructor(private readonly options: HuggingFaceWeightsOptions) {
    super();
  }

  bind(_scope: Construct, grantee: IGrantable): ModelWeightsConfig {
    const secret = this.options.tokenSecret;
    if (!secret) return { source: { kind: 'huggingface' }, environment: {}, stagedAfterDeploy: false };
    // GetSecretValue (and DescribeSecret) on this one secret, and decrypt with its key when it has one.
    secret.grantRead(grantee);
    return {
      source: { kind: 'huggingface', tokenSecret: secret.secretArn },
      environment: { [CONTAINER_ENV.hfTokenSecret]: secret.secretArn },
      stagedAfterDeploy: false,
    };
  }
}

class S3PrefixWeights extends ModelWeights {
  readonly kind = 's3' as const;
  readonly newStore?: NewS3StoreOptions;
  private readonly store?: ModelWeightsStore;

  constructor(
    private readonly resolveBucket: (scope: Construct) => { bucket: IBucket; createdHere: boolean },
    private readonly prefix: string,
    private readonly options: S3ModelWeightsOptions,
    origin: { readonly newStore?: NewS3StoreOptions; readonly store?: ModelWeightsStore } = {},
  ) {
    super();
    this.newStore = origin.newStore;
    this.store = origin.store;
  }

  storeCreatedWith(scope: Construct): string | undefined {
    if (this.newStore) return 'ModelWeights.fromNewStore() (a bucket this construct creates)';
    if (this.store && Stack.of(this.store) === Stack.of(scope)) {
      return `ModelWeightsStore '${this.store.node.path}', in the same stack`;
    }
    return undefined;
  }

  bind(scope: Construct, grantee: IGrantable): ModelWeightsConfig {
    const { bucket, createdHere } = this.resolveBucket(scope);
    // Explicit actions on the prefix only, instead of bucket.grantRead's s3:GetObject*/s3:List* wildcards.
    const readableObjectsArn = bucket.arnForObjects(`${this.prefix}/*`);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: [readableObjectsArn] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${this.prefix}/`, `${this.prefix}/*`] } },
      }),
    );
    bucket.encryptionKey?.grantDecrypt(grantee);
    const uri = `s3://${bucket.bucketName}/${this.prefix}/`;
    const baseModelPath = this.options.baseModelPath ?? '';
    const loraAdapterPath = this.options.loraAdapterPath ?? WEIGHTS_LAYOUT.adapterDirectory;
    return {
      source: {
        kind: 'store',
        store: 's3',
        uri,
        createdHere,
        containerPath: SAGEMAKER_MODEL_DIRECTORY,
        ...(this.store ? { storeStack: Stack.of(this.store).stackName } : {}),
      },
      readableObjectsArn,
      modelDataSource: { s3DataSource: { s3Uri: uri, s3DataType: 'S3Prefix', compressionType: 'None' } },
      // Only a layout other than WEIGHTS_LAYOUT names its directories; otherwise BASE_MODEL and LORA_ADAPTER keep
      // the Hugging Face ids the staging commands download.
      baseModel: stripped(baseModelPath) === '' ? undefined : joinPath(SAGEMAKER_MODEL_DIRECTORY, baseModelPath),
      loraAdapter:
        stripped(loraAdapterPath) === WEIGHTS_LAYOUT.adapterDirectory
          ? undefined
          : joinPath(SAGEMAKER_MODEL_DIRECTORY, loraAdapterPath),
      environment: {},
      createdBucket: createdHere ? (bucket as Bucket) : undefined,
      stagedAfterDeploy: createdHere || this.store !== undefined,
    };
  }
}

/**
 * The weights source as the summary records it: CloudFormation does not resolve references inside resource
 * Metadata, so a bucket name known only at deploy time reads `<weights bucket>` there (the stack's
 * WeightsLocation and StageWeightsCommand outputs carry the real name).
 */
export function readableWeightsSource(source: WeightsSource): WeightsSource {
  if (source.kind !== 'store' || !Token.isUnresolved(source.uri)) return source;
  return { ...source, uri: source.uri.replace(/\$\{Token\[[^\]]+\]\}/g, '<weights bucket>') };
}

function stripped(relative: string): string {
  return relative.replace(/^\.?\/*|\/+$/g, '');
}

function joinPath(root: string, relative: string): string {
  const rest = stripped(relative);
  return rest === '' ? root : `${root}/${rest}`;
}
