import {
  DEFAULT_SAGEMAKER_INFERENCE_AMI,
  SAGEMAKER_DRIVER_RUNS_IMAGE,
  SAGEMAKER_ENVIRONMENT_LIMITS,
  SAGEMAKER_INFERENCE_AMI_ACCEPTED,
  SAGEMAKER_INFERENCE_AMI_INSTANCE,
  SAGEMAKER_INFERENCE_AMIS,
  SAGEMAKER_NVME_NO_KMS_KEY,
  SAGEMAKER_NVME_NO_VOLUME_SIZE,
  SAGEMAKER_STARTUP_TIMEOUTS,
  SAGEMAKER_VOLUME_SIZE_RANGE,
  sagemakerDriverRemedy,
  type DurationLike,
  type GpuInstance,
  type ValidationErrors,
} from '../core';

/**
 * SageMaker's rules applied to the endpoint props, checked at synth so a bad value fails in seconds, not 20 minutes
 * into a deploy. The rules themselves, with their sources, are in lib/core/platform-rules/sagemaker.ts. Internal to
 * lib/aws.
 */

/**
 * Whole seconds of `duration`, or the fallback (with the problem recorded) when it is not a whole number of
 * seconds; outside 60–3600 s is recorded too. Tokens pass through.
 */
export function checkTimeout(
  errors: ValidationErrors,
  prop: string,
  duration: DurationLike | undefined,
  fallbackSeconds: number,
): number {
  if (duration === undefined) return fallbackSeconds;
  const seconds = errors.wholeSeconds(prop, duration, Number.NaN);
  if (Number.isNaN(seconds)) return fallbackSeconds;
  if (errors.isKnown(seconds)) errors.rule(prop, SAGEMAKER_STARTUP_TIMEOUTS, { seconds });
  return seconds;
}

/** NVMe instance families reject VolumeSizeInGB and an endpoint-config KmsKeyId; other volumes are 1–512 GB. */
export function checkStorage(
  errors: ValidationErrors,
  instance: GpuInstance,
  volumeSizeGb: number | undefined,
  encryptionKeyGiven: boolean,
): void {
  const input = {
    instanceType: instance.instanceType,
    localNvme: instance.localNvme,
    volumeSizeGb: volumeSizeGb === undefined || errors.isKnown(volumeSizeGb) ? volumeSizeGb : undefined,
    kmsKey: encryptionKeyGiven,
  };
  errors.rule('volumeSize', SAGEMAKER_NVME_NO_VOLUME_SIZE, input);
  errors.rule('volumeSize', SAGEMAKER_VOLUME_SIZE_RANGE, input);
  errors.rule('encryptionKey', SAGEMAKER_NVME_NO_KMS_KEY, input);
}

/** ContainerDefinition.Environment limits: entries, bytes per key and value, bytes in total. */
export function checkEnvironment(errors: ValidationErrors, environment: Record<string, string>): void {
  const known = Object.fromEntries(
    Object.entries(environment).map(([k, v]) => [k, errors.isKnown(v) ? v : undefined] as const),
  );
  errors.rule('environment', SAGEMAKER_ENVIRONMENT_LIMITS, { environment: known });
}

/**
 * The inference AMI a variant runs (the prop, else the default) and the checks that it exists, fits the instance
 * family and carries a driver that runs the image's CUDA. Returns the AMI to set.
 */
export function checkInferenceAmi(
  errors: ValidationErrors,
  inferenceAmiVersion: string | undefined,
  instance: GpuInstance,
  /** undefined when the image's CUDA is unknown (reported elsewhere). */
  imageCuda: string | undefined,
): string {
  const ami = inferenceAmiVersion ?? DEFAULT_SAGEMAKER_INFERENCE_AMI;
  if (!errors.isKnown(ami)) return ami;
  const input = { inferenceAmiVersion: ami, instanceType: instance.instanceType };
  const before = errors.count;
  errors.rule('inferenceAmiVersion', SAGEMAKER_INFERENCE_AMI_ACCEPTED, input);
  errors.rule('inferenceAmiVersion', SAGEMAKER_INFERENCE_AMI_INSTANCE, input);
  const driver = SAGEMAKER_INFERENCE_AMIS[ami]?.driver;
  if (errors.count === before && driver && imageCuda !== undefined) {
    errors.rule('inferenceAmiVersion', SAGEMAKER_DRIVER_RUNS_IMAGE, {
      driver,
      imageCuda,
      host: `AMI ${ami}`,
      remedy: sagemakerDriverRemedy(imageCuda),
    });
  }
  return ami;
}
