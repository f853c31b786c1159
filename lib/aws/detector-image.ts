import { IgnoreMode, Token } from 'aws-cdk-lib/core';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import type { IRepository } from 'aws-cdk-lib/aws-ecr';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { containerSourceDirectory, cudaFromImageTag, PINNED_IMAGE_CUDA, ValidationErrors } from '../core';

/** What an image resolves to once bound to an endpoint. */
export interface DetectorImageConfig {
  /** The image URI the SageMaker model runs. */
  readonly imageUri: string;
  /** The repository the image is pulled from; the execution role gets pull rights on it and nothing else. */
  readonly repository: IRepository;
}

/** Options for building the inference container from its sources. */
export interface DetectorImageSourceOptions {
  /**
   * Directory holding the inference container's Dockerfile.
   * @default the package's own `inference-container/` directory
   */
  readonly directory?: string;
  /**
   * Build arguments passed to `docker build`. `VLLM_VERSION` or `VLLM_IMAGE` change the vLLM base image, and with
   * it the CUDA version the endpoint's GPU driver must run: name it in `cudaVersion` unless the `VLLM_IMAGE` tag
   * says it (`…-cu130` is CUDA 13.0).
   * @default none
   */
  readonly buildArgs?: Record<string, string>;
  /**
   * The CUDA version the image is built with (`major.minor`); the endpoint refuses an inference AMI whose driver
   * cannot run it.
   * @default the pinned vLLM image's (12.9), or the one a `VLLM_IMAGE` build arg's `-cuXYZ` tag names
   */
  readonly cudaVersion?: string;
}

/** Options for an image already in ECR. */
export interface DetectorImageEcrOptions {
  /**
   * The CUDA version the image is built with (`major.minor`); the endpoint refuses an inference AMI whose driver
   * cannot run it.
   * @default the pinned vLLM image's (12.9): the image is assumed to be built from inference-container/ unchanged
   */
  readonly cudaVersion?: string;
}

/** A `docker build` of `inference-container/` never needs these; leaving them out keeps staging fast. */
const SOURCE_EXCLUDES = ['node_modules', 'dist', 'coverage', '*.log'];

const ECR_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const ECR_DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * The inference container image an endpoint runs: built from this package's sources (the default), or an image
 * your CI already pushed to ECR.
 */
export abstract class DetectorImage {
  /**
   * Build `inference-container/` as a Docker image asset (linux/amd64, the architecture of SageMaker's GPU
   * instances). `cdk synth` only stages the sources; `cdk deploy` builds and pushes the image, so it needs Docker.
   */
  static fromSource(options: DetectorImageSourceOptions = {}): DetectorImage {
    return new SourceImage(options);
  }

  /**
   * An image already in ECR, by tag (`src-1a2b3c4d5e6f`) or digest (`sha256:…`). Prefer a digest, or a repository
   * with immutable tags (see `DetectorImageRepository`): SageMaker cannot patch an endpoint whose image changed.
   */
  static fromEcrRepository(
    repository: IRepository,
    tagOrDigest: string,
    options: DetectorImageEcrOptions = {},
  ): DetectorImage {
    new ValidationErrors('DetectorImage.fromEcrRepository', (v) => Token.isUnresolved(v))
      .check(
        'tagOrDigest',
        tagOrDigest,
        (t) => ECR_TAG.test(t) || ECR_DIGEST.test(t),
        'use an ECR tag (letters, digits, _ . -, up to 128 characters, not starting with . or -) or a digest ' +
          'sha256:<64 hex digits>',
      )
      .throwIfAny();
    return new EcrImage(
      repository,
      tagOrDigest,
      options.cudaVersion ?? PINNED_IMAGE_CUDA,
      options.cudaVersion !== undefined,
    );
  }

  /**
   * The CUDA version the image is built with, or undefined when it cannot be known (a vLLM base image changed by
   * build args without `cudaVersion`): the endpoint then asks for it.
   */
  abstract readonly cudaVersion: string | undefined;

  /** Whether the CUDA version was named by the user (else it is the pinned vLLM image's). */
  abstract readonly cudaVersionDeclared: boolean;

  /** Resolves the image for an endpoint and lets `grantee` pull it. */
  abstract bind(scope: Construct, grantee: IGrantable): DetectorImageConfig;
}

class SourceImage extends DetectorImage {
  readonly cudaVersion: string | undefined;
  readonly cudaVersionDeclared: boolean;

  constructor(private readonly options: DetectorImageSourceOptions) {
    super();
    const args = options.buildArgs ?? {};
    const baseChanged = args.VLLM_IMAGE !== undefined || args.VLLM_VERSION !== undefined;
    const fromTag = args.VLLM_IMAGE === undefined ? undefined : cudaFromImageTag(args.VLLM_IMAGE);
    this.cudaVersion = options.cudaVersion ?? fromTag ?? (baseChanged ? undefined : PINNED_IMAGE_CUDA);
    this.cudaVersionDeclared = options.cudaVersion !== undefined || fromTag !== undefined;
  }

  bind(scope: Construct, grantee: IGrantable): DetectorImageConfig {
    // One asset per binding scope: binding again in the same scope reuses it.
    const existing = scope.node.tryFindChild('ImageAsset');
    const asset =
      existing instanceof DockerImageAsset
        ? existing
        : new DockerImageAsset(scope, 'ImageAsset', {
            directory: this.options.directory ?? containerSourceDirectory(),
            platform: Platform.LINUX_AMD64,
            exclude: SOURCE_EXCLUDES,
            ignoreMode: IgnoreMode.DOCKER,
            buildArgs: this.options.buildArgs,
          });
    asset.repository.grantPull(grantee);
    return { imageUri: asset.imageUri, repository: asset.repository };
  }
}

class EcrImage extends DetectorImage {
  constructor(
    private readonly repository: IRepository,
    private readonly tagOrDigest: string,
    readonly cudaVersion: string,
    readonly cudaVersionDeclared: boolean,
  ) {
    super();
  }

  bind(_scope: Construct, grantee: IGrantable): DetectorImageConfig {
    this.repository.grantPull(grantee);
    return {
      imageUri: this.repository.repositoryUriForTagOrDigest(this.tagOrDigest),
      repository: this.repository,
    };
  }
}
