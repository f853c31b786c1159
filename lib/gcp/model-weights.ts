import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { Token, type ITerraformDependable } from 'cdktf';
import type { Construct } from 'constructs';
import {
  normalizePrefix,
  prefixProblem,
  refuseProp,
  resourceName,
  ValidationErrors,
  WEIGHTS_LAYOUT,
  type WeightsSource,
} from '../core';

/** The prefix of the weights in a bucket created by `ModelWeights.fromNewStore()`. */
export const DEFAULT_WEIGHTS_PREFIX = 'weights';

/** How a platform reads a Cloud Storage store: mounted at a path (Cloud Run), or where the platform puts it (Vertex). */
export type CloudStorageAccess = { readonly mountPath: string } | { readonly platform: true };

/** What the construct binding the weights tells them. */
export interface ModelWeightsBindContext {
  readonly project: string;
  readonly region: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The serving identity (`serviceAccount:…`), when this construct created it and so may grant it; else none. */
  readonly member?: string;
  readonly access: CloudStorageAccess;
}

/** What weights resolve to once bound. */
export interface ModelWeightsConfig {
  readonly source: WeightsSource;
  /** The bucket and prefix of a store. */
  readonly bucket?: string;
  readonly prefix?: string;
  /** The bucket created for the weights (`fromNewStore()`). */
  readonly createdBucket?: StorageBucket;
  /** Read grants made here (deploys wait for them). */
  readonly grants: ITerraformDependable[];
  /** The Secret Manager secret holding the Hugging Face token: its id (`projects/<p>/secrets/<s>` or `<s>`). */
  readonly tokenSecret?: string;
}

export interface NewCloudStorageStoreOptions {
  /**
   * Object prefix of the weights in the bucket.
   * @default 'weights'
   */
  readonly prefix?: string;
  /**
   * Name of the bucket (globally unique).
   * @default derived from the project and the construct path
   */
  readonly bucketName?: string;
  /**
   * Let `cdktf destroy` delete the bucket with the weights in it.
   * @default false (the weights take an hour to stage again; destroy fails until the bucket is emptied)
   */
  readonly forceDestroy?: boolean;
}

export interface HuggingFaceWeightsOptions {
  /**
   * A Secret Manager secret holding a Hugging Face token: `<secret id>` in the project, or
   * `projects/<project>/secrets/<secret id>`. The serving service account gets `roles/secretmanager.secretAccessor`
   * on that secret alone (when this construct created the account); Cloud Run passes it as a secret reference,
   * Vertex AI's container reads it with its own identity at start-up.
   * @default no token (the profile's model and adapter are public)
   */
  readonly tokenSecret?: string;
}

const GCS_URI = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(?:\/(.*))?$/;

/**
 * Where the weights come from on GCP: Hugging Face (downloaded at every start), or a Cloud Storage bucket path that
 * Cloud Run mounts read-only as a Cloud Storage volume and Vertex AI copies through the model's `artifactUri` (base
 * model at the prefix, adapter in `adapter/`). The same factory names as on the other clouds.
 */
export abstract class ModelWeights {
  static fromHuggingFace(options: HuggingFaceWeightsOptions = {}): ModelWeights {
    return new HuggingFaceWeights(options);
  }

  /** An existing bucket: `fromCloudStorage('my-bucket', 'models/qwen3-vl-8b')` or `fromCloudStorage('gs://my-bucket/models/qwen3-vl-8b')`. */
  static fromCloudStorage(bucketOrUri: string, prefix?: string): ModelWeights {
    let bucket = bucketOrUri;
    let path = prefix;
    const errors = new ValidationErrors('ModelWeights.fromCloudStorage');
    if (!Token.isUnresolved(bucketOrUri) && bucketOrUri.startsWith('gs://')) {
      const m = GCS_URI.exec(bucketOrUri);
      if (!m || prefix !== undefined) {
        errors.add(
          'bucket',
          bucketOrUri,
          'use "gs://my-bucket/models/qwen3-vl-8b", or the bucket name and the prefix as two arguments',
        );
      }
      bucket = m?.[1] ?? bucket;
      path = m?.[2];
    }
    const normalized = normalizePrefix(path);
    const problem = Token.isUnresolved(normalized) ? undefined : prefixProblem(normalized);
    if (problem) errors.add('prefix', path, problem);
    errors.throwIfAny();
    return new CloudStorageWeights(() => ({ bucket, createdBucket: undefined }), normalized);
  }

