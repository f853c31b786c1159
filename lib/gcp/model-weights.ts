import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { TerraformStack, Token, type ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
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
  /**
   * For a `ModelWeightsStore` (its bucket made by the same deployer): the object whose presence says the weights are
   * staged, `<prefix>/config.json`, which the detector checks at plan time.
   */
  readonly stagedMarker?: { readonly bucket: string; readonly object: string };
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
   * A new bucket for the weights. Both GCP platforms start the container at deploy, so neither construct takes it
   * (rule weights.store-staged-before-start: they refuse it at synth, naming the fix); DetectorGcpStack reads these
   * options and creates the bucket as a `ModelWeightsStore` in a stack of its own (`<id>-weights`), deployed and
   * staged first. In your own app, do the same: `new ModelWeightsStore(weightsStack, …)` and `fromStore(store)`.
   */
  static fromNewStore(options: NewCloudStorageStoreOptions = {}): ModelWeights {
    const prefix = normalizePrefix(options.prefix ?? DEFAULT_WEIGHTS_PREFIX);
    const problem = prefixProblem(prefix);
    if (problem) refuseProp('ModelWeights.fromNewStore', 'prefix', options.prefix, problem);
    return new CloudStorageWeights(
      (scope, context) => {
        const createdBucket = createWeightsBucket(scope, 'WeightsBucket', {
          ...context,
          ...options,
          nameBase: `${context.project}-${scope.node.path}-weights`,
        });
        return { bucket: createdBucket.name, createdBucket };
      },
      prefix,
      { newStore: { ...options, prefix } },
    );
  }

  /**
   * The bucket of a `ModelWeightsStore`, which lives in a stack of its own: deploy that stack, stage the weights
   * with its commands, then deploy the detector. Read by the serving account alone (a grant made with the detector).
   */
  static fromStore(store: ModelWeightsStore): ModelWeights {
    return new CloudStorageWeights(() => ({ bucket: store.bucketName, createdBucket: undefined }), store.prefix, {
      store,
    });
  }

  /**
   * The options of `fromNewStore()`: the ready-made stack reads them to create the store in a stack of its own.
   * Undefined for every other source.
   */
  abstract readonly newStore?: NewCloudStorageStoreOptions;

  /**
   * The store these weights create in the same deploy as `scope` (`fromNewStore()`, or a `ModelWeightsStore` in the
   * same stack), described for a message; undefined when the store exists before (or there is none).
   */
  abstract storeCreatedWith(scope: Construct): string | undefined;

  abstract readonly kind: 'huggingface' | 'gcs';

  /** Resolves the weights, creating what they need under `scope` and granting the serving account read. */
  abstract bind(scope: Construct, context: ModelWeightsBindContext): ModelWeightsConfig;
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
    origin: { readonly newStore?: NewCloudStorageStoreOptions; readonly store?: ModelWeightsStore } = {},
  ) {
    super();
    this.newStore = origin.newStore;
    this.store = origin.store;
  }

  readonly newStore?: NewCloudStorageStoreOptions;
  private readonly store?: ModelWeightsStore;

  storeCreatedWith(scope: Construct): string | undefined {
    if (this.newStore) return 'ModelWeights.fromNewStore() (a bucket this construct creates)';
    if (this.store && TerraformStack.of(this.store) === TerraformStack.of(scope)) {
      return `ModelWeightsStore '${this.store.node.path}', in the same stack`;
    }
    return undefined;
  }

  bind(scope: Construct, context: ModelWeightsBindContext): ModelWeightsConfig {
    const { bucket, createdBucket } = this.resolveBucket(scope, context);
    const prefix = this.prefix;
    const grants: ITerraformDependable[] = [];
    if (context.member) {
      // Read on a bucket that holds only the weights (created here, or a ModelWeightsStore), or on the prefix of an
      // existing bucket (an IAM condition; the bucket-level term lets the account list it, which Cloud Storage FUSE
      // and the copy both need).
      grants.push(
        new StorageBucketIamMember(scope, 'ModelWeightsReader', {
          bucket,
          role: 'roles/storage.objectViewer',
          member: context.member,
          ...(prefix && !createdBucket && !this.store
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
      source: {
        kind: 'store',
        store: 'gcs',
        uri,
        createdHere: createdBucket !== undefined,
        containerPath,
        ...(this.store ? { storeStack: TerraformStack.of(this.store).node.id } : {}),
      },
      bucket,
      prefix,
      createdBucket,
      grants,
      ...(this.store ? { stagedMarker: { bucket, object: prefix ? `${prefix}/config.json` : 'config.json' } } : {}),
    };
  }
}

/** Props of a `ModelWeightsStore`. */
export interface ModelWeightsStoreProps {
  /** GCP project id. */
  readonly project: string;
  /** Region of the bucket: the region of the detector that reads it (reads stay in the region). */
  readonly region: string;
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
  /**
   * Labels on the bucket, besides `managed-by: form-detector-stacks`.
   * @default none
   */
  readonly labels?: Record<string, string>;
}

/**
 * A Cloud Storage bucket for the weights, in a stack of its own (`ModelWeights.fromStore(store)` reads it): uniform
 * bucket-level access, public access prevention enforced, Google-managed encryption, no grant to anyone (the
 * detector that reads it grants its own service account). Deploy it, stage the weights with `stagingCommands`
 * (the stack's StageWeightsCommand output), then deploy the detector: the detector's platform starts the container
 * at deploy and needs the weights there (rule weights.store-staged-before-start). It outlives the detector's stack.
 */
export class ModelWeightsStore extends Construct {
  /** The `google_storage_bucket`. */
  readonly bucket: StorageBucket;
  readonly bucketName: string;
  /** The prefix of the weights in the bucket, without slashes ('' for the root). */
  readonly prefix: string;
  /** `gs://<bucket>/<prefix>/`. */
  readonly uri: string;

  constructor(scope: Construct, id: string, props: ModelWeightsStoreProps) {
    super(scope, id);
    this.prefix = normalizePrefix(props.prefix ?? DEFAULT_WEIGHTS_PREFIX);
    const problem = prefixProblem(this.prefix);
    if (problem) refuseProp(`ModelWeightsStore '${this.node.path}'`, 'prefix', props.prefix, problem);
    this.bucket = createWeightsBucket(this, 'Bucket', {
      nameBase: `${props.project}-${this.node.path}`,
      project: props.project,
      region: props.region,
      labels: { 'managed-by': 'form-detector-stacks', ...props.labels },
      bucketName: props.bucketName,
      forceDestroy: props.forceDestroy,
    });
    this.bucketName = this.bucket.name;
    this.uri = `gs://${this.bucketName}/${this.prefix ? `${this.prefix}/` : ''}`;
  }
}

/** The weights bucket: uniform access, public access prevention, in the reader's region, kept on destroy. */
function createWeightsBucket(
  scope: Construct,
  id: string,
  options: {
    /** What the default bucket name is made from (globally unique: the project and a construct path). */
    readonly nameBase: string;
    readonly project: string;
    readonly region: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly bucketName?: string;
    readonly forceDestroy?: boolean;
  },
): StorageBucket {
  return new StorageBucket(scope, id, {
    project: options.project,
    name: options.bucketName ?? resourceName(options.nameBase, { maxLength: 63, lowercase: true }),
    location: options.region,
    uniformBucketLevelAccess: true,
    publicAccessPrevention: 'enforced',
    forceDestroy: options.forceDestroy ?? false,
    labels: { ...options.labels },
  });
}
