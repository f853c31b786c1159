import type { DurationLike, GcpAcceleratorType, GcpMachineType, ScalingOptions } from '../core';
import type { GcpServingProps } from './serving-props';

/** The Vertex AI endpoint's props (the shared GCP ones are in serving-props.ts). */

/**
 * Timing of a Vertex AI container probe. Vertex AI requires the timeout to exceed the period (ModelContainerSpec →
 * Probe: periodSeconds "must be less than timeout_seconds"); models.upload fails with INVALID_ARGUMENT otherwise.
 */
export interface VertexProbeOptions {
  /**
   * How often to probe.
   * @default Duration.seconds(10)
   */
  readonly period?: DurationLike;
  /**
   * How long one probe may take; more than `period`.
   * @default Duration.seconds(15)
   */
  readonly timeout?: DurationLike;
}

/** Timing of the health probe, which takes a replica out of traffic after consecutive failures. */
export interface VertexHealthProbeOptions extends VertexProbeOptions {
  /**
   * Consecutive failures before the replica stops getting traffic.
   * @default 3
   */
  readonly failureThreshold?: number;
}

/** Request/response logging to BigQuery (the endpoint's `predict_request_response_logging_config`). */
export interface VertexRequestResponseLogging {
  /**
   * Fraction of requests logged, (0, 1]. Requests carry whole page images: keep it low.
   * @default 0.1
   */
  readonly samplingRate?: number;
  /**
   * BigQuery table URI, `bq://project.dataset.table` or `bq://project.dataset`.
   * @default Vertex AI creates a dataset and table in the project
   */
  readonly bigqueryDestination?: string;
}

/** The Vertex AI endpoint's props: the shared GCP ones, and its own machine, autoscaling, probes and logging. */
export interface VertexDetectorEndpointProps extends GcpServingProps {
  /**
   * Display name of the endpoint (and base name of the uploaded models).
   * @default derived from the construct path
   */
  readonly endpointName?: string;
  /**
   * The endpoint's numeric id (its resource name): up to 10 digits, no leading zero, unique in the project and region.
   * Changing it replaces the endpoint.
   * @default a stable 10-digit number derived from the project, region and construct path
   */
  readonly endpointId?: string;
  /**
   * Machine type of each replica.
   * @default 'g2-standard-8'
   */
  readonly machineType?: GcpMachineType;
  /**
   * GPU attached to each replica.
   * @default the machine's GPU in the catalog: NVIDIA_L4 on g2, NVIDIA_TESLA_T4 on n1, NVIDIA_TESLA_A100 on a2
   */
  readonly acceleratorType?: GcpAcceleratorType;
  /**
   * GPUs per replica (more than one splits the model across them).
   * @default 1
   */
  readonly acceleratorCount?: number;
  /**
   * How many replicas; Vertex AI keeps at least one running. Only `minCapacity` and `maxCapacity` apply: Vertex AI
   * scales on accelerator duty cycle (`dutyCycleTarget`), with no cooldown to set.
   * @default min 1, max 2
   */
  readonly scaling?: ScalingOptions;
  /**
   * Accelerator duty cycle (%) the autoscaler holds the replicas at.
   * @default 60
   */
  readonly dutyCycleTarget?: number;
  /**
   * `gs://bucket/prefix` holding the weights (base model, with the adapter in `adapter/`).
   * @deprecated use `weights: ModelWeights.fromCloudStorage('gs://bucket/prefix')`
   * @default none
   */
  readonly modelWeights?: string;
  /**
   * Log a sample of requests and responses to BigQuery.
   * @default off
   */
  readonly requestResponseLogging?: VertexRequestResponseLogging;
  /**
   * The startup probe on the health route, which holds off health checks until vLLM has loaded the model. It
   * fails the replica after `modelLoadTimeout` (failure threshold = modelLoadTimeout / period).
   * @default period 10 s, timeout 15 s
   */
  readonly startupProbe?: VertexProbeOptions;
  /**
   * The health probe once the replica has started.
   * @default period 10 s, timeout 15 s, 3 failures
   */
  readonly healthProbe?: VertexHealthProbeOptions;
  /**
   * Shared memory for the container, MiB (vLLM and PyTorch use /dev/shm, most with several GPUs).
   * @default a quarter of the machine's memory, at most 16384
   */
  readonly sharedMemorySizeMiB?: number;
  /**
   * The command that runs `bin/vertex-deploy` from the stack's Terraform working directory.
   * @default `node "<relative path>/dist/bin/vertex-deploy.js"`, computed at synth
   */
  readonly deployCommand?: string;
}