  /**
   * A new bucket for the weights (construct id `WeightsBucket`): uniform bucket-level access, public access
   * prevention enforced, Google-managed encryption, in the service's region; read by the serving account alone.
   */
  static fromNewStore(options: NewCloudStorageStoreOptions = {}): ModelWeights {
    const prefix = normalizePrefix(options.prefix ?? DEFAULT_WEIGHTS_PREFIX);
    const problem = prefixProblem(prefix);
    if (problem) refuseProp('ModelWeights.fromNewStore', 'prefix', options.prefix, problem);
    return new CloudStorageWeights((scope, context) => {
      const createdBucket = new StorageBucket(scope, 'WeightsBucket', {
        project: context.project,
        name:
          options.bucketName ??
          resourceName(`${context.project}-${scope.node.path}-weights`, { maxLength: 63, lowercase: true }),
        location: context.region,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: 'enforced',
        forceDestroy: options.forceDestroy ?? false,
        labels: { ...context.labels },
      });
      return { bucket: createdBucket.name, createdBucket };
    }, prefix);
  }

  abstract readonly kind: 'huggingface' | 'gcs';

  /** Resolves the weights, creating what they need under `scope` and granting the serving account read. */
  abstract bind(scope: Construct, context: ModelWeightsBindContext): ModelWeightsConfig;
}

class HuggingFaceWeights extends ModelWeights {
  readonly kind = 'huggingface' as const;

  constructor(private readonly options: HuggingFaceWeightsOptions) {
    super();
  }

  bind(scope: Construct, context: ModelWeightsBindContext): ModelWeightsConfig {
    const secret = this.options.tokenSecret;
    if (secret === undefined) return { source: { kind: 'huggingface' }, grants: [] };
    const secretId = secret.startsWith('projects/') ? secret : `projects/${context.project}/secrets/${secret}`;
    const grants = context.member
      ? [
          new SecretManagerSecretIamMember(scope, 'HfTokenAccessor', {
            project: secret.startsWith('projects/') ? secret.split('/')[1] : context.project,
            secretId,
            role: 'roles/secretmanager.secretAccessor',
            member: context.member,
          }),
        ]
      : [];
    return { source: { kind: 'huggingface', tokenSecret: secretId }, grants, tokenSecret: secretId };
  }
}

class CloudStorageWeights extends ModelWeights {
  readonly kind = 'gcs' as const;

  constructor(
    private readonly resolveBucket: (
      scope: Construct,
      context: ModelWeightsBindContext,
    ) => { bucket: string; createdBucket: StorageBucket | undefined },
    private readonly prefix: string,
  ) {
    super();
  }

  bind(scope: Construct, context: ModelWeightsBindContext): ModelWeightsConfig {
    const { bucket, createdBucket } = this.resolveBucket(scope, context);
    const prefix = this.prefix;
    const grants: ITerraformDependable[] = [];
    if (context.member) {
      // Read on the bucket created for the weights, or on the prefix of an existing bucket (an IAM condition; the
      // bucket-level term lets the account list it, which Cloud Storage FUSE and the copy both need).
      grants.push(
        new StorageBucketIamMember(scope, 'ModelWeightsReader', {
          bucket,
          role: 'roles/storage.objectViewer',
          member: context.member,
          ...(prefix && !createdBucket
            ? {
                condition: {
                  title: 'model-weights-prefix',
                  description: `Objects under gs://${bucket}/${prefix}/ (and listing the bucket)`,
                  expression:
                    `resource.type == "storage.googleapis.com/Bucket" || ` +
                    `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${prefix}/")`,
                },
              }
            : {}),
        }),
      );
    }
    const uri = `gs://${bucket}/${prefix ? `${prefix}/` : ''}`;
    const containerPath =
      'mountPath' in context.access
        ? `${context.access.mountPath}${prefix ? `/${prefix}` : ''}`
        : WEIGHTS_LAYOUT.platform;
    return {
      source: { kind: 'store', store: 'gcs', uri, createdHere: createdBucket !== undefined, containerPath },
      bucket,
      prefix,
      createdBucket,
      grants,
    };
  }
}
