import type { ScalingOptions } from '../core';
import type { ModelWeights } from './model-weights';
import type { GcpServingProps } from './serving-props';

/** The Cloud Run service's props (the shared GCP ones are in serving-props.ts). */

/** Who may reach the service over the network (IAM still decides who may call it). */
export type CloudRunIngress =
  'INGRESS_TRAFFIC_ALL' | 'INGRESS_TRAFFIC_INTERNAL_ONLY' | 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER';

/** GPUs the catalog knows for Cloud Run services. */
export type CloudRunGpuAccelerator = 'nvidia-l4';

/** The Cloud Run service's props: the shared GCP ones, and its own instance size, scaling, ingress and invokers. */
export interface CloudRunGpuDetectorServiceProps extends GcpServingProps {
  /**
   * Where the weights come from. Cloud Run starts the container when it deploys a revision and waits for its startup
   * probe, so they must be readable before the deploy: `ModelWeights.fromStore(store)` with a `ModelWeightsStore` in
   * a stack deployed and staged first (what DetectorGcpStack does), `ModelWeights.fromCloudStorage('gs://…')` for
   * weights staged already (both mounted read-only as a Cloud Storage volume), or `ModelWeights.fromHuggingFace()`
   * (downloaded at every start, longer than Cloud Run's start window: a synth warning). No default, and
   * `fromNewStore()` is refused (rule weights.store-staged-before-start).
   */
  readonly weights: ModelWeights;
  /**
   * Name of the Cloud Run service: lowercase letters, digits and hyphens, at most 49 characters.
   * @default derived from the construct path
   */
  readonly serviceName?: string;
  /**
   * The GPU attached to each instance (one per instance).
   * @default 'nvidia-l4'
   */
  readonly accelerator?: CloudRunGpuAccelerator;
  /**
   * vCPUs per instance: 4, 6 or 8 (Cloud Run requires at least 4 with a GPU).
   * @default 8
   */
  readonly cpu?: number;
  /**
   * Memory per instance, GiB: 16 to 32 (Cloud Run requires at least 16 with a GPU; above 16 needs 6 vCPU, above 24
   * needs 8). The filesystem is in memory: weights downloaded at start-up count against it.
   * @default 32
   */
  readonly memoryGiB?: number;
  /**
   * How many instances. Only `minCapacity` and `maxCapacity` apply: Cloud Run scales on requests in flight against
   * the container's concurrency, with no target or cooldown to set.
   * @default min 0 (scale to zero), max 2
   */
  readonly scaling?: ScalingOptions;
  /**
   * Idle at zero instances (no GPU cost while idle; the first request after idle waits for a cold start). Set to
   * false together with `scaling.minCapacity` ≥ 1 to keep instances warm.
   * @default true
   */
  readonly scaleToZero?: boolean;
  /**
   * GPU zonal redundancy: Cloud Run reserves capacity to fail over to another zone. It costs more per GPU hour (the
   * cost estimate assumes it off) and is a separate GPU quota.
   * @default false (cheaper; a zonal outage can leave the service without a GPU until capacity returns)
   */
  readonly zonalRedundancy?: boolean;
  /**
   * The CUDA version of `image` (`major.minor`): Cloud Run's L4 driver (535, CUDA 12.2) runs CUDA 12.x images by
   * minor-version compatibility, and a CUDA 13 image only with CUDA's forward-compatibility package (vLLM's image
   * leaves it off), so a CUDA 13 image is refused.
   * @default 12.9 for the image built from inference-container/; for an `image` you pass, unknown (not checked)
   */
  readonly imageCudaVersion?: string;
  /**
   * Who may reach the service over the network. Callers still need `roles/run.invoker`.
   * @default 'INGRESS_TRAFFIC_ALL' (reachable from anywhere, IAM-authenticated)
   */
  readonly ingress?: CloudRunIngress;
  /**
   * IAM members granted `roles/run.invoker` on this service, e.g. `serviceAccount:app@p.iam.gserviceaccount.com`.
   * `allUsers` and `allAuthenticatedUsers` are refused. More can be added with `grantInvoke()`.
   * @default none
   */
  readonly invokers?: readonly string[];
  /**
   * Make Terraform refuse to delete the service.
   * @default false (the service holds no data; `cdktf destroy` removes it)
   */
  readonly deletionProtection?: boolean;
}
