import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib/core';
import { Repository, TagMutability, TagStatus } from 'aws-cdk-lib/aws-ecr';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { containerSourceTag, isPositiveInteger, ValidationErrors } from '../core';
import { DetectorImage } from './detector-image';

export const IMAGE_REPOSITORY_DEFAULTS = {
  untaggedImageExpiryDays: 14,
  maxImageCount: 100,
} as const;

export interface DetectorImageRepositoryProps {
  /**
   * Repository name (2–256 lowercase letters, digits and `._-/`).
   * @default a name CloudFormation generates
   */
  readonly repositoryName?: string;
  /**
   * Days after which untagged images (left behind by pushes of a tag's new build) are deleted.
   * @default 14
   */
  readonly untaggedImageExpiryDays?: number;
  /**
   * Images kept in all; older ones are deleted. Keep it above the number of images live endpoints and rollbacks
   * may still refer to: SageMaker cannot replace an instance whose image is gone.
   * @default 100
   */
  readonly maxImageCount?: number;
  /**
   * What happens to the repository when it leaves the stack.
   * @default RemovalPolicy.RETAIN — images of running endpoints survive a stack deletion
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An ECR repository for inference-container images pushed by CI: scan on push, immutable tags (a tag always
 * means the same image, which SageMaker needs to patch and replace instances), and a lifecycle that expires
 * untagged images and caps the count. Point an endpoint at it with `imageFor(tag)`.
 */
export class DetectorImageRepository extends Construct {
  readonly repository: Repository;

  constructor(scope: Construct, id: string, props: DetectorImageRepositoryProps = {}) {
    super(scope, id);
    const errors = new ValidationErrors(`DetectorImageRepository '${this.node.path}'`, (v) => Token.isUnresolved(v));
    errors.check(
      'repositoryName',
      props.repositoryName,
      (name) => /^(?=.{2,256}$)[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(name),
      'use 2–256 lowercase letters and digits, separated by single . _ - or /',
    );
    errors.check('untaggedImageExpiryDays', props.untaggedImageExpiryDays, isPositiveInteger, 'use a whole number ≥ 1');
    errors.check(
      'maxImageCount',
      props.maxImageCount,
      (n) => isPositiveInteger(n) && n <= 10_000,
      'use a whole number from 1 to 10000',
    );
    errors.throwIfAny();

    this.repository = new Repository(this, 'Resource', {
      repositoryName: props.repositoryName,
      imageScanOnPush: true,
      imageTagMutability: TagMutability.IMMUTABLE,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          rulePriority: 1,
          description: 'Expire untagged images',
          tagStatus: TagStatus.UNTAGGED,
          maxImageAge: Duration.days(
            props.untaggedImageExpiryDays ?? IMAGE_REPOSITORY_DEFAULTS.untaggedImageExpiryDays,
          ),
        },
        {
          rulePriority: 2,
          description: 'Keep the newest images',
          tagStatus: TagStatus.ANY,
          maxImageCount: props.maxImageCount ?? IMAGE_REPOSITORY_DEFAULTS.maxImageCount,
        },
      ],
    });
  }

  get repositoryName(): string {
    return this.repository.repositoryName;
  }

  get repositoryUri(): string {
    return this.repository.repositoryUri;
  }

  /** Lets `grantee` pull images (e.g. an execution role outside this library). */
  grantPull(grantee: IGrantable): Grant {
    return this.repository.grantPull(grantee);
  }

  /** Lets `grantee` push images (e.g. the CI role that builds inference-container/). */
  grantPush(grantee: IGrantable): Grant {
    return this.repository.grantPush(grantee);
  }

  /**
   * The image with this tag or digest, for `SageMakerDetectorEndpoint`'s `image` prop.
   * @param tagOrDigest @default the content-hash tag of this package's container sources (`src-…`), which CI
   * builds and pushes with `docker build --platform linux/amd64 -t <repositoryUri>:<tag> inference-container &&
   * docker push <repositoryUri>:<tag>` (tag: `containerSourceTag()`)
   */
  imageFor(tagOrDigest: string = containerSourceTag()): DetectorImage {
    return DetectorImage.fromEcrRepository(this.repository, tagOrDigest);
  }
}
