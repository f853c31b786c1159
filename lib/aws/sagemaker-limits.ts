import type { DurationLike, GpuInstance, ValidationErrors } from '../core';

/**
 * What the SageMaker API accepts, checked at synth so a bad value fails in seconds, not 20 minutes into a deploy.
 * Sources: API_ProductionVariant (timeouts), API_ContainerDefinition (environment), API_CreateEndpoint (name),
 * API_CreateEndpointConfig (KmsKeyId on local-storage instances).
 */
export const SAGEMAKER_LIMITS = {
  /** ContainerStartupHealthCheckTimeoutInSeconds and ModelDataDownloadTimeoutInSeconds. */
  minTimeoutSeconds: 60,
  maxTimeoutSeconds: 3600,
  maxEnvironmentEntries: 100,
  /** Per key and per value. */
  maxEnvironmentEntryBytes: 1024,
  maxEnvironmentTotalBytes: 32 * 1024,
  minVolumeSizeGb: 1,
  maxVolumeSizeGb: 512,
  endpointName: /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/,
} as const;

/** The instance family, e.g. `ml.g5` for `ml.g5.xlarge`. */
export function instanceFamily(instanceType: string): string {
  return instanceType.split('.').slice(0, 2).join('.');
}

/**
 * Whole seconds of `duration`, or undefined (with the problem recorded) when it is not a whole number of seconds
 * or falls outside 60–3600 s. Tokens pass through.
 */
export function checkTimeout(
  errors: ValidationErrors,
  prop: string,
  duration: DurationLike | undefined,
  fallbackSeconds: number,
  isUnresolved: (value: unknown) => boolean,
): number {
  if (duration === undefined) return fallbackSeconds;
  let seconds: number;
  try {
    seconds = duration.toSeconds();
  } catch {
    errors.add(prop, duration, 'use a whole number of seconds');
    return fallbackSeconds;
  }
  if (isUnresolved(seconds)) return seconds;
  const { minTimeoutSeconds: min, maxTimeoutSeconds: max } = SAGEMAKER_LIMITS;
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    errors.add(
      prop,
      `${seconds} s`,
      `SageMaker accepts ${min}–${max} s; vLLM needs 15–30 minutes to download, load and warm up the model, ` +
        'e.g. Duration.minutes(30)',
    );
  }
  return seconds;
}

/** NVMe instance families reject VolumeSizeInGB and an endpoint-config KmsKeyId. */
export function checkStorage(
  errors: ValidationErrors,
  instance: GpuInstance,
  volumeSizeGb: number | undefined,
  encryptionKeyGiven: boolean,
  isUnresolved: (value: unknown) => boolean,
): void {
  const family = instanceFamily(instance.instanceType);
  const nvme =
    `${family} instances have local NVMe instance storage, which is hardware-encrypted (XTS-AES-256) and ` +
    'sized by the instance';
  if (volumeSizeGb !== undefined && instance.localNvme) {
    errors.add(
      'volumeSize',
      `${volumeSizeGb} GiB`,
      `${nvme}; SageMaker rejects VolumeSizeInGB for ${family}. Leave volumeSize out`,
    );
  } else if (volumeSizeGb !== undefined && !isUnresolved(volumeSizeGb)) {
    const { minVolumeSizeGb: min, maxVolumeSizeGb: max } = SAGEMAKER_LIMITS;
    if (!Number.isInteger(volumeSizeGb) || volumeSizeGb < min || volumeSizeGb > max) {
      errors.add('volumeSize', `${volumeSizeGb} GiB`, `use a whole number of GiB from ${min} to ${max}`);
    }
  }
  if (encryptionKeyGiven && instance.localNvme) {
    errors.add(
      'encryptionKey',
      'a KMS key',
      `${nvme}; CreateEndpointConfig fails when KmsKeyId is set for ${family}. Leave encryptionKey out`,
    );
  }
}

/** ContainerDefinition.Environment limits: entries, bytes per key and value, bytes in total. */
export function checkEnvironment(
  errors: ValidationErrors,
  environment: Record<string, string>,
  isUnresolved: (value: unknown) => boolean,
): void {
  const { maxEnvironmentEntries, maxEnvironmentEntryBytes, maxEnvironmentTotalBytes } = SAGEMAKER_LIMITS;
  const entries = Object.entries(environment);
  if (entries.length > maxEnvironmentEntries) {
    errors.add(
      'environment',
      `${entries.length} variables (with the ones this construct sets)`,
      `SageMaker allows at most ${maxEnvironmentEntries}; pass fewer extra variables`,
    );
  }
  let total = 0;
  for (const [key, value] of entries) {
    const keyBytes = Buffer.byteLength(key);
    const valueBytes = isUnresolved(value) ? 0 : Buffer.byteLength(value);
    total += keyBytes + valueBytes;
    if (keyBytes > maxEnvironmentEntryBytes) {
      errors.add(`environment.${key.slice(0, 40)}…`, `a ${keyBytes}-byte name`, `names may have at most 1 KB`);
    }
    if (valueBytes > maxEnvironmentEntryBytes) {
      errors.add(
        `environment.${key}`,
        `a ${valueBytes}-byte value`,
        `SageMaker allows at most ${maxEnvironmentEntryBytes} bytes per value; put large values in S3 or ` +
          'Secrets Manager and pass their location',
      );
    }
  }
  if (total > maxEnvironmentTotalBytes) {
    errors.add('environment', `${total} bytes in total`, `SageMaker allows at most ${maxEnvironmentTotalBytes}`);
  }
}
