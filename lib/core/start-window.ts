import type { DetectorDeployment } from './deployment';
import type { ColdStart } from './on-demand';
import { CLOUD_RUN_START_WINDOW } from './platform-rules/gcp';
import { coldStartFor, huggingFaceDownloadGiB, type WeightsSource } from './weights';

/** A platform's start window and the cold start estimated against it. */
export interface StartWindow {
  readonly seconds: number;
  /** The estimate a new instance is compared with (also for scale-out when instances stay warm). */
  readonly coldStart: ColdStart;
  /** What to change when the estimate exceeds the window. */
  readonly remedy: string;
}

/** The warning when the estimated cold start can run past the start window (rule cloud-run.start-window), else undefined. */
export function startWindowWarning(window: StartWindow): string | undefined {
  const [violation] = CLOUD_RUN_START_WINDOW.check({
    startWindowSeconds: window.seconds,
    coldStart: window.coldStart,
    remedy: window.remedy,
  });
  return violation && `the ${violation.value} ${violation.fix}`;
}

/**
 * A Cloud Run service's start window — the startup probe's initial delay + failure threshold × period, the longest
 * Cloud Run waits for a new instance — and the cold start its weights source implies; what the construct warns about
 * at synth and preflight checks on the output. From Hugging Face it is a warning, not a refusal: the estimate rests
 * on an unverified download rate.
 */
export function cloudRunStartWindow(
  startupProbe: {
    readonly initialDelaySeconds: number;
    readonly periodSeconds: number;
    readonly failureThreshold: number;
  },
  weights: WeightsSource,
  deployment: Pick<DetectorDeployment, 'model'>,
): StartWindow {
  return {
    seconds: startupProbe.initialDelaySeconds + startupProbe.failureThreshold * startupProbe.periodSeconds,
    coldStart: coldStartFor('cloudRunGpu', weights),
    remedy:
      weights.kind === 'huggingface'
        ? `~${huggingFaceDownloadGiB(deployment).toFixed(0)} GiB are downloaded, then quantized, at every start: ` +
          'stage the weights in Cloud Storage instead — weights: ModelWeights.fromNewStore() (the default) or ' +
          'ModelWeights.fromCloudStorage(...)'
        : 'use the always-on Vertex AI mode, or a smaller model',
  };
}
