/**
 * Clients for a deployed form-field detector on SageMaker, Vertex AI or Azure ML: one `DetectorClient` interface,
 * client-side checks (image type, payload limit, downscaling), retries and typed errors; PDF input (pages rendered
 * in-process) and export to a pdfme template or a fillable PDF.
 */
export * from './azure-ml-detector-client';
export * from './cold-start';
export * from './create-detector-client';
export * from './detection-result';
export * from './detector-client';
export * from './detector-error';
export * from './image-input';
export * from './limiter';
export * from './overlay';
export * from './payload-limits';
export * from './pdf/detect-pdf';
export * from './pdf/exported-pages';
export * from './pdf/field-boxes';
export * from './pdf/fillable-pdf';
export * from './pdf/image-page';
export * from './pdf/page-geometry';
export * from './pdf/pdf-pages';
export * from './pdf/pdf-renderer';
export * from './pdf/pdfme-template';
export * from './prepare-image';
export * from './sagemaker-detector-client';
export * from './validate-options';
export * from './vertex-detector-client';
export type {
  AdapterStatus,
  DetectedBox,
  DetectionResult,
  DetectParameters,
  ErrorCode,
} from '../../inference-container/src/contract';
export * from './eval';
