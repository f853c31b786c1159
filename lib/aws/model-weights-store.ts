import { CfnOutput, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib/core';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { normalizePrefix, prefixProblem, refuseProp } from '../core';
import { acknowledgeFinding } from './nag-acknowledgements';

/** The prefix of the weights in a bucket created by `ModelWeights.fromNewStore()` or a `ModelWeightsStore`. */
export const DEFAULT_WEIGHTS_PREFIX = 'weights';

/** Props of a `ModelWeightsStore`. */
export interface ModelWeightsStoreProps {
  /**
   * Key prefix of the weights in the bucket.
   * @default 'weights'
   */
  readonly prefix?: string;
  /**
   * KMS key for the bucket's objects; the execution role that reads them gets decrypt on it.
   * @default S3-managed keys (SSE-S3)
   */
  readonly encryptionKey?: IKey;
  /**
   * What `cdk destroy` does with the bucket. The weights take an hour to stage again, so they outlive the stack by
   * default.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An S3 bucket for the weights, in a stack of its own (`ModelWeights.fromStore(store)` reads it): no public access,
 * bucket-owner-enforced object ownership, encrypted, TLS only, retained on destroy, no grant to anyone (the endpoint
 * that reads it grants its own execution role read on the prefix). Deploy its stack, stage the weights with the
 * commands it outputs, then deploy the endpoint: a real-time endpoint starts the container at deploy and needs the
 * weights there (rule weights.store-staged-before-start). The staged weights outlive the endpoint's stack.
 */
export class ModelWeightsStore extends Construct {
  /** The bucket (escape hatch). */
  readonly bucket: Bucket;
  /** The prefix of the weights in the bucket, without slashes. */
  readonly prefix: string;
  /** `s3://<bucket>/<prefix>/`. */
  readonly uri: string;

  constructor(scope: Construct, id: string, props: ModelWeightsStoreProps = {}) {
    super(scope, id);
    this.prefix = checkedStorePrefix(`ModelWeightsStore '${this.node.path}'`, props.prefix);
    this.bucket = createWeightsBucket(this, 'Bucket', props);
    this.uri = `s3://${this.bucket.bucketName}/${this.prefix}/`;
  }

  /**
   * The bucket as `scope` reads it: itself in the same stack; from another stack, imported by name through an export
   * with a fixed name (`<store stack>:WeightsBucketName`), with a dependency on the store's stack. A fixed export name
   * keeps what the endpoint's stack synthesizes readable (and its cdk-nag acknowledgements exact).
   */
  bucketFor(scope: Construct): IBucket {
    const storeStack = Stack.of(this);
    const readerStack = Stack.of(scope);
    if (storeStack === readerStack) return this.bucket;
    const exportName = `${storeStack.stackName}:WeightsBucketName`;
    if (!this.node.tryFindChild('BucketNameExport')) {
      new CfnOutput(this, 'BucketNameExport', {
        description: 'The weights bucket, for the detector stacks that read it',
        value: this.bucket.bucketName,
        exportName,
      });
    }
    readerStack.addStackDependency(storeStack, 'the endpoint reads the weights bucket');
    const existing = scope.node.tryFindChild('WeightsStoreBucket') as IBucket | undefined;
    if (existing) return existing;
    return Bucket.fromBucketAttributes(scope, 'WeightsStoreBucket', {
      bucketName: Fn.importValue(exportName),
      encryptionKey: this.bucket.encryptionKey,
    });
  }
}

/** The prefix of a store created here: non-empty, no `.`/`..` segments or double slashes. */
export function checkedStorePrefix(subject: string, prefix: string | undefined): string {
  const normalized = normalizePrefix(prefix ?? DEFAULT_WEIGHTS_PREFIX);
  const problem = normalized === '' ? "use a non-empty key prefix, e.g. 'weights'" : prefixProblem(normalized);
  if (problem) refuseProp(subject, 'prefix', prefix, problem);
  return normalized;
}

/** The weights bucket: no public access, encrypted, TLS only, retained on destroy (cdk-nag S1 acknowledged). */
export function createWeightsBucket(scope: Construct, id: string, props: ModelWeightsStoreProps): Bucket {
  const bucket = new Bucket(scope, id, {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    encryption: props.encryptionKey ? BucketEncryption.KMS : BucketEncryption.S3_MANAGED,
    encryptionKey: props.encryptionKey,
    enforceSSL: true,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
  acknowledgeFinding(
    bucket,
    'AwsSolutions::AwsSolutions-S1',
    'The weights bucket holds public model weights (Hugging Face snapshots) that one execution role reads; ' +
      'CloudTrail data events cover reads where auditing is needed, without a second bucket for access logs.',
  );
  return bucket;
}
