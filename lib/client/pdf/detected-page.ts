/** What a PDF detection takes and gives back, page by page (types only, shared by the clients and detect-pdf). */
import type { DetectionResult } from '../../../inference-container/src/contract';
import type { DetectOptions } from '../detect-options';
import type { ImageInput } from '../image-input';
import type { Limiter } from '../limiter';
import type { PageRotation } from './page-geometry';
import type { PageSize } from './pdf-pages';

/** A file path, the bytes, or their base64 (a `data:…;base64,` prefix is fine) — of a PDF or, where said, an image. */
export type DocumentInput = ImageInput;

/** One page's answer. */
export interface DetectedPage {
  /** Page number, from 1. */
  page: number;
  /** The page as displayed — its CropBox (∩ MediaBox), turned by /Rotate — in points and millimetres. */
  size: PageSize;
  /** The page's /Rotate, 0, 90, 180 or 270. */
  rotation: PageRotation;
  /**
   * The model's answer for the rendered page: `bbox_normalized` is 0–1000 of the displayed page (so
   * mm = n / 1000 × size in mm); `bbox_pixel` and `image_size` are in the rendered image's pixels.
   */
  result: DetectionResult;
}

export interface DetectPdfOptions extends DetectOptions {
  /**
   * Long side of each rendered page in pixels. The model sees at most 1024 px (the container's MAX_IMAGE_SIDE);
   * twice that leaves the final downscale to the container, as for a scanned page, and room for a larger
   * MAX_IMAGE_SIDE.
   * @default 2048
   */
  renderLongSide?: number;
  /**
   * Pages in flight at once.
   * @default 4
   */
  concurrency?: number;
  /** Runs each page's render-and-send; pass one shared limiter to bound requests across several documents. */
  limiter?: Limiter;
  /** Called as each page is answered, with the image that was sent (e.g. to draw an overlay). */
  onPage?: (page: DetectedPage, image: Buffer) => void | Promise<void>;
}
