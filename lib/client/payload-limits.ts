/**
 * Request-size limits per platform and how each platform's request grows with the image.
 * Sources: the SageMaker InvokeEndpoint API reference (≈6 MB, 60 s), the Vertex AI docs on dedicated and shared
 * endpoints (shared: 1.5 MB), and the container's MAX_BODY_BYTES (inference-container/CONTRACT.md).
 */
import { DEFAULTS, MAX_IMAGE_PIXELS } from '../../inference-container/src/contract';
import type { Cloud } from '../core/gpu-catalog';

/** The clouds, as core names them. */
export type { Cloud };

export const PAYLOAD_LIMIT_BYTES: Record<Cloud, number> = {
  /** SageMaker real-time InvokeEndpoint: ≈6 MB request body; we send raw bytes, so the image itself must fit. */
  aws: 6_000_000,
  /** Vertex AI dedicated endpoints: 10 MB per request, JSON with base64 (4/3 inflation) included. */
  gcp: 10_000_000,
  /**
   * Azure ML managed online endpoints document no smaller cap that binds first; the container refuses bodies over
   * MAX_BODY_BYTES (8 MiB by default), so that is the limit, JSON with base64 included.
   */
  azure: DEFAULTS.maxBodyBytes,
};

/** The container refuses images over this many pixels; the client downscales them instead. */
export const MAX_PIXELS = MAX_IMAGE_PIXELS;

/** Bytes of base64 for n raw bytes. */
export const base64Length = (bytes: number) => 4 * Math.ceil(bytes / 3);

/** Bytes on the wire for one image of `bytes` raw bytes, per platform (JSON framing included). */
export function requestBytes(cloud: Cloud, bytes: number): number {
  switch (cloud) {
    case 'aws':
      return bytes;
    case 'gcp':
      // {"instances":[{"image_base64":"..."}]}
      return base64Length(bytes) + 40;
    case 'azure':
      // {"image_base64":"..."}
      return base64Length(bytes) + 20;
  }
}
