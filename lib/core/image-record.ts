import { PINNED_IMAGE_CUDA, parseCudaVersion } from './platform-rules/cuda';

/**
 * The key under which a construct records what it knows of its image in the synthesized output (CloudFormation
 * resource `Metadata`, the `//` object of a Terraform resource), so `npm run preflight` can check the host's driver
 * against the image's CUDA without the image itself.
 */
export const IMAGE_METADATA_KEY = 'form-detector:image';

/** What the synthesized output records about an image. */
export interface ImageRecord {
  /** The CUDA version the image is built with, e.g. `12.9`. */
  readonly cudaVersion: string;
  /** `pinned`: the image built from inference-container/ at the pinned vLLM; `declared`: a CUDA the user named. */
  readonly cudaVersionFrom: 'pinned' | 'declared';
}

/** The record of an image built from this package's Dockerfile at its pinned vLLM. */
export const PINNED_IMAGE_RECORD: ImageRecord = { cudaVersion: PINNED_IMAGE_CUDA, cudaVersionFrom: 'pinned' };

/** `cu130` → `13.0`, `cu129` → `12.9`: the CUDA a vLLM image tag suffix names, else undefined. */
export function cudaFromImageTag(image: string): string | undefined {
  const m = /-cu(\d{2,3})(?:-|$)/.exec(image.slice(image.lastIndexOf(':') + 1));
  if (!m) return undefined;
  const digits = m[1];
  return `${digits.slice(0, -1)}.${digits.slice(-1)}`;
}

/** Why a CUDA version string is not one, or undefined. */
export function cudaVersionProblem(cudaVersion: string): string | undefined {
  return parseCudaVersion(cudaVersion) ? undefined : 'use a CUDA version as major.minor, e.g. "12.9"';
}
