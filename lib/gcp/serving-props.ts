import type { DetectorModelOptions, DurationLike } from '../core';
import type { ModelWeights } from './model-weights';

/**
 * The props both GCP detector constructs take (the Vertex AI endpoint and the Cloud Run service), declared and
 * documented once; each construct's props extend these and add their own (aws-ecs-patterns style).
 */
export interface GcpServingProps extends DetectorModelOptions {
  /** GCP project id. */
  readonly project: string;
  /** Region of the endpoint or service, of the repository created for its image, and of a bucket created here. */
  readonly region: string;
  /**
   * An existing image URI to serve. When given, no repository is created. Vertex AI requires an Artifact Registry
   * (or Container Registry) image in the endpoint's region; Cloud Run takes any registry.
   * @default the inference container built from inference-container/, in a repository created here, tagged with a
   *   hash of its sources
   */
  readonly image?: string;
  /**
   * Tag of the image built from inference-container/ (not with `image`).
   * @default `src-` + a hash of the container's sources, so a source change rolls out a new version
   */
  readonly imageTag?: string;
  /**
   * Id of the Artifact Registry repository created for the image (not with `image`).
   * @default derived from the construct path
   */
  readonly repositoryName?: string;
  /**
   * Labels for the endpoint or service, the repository, a bucket created here and the uploaded models.
   * @default { 'managed-by': 'form-detector-stacks' }
   */
  readonly labels?: Record<string, string>;
  /**
   * Email of an existing service account to run the container as. You then grant it what it needs yourself
   * (logging.logWriter, monitoring.metricWriter, read of the image and of the weights).
   * @default a dedicated service account created here, with only those grants
   */
  readonly serviceAccount?: string;
  /**
   * Where the weights come from: Hugging Face, or Cloud Storage (`ModelWeights.fromCloudStorage`, or
   * `ModelWeights.fromStore(store)` with a `ModelWeightsStore` in a stack of its own). Vertex AI copies a store to
   * local disk through the model's `artifactUri` (AIP_STORAGE_URI); Cloud Run mounts it read-only as a Cloud Storage
   * volume. The serving service account gets read access to that bucket and prefix. Both platforms start the
   * container at deploy, so a store created in the same deploy (`fromNewStore()`) is refused (rule
   * weights.store-staged-before-start). The same prop on every construct of every cloud.
   * @default Vertex AI: ModelWeights.fromHuggingFace() (downloaded at every start); Cloud Run: required
   */
  readonly weights?: ModelWeights;
  /**
   * How long a new replica may take from container start to ready (vLLM downloads or copies the weights, quantizes
   * and warms up) before the platform gives up on it. The same prop on every construct of every cloud. Vertex AI:
   * `ModelContainerSpec.deploymentTimeout`, 5 minutes to 2 hours (the startup probe's failure threshold covers it).
   * Cloud Run: the startup probe's `initialDelaySeconds` + `failureThreshold` × `periodSeconds`, 60 s to 8 minutes
   * (at most 240 s of initial delay, then at most 240 s of probing).
   * @see https://cloud.google.com/vertex-ai/docs/reference/rest/v1/ModelContainerSpec
   * @see https://cloud.google.com/run/docs/configuring/healthchecks
   * @default Vertex AI: 1 hour; Cloud Run: 8 minutes
   */
  readonly modelLoadTimeout?: DurationLike;
}
