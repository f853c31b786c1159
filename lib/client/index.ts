/**
 * Clients for a deployed form-field detector on SageMaker, Vertex AI or Azure ML: one `DetectorClient` interface,
 * client-side checks (image type, payload limit, downscaling), retries and typed errors; PDF input (pages rendered
 * in-process) and export to a pdfme template or a fillable PDF.
 *
 * Named exports only: what is listed here is the public API (its report is etc/api/client.api.md).
 */
export {
  AZURE_ML_SCOPE,
  AzureMlDetectorClient,
  type AzureMlAuth,
  type AzureMlDetectorClientOptions,
  type TokenCredentialLike,
} from './azure-ml-detector-client';
export { type ColdStartPolicy, type WarmingUpInfo } from './cold-start';
export { createDetectorClient, type CreateDetectorClientOptions } from './create-detector-client';
export { parseDetectionResult } from './detection-result';
export {
  CLIENT_DEFAULTS,
  type DetectOptions,
  type DetectorClient,
  type DetectorClientOptions,
} from './detector-client';
export {
  DetectorError,
  type ClientErrorCode,
  type DetectorErrorCode,
  type DetectorErrorOptions,
  type DetectorErrorSource,
} from './detector-error';
export {
  buildReport,
  compareReports,
  DEFAULT_IOU_THRESHOLDS,
  drawEvaluationOverlay,
  evaluate,
  EVALUATION_OVERLAY_COLORS,
  formatComparisonMarkdown,
  formatReportMarkdown,
  loadPdfmeTruth,
  loadTruth,
  matchBoxes,
  metricsOf,
  parseDetectionRecords,
  parseTruthJsonl,
  readDetectionRecords,
  SCORING_METHOD,
  TruthError,
  truthFromPdfmeSchemas,
  typeMetricsOf,
  type ComparisonReport,
  type DetectionMetrics,
  type EvalReport,
  type EvaluationOverlayOptions,
  type FileReport,
  type LevelMetrics,
  type LevelTypeMetrics,
  type MatchCounts,
  type MatchedPair,
  type MetricsDifference,
  type PageBox,
  type PageMatch,
  type PageReport,
  type PageScore,
  type PageSizeMm,
  type PdfmeTruth,
  type PredictedDocument,
  type PredictedPage,
  type RecordReadOptions,
  type ScoreOptions,
  type TruthBox,
  type TruthDocument,
  type TruthPage,
  type TypeMetrics,
  type Unscored,
} from './eval';
export { type ImageFormat, type ImageInput } from './image-input';
export { type Limiter } from './limiter';
export { drawOverlay, OVERLAY_DEFAULTS, type OverlayOptions } from './overlay';
export { PAYLOAD_LIMIT_BYTES, type Cloud } from './payload-limits';
export {
  DETECT_PDF_DEFAULTS,
  detectDocument,
  type DetectedDocument,
  type DetectedPage,
  type DetectPdfOptions,
  type DocumentInput,
} from './pdf/detect-pdf';
export { type ExportOptions, type PageFields } from './pdf/exported-pages';
export { MERGE_IOU, type FieldBox } from './pdf/field-boxes';
export { toFillablePdf } from './pdf/fillable-pdf';
export { IMAGE_PAGE_LONG_SIDE_MM, imageToPdf } from './pdf/image-page';
export {
  displayedSizeMm,
  displayedSizePt,
  MM_PER_POINT,
  mmToNormalized,
  normalizedToMm,
  normalizedToUserSpace,
  userSpaceToNormalized,
  type MmBox,
  type NormalizedBox,
  type PageGeometry,
  type PageRotation,
  type PdfRect,
} from './pdf/page-geometry';
export { isPdf, type PageSize, type PdfPage } from './pdf/pdf-pages';
export { DEFAULT_RENDER_LONG_SIDE, type RenderedPage } from './pdf/pdf-renderer';
export { toPdfmeTemplate, type PdfmeTemplate, type PdfmeTextField } from './pdf/pdfme-template';
export { SageMakerDetectorClient, type SageMakerDetectorClientOptions } from './sagemaker-detector-client';
export { DetectorClientOptionsError } from './validate-options';
export {
  GOOGLE_CLOUD_PLATFORM_SCOPE,
  VertexDetectorClient,
  type VertexDetectorClientOptions,
} from './vertex-detector-client';
export {
  type AdapterStatus,
  type DetectedBox,
  type DetectionResult,
  type DetectParameters,
  type ErrorCode,
} from '../../inference-container/src/contract';
