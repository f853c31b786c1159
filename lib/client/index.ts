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
export {
  coldStartReason,
  formatDuration,
  waitOutColdStart,
  type ColdStartPolicy,
  type WarmingUpInfo,
} from './cold-start';
export { createDetectorClient, type CreateDetectorClientOptions } from './create-detector-client';
export { detectionResultProblem, parseDetectionResult, toOriginalFrame } from './detection-result';
export {
  CLIENT_DEFAULTS,
  COLD_START_TIMEOUT_MS,
  coldStartTargetOfUrl,
  requestParameters,
  resolveClientOptions,
  type ColdStartTarget,
  type DetectOptions,
  type DetectorClient,
  type DetectorClientOptions,
} from './detector-client';
export {
  codeForStatus,
  DetectorError,
  errorFromResponse,
  isContainerErrorCode,
  isNoCapacityMessage,
  refuse,
  type ClientErrorCode,
  type DetectorErrorCode,
  type DetectorErrorOptions,
  type DetectorErrorSource,
} from './detector-error';
export {
  addCounts,
  buildReport,
  compareReports,
  DEFAULT_FIELD_TYPE,
  DEFAULT_IOU_THRESHOLDS,
  drawEvaluationOverlay,
  evaluate,
  EVALUATION_OVERLAY_COLORS,
  formatComparisonMarkdown,
  formatReportMarkdown,
  fromNormalized,
  fromRect,
  headlineThreshold,
  loadPdfmeTruth,
  loadTruth,
  matchBoxes,
  metricsOf,
  ordered,
  pairDocuments,
  parseDetectionRecords,
  parseTruthJsonl,
  pdfPageSizesMm,
  readDetectionRecords,
  scorePage,
  SCORING_METHOD,
  thresholdKey,
  TruthError,
  truthFromPdfmeSchemas,
  typeMetricsOf,
  zeroCounts,
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
export {
  checkImage,
  CONTENT_TYPES,
  decodeBase64,
  displayedSize,
  loadImage,
  readImageInput,
  type CheckedImage,
  type ImageFormat,
  type ImageInput,
} from './image-input';
export { createLimiter, type Limiter } from './limiter';
export { drawOverlay, OVERLAY_DEFAULTS, type OverlayOptions } from './overlay';
export { base64Length, MAX_PIXELS, PAYLOAD_LIMIT_BYTES, requestBytes, type Cloud } from './payload-limits';
export {
  DETECT_PDF_DEFAULTS,
  detectDocument,
  detectPdfBytes,
  detectPdfWith,
  type DetectedDocument,
  type DetectedPage,
  type DetectPdfOptions,
  type DocumentInput,
} from './pdf/detect-pdf';
export { fieldsPerPage, type ExportOptions, type PageFields } from './pdf/exported-pages';
export {
  clampBox,
  fieldName,
  iou,
  MERGE_IOU,
  mergeBoxes,
  pageFields,
  readingOrder,
  type FieldBox,
} from './pdf/field-boxes';
export { toFillablePdf, widgetPlacement } from './pdf/fillable-pdf';
export { IMAGE_PAGE_LONG_SIDE_MM, imageToPdf } from './pdf/image-page';
export {
  displayedSizeMm,
  displayedSizePt,
  displayedToUserSpace,
  intersectRects,
  MM_PER_POINT,
  mmToNormalized,
  normalizedToMm,
  normalizedToUserSpace,
  normalizeRotation,
  rectFromCorners,
  userSpaceToDisplayed,
  userSpaceToNormalized,
  type MmBox,
  type NormalizedBox,
  type PageGeometry,
  type PageRotation,
  type PdfRect,
} from './pdf/page-geometry';
export { geometryOf, isPdf, loadPdf, pageSize, type LoadedPdf, type PageSize, type PdfPage } from './pdf/pdf-pages';
export {
  DEFAULT_RENDER_LONG_SIDE,
  openPdfForRendering,
  RENDER_LONG_SIDE_RANGE,
  RENDER_TIMEOUT_MS,
  type RenderedPage,
  type RendererDocument,
} from './pdf/pdf-renderer';
export {
  FONT_SIZE_RANGE,
  fontSizeFor,
  textField,
  toPdfmeTemplate,
  type PdfmeTemplate,
  type PdfmeTextField,
} from './pdf/pdfme-template';
export { MIN_LONG_SIDE, prepareChecked, prepareImage, type PreparedImage, type PrepareOptions } from './prepare-image';
export {
  SageMakerDetectorClient,
  toDetectorError,
  type SageMakerDetectorClientOptions,
} from './sagemaker-detector-client';
export { assertNoProblems, collectNumberProblems, DetectorClientOptionsError, urlProblem } from './validate-options';
export {
  GOOGLE_CLOUD_PLATFORM_SCOPE,
  VertexDetectorClient,
  type VertexDetectorClientOptions,
} from './vertex-detector-client';
export {
  ERROR_STATUS,
  type AdapterStatus,
  type DetectedBox,
  type DetectionResult,
  type DetectParameters,
  type ErrorCode,
} from '../../inference-container/src/contract';
