/** One entry point for all three clouds. */
import { AzureMlDetectorClient, type AzureMlDetectorClientOptions } from './azure-ml-detector-client';
import type { DetectorClient } from './detector-client';
import { SageMakerDetectorClient, type SageMakerDetectorClientOptions } from './sagemaker-detector-client';
import { VertexDetectorClient, type VertexDetectorClientOptions } from './vertex-detector-client';
import { DetectorClientOptionsError } from './validate-options';

export type CreateDetectorClientOptions =
  | ({ cloud: 'aws' } & SageMakerDetectorClientOptions)
  | ({ cloud: 'gcp' } & VertexDetectorClientOptions)
  | ({ cloud: 'azure' } & AzureMlDetectorClientOptions);

export function createDetectorClient(
  options: { cloud: 'aws' } & SageMakerDetectorClientOptions,
): SageMakerDetectorClient;
export function createDetectorClient(options: { cloud: 'gcp' } & VertexDetectorClientOptions): VertexDetectorClient;
export function createDetectorClient(options: { cloud: 'azure' } & AzureMlDetectorClientOptions): AzureMlDetectorClient;
export function createDetectorClient(options: CreateDetectorClientOptions): DetectorClient;
export function createDetectorClient(options: CreateDetectorClientOptions): DetectorClient {
  switch (options.cloud) {
    case 'aws':
      return new SageMakerDetectorClient(options);
    case 'gcp':
      return new VertexDetectorClient(options);
    case 'azure':
      return new AzureMlDetectorClient(options);
    default:
      throw new DetectorClientOptionsError([
        `cloud must be "aws", "gcp" or "azure", got ${JSON.stringify((options as { cloud?: unknown }).cloud)}`,
      ]);
  }
}
