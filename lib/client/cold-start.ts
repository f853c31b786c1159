/**
 * Waiting out a cold start: an on-demand deployment scaled to zero answers "no capacity" / "not ready" for minutes
 * while it starts an instance and loads the model. The clients' ordinary retries (the AWS SDK's retry strategy,
 * undici's RetryAgent, bounded by `maxRetries`) are for seconds-long hiccups; this is the small loop above them for
 * the minutes-long window, bounded by `coldStartTimeoutMs` and cancellable through the call's AbortSignal.
 *
 * What counts as a cold start (see `coldStartReason`):
 * - SageMaker inference component with no copies: InvokeEndpoint fails with `ValidationError` (HTTP 400)
 *   "Inference Component has no capacity to process this request. ApplicationAutoScaling may be in-progress (if
 *   configured) or try to increase the capacity by invoking UpdateInferenceComponentRuntimeConfig API." (quoted in
 *   the AWS ML blog "Unlock cost savings with the new scale down to zero feature in SageMaker Inference", Dec 2024;
 *   the scale-to-zero guide, docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-zero-instances.html, says
 *   only that every invocation "will produce an error" while the instance is provisioned). Mapped to `no_capacity`.
 * - Cloud Run with no instance to take the request: HTTP 429 "The request was aborted because there was no available
 *   instance." (cloud.google.com/run/docs/troubleshooting#abort-request; users also report it with HTTP 500, so the
 *   text decides, not the status). Cloud Run otherwise holds a request while an instance starts, so most cold starts
 *   are just a slow first answer. Mapped to `no_capacity`. RetryAgent retries a 429 under `maxRetries` first.
 * - Azure Container Apps: the ingress holds the request while a replica starts ("scale from zero" is triggered by
 *   the request itself, learn.microsoft.com/azure/container-apps/cold-start recommends client retries); a start
 *   longer than the ingress's request limit (~240 s) ends in a gateway 503/504 without the container's JSON. Not
 *   confirmed with a live app: matched as any platform 503/504.
 * - The container's own 503 `not_ready` (the model is still loading), with Retry-After; and a platform 503.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DetectorError } from './detector-error';

/** What `onWarmingUp` is told before each wait. */
export interface WarmingUpInfo {
  /** 1 for the first answer that reported a cold start, then 2, 3, … */
  attempt: number;
  /** Milliseconds since the first such answer. */
  waitedMs: number;
  /** Why the endpoint is not serving yet, in words (e.g. "the inference component has no copy running"). */
  reason: string;
  /** The limit the wait runs up to (`coldStartTimeoutMs`). */
  limitMs: number;
  /** How long until the next attempt. */
  nextAttemptInMs: number;
}

export interface ColdStartPolicy {
  /** 0 disables waiting: cold-start answers are then ordinary retryable errors under `maxRetries`. */
  limitMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Names the far end, e.g. "the SageMaker endpoint". */
  what: string;
  onWarmingUp?: (info: WarmingUpInfo) => void;
}

/** Why this error means "still starting up, ask again later", or undefined when it does not. */
export function coldStartReason(error: unknown): string | undefined {
  if (!(error instanceof DetectorError)) return undefined;
  if (error.code === 'no_capacity') {
    return /inference component/i.test(error.message)
      ? 'the inference component has no copy running (scaled to zero); SageMaker is starting one'
      : `no instance is available yet (HTTP ${error.status ?? '?'}); the platform is starting one`;
  }
  if (error.code === 'not_ready') {
    return error.source === 'container'
      ? `the model is loading (${error.message})`
      : `the platform answered HTTP ${error.status ?? 503}: no instance is ready yet`;
  }
  if (error.source === 'platform' && (error.status === 503 || error.status === 504)) {
    return `the platform answered HTTP ${error.status}: no instance is ready yet`;
  }
  return undefined;
}

/**
 * Runs `attempt` until it succeeds, fails with something other than a cold start, or cold-start answers have gone on
 * for `limitMs` (then `cold_start_timeout`). Waits double from `initialDelayMs` (half of it jittered) up to
 * `maxDelayMs`; a Retry-After the answer carried wins, capped the same way. `signal` ends a wait at once and
 * rethrows its reason.
 */
export async function waitOutColdStart<T>(
  attempt: () => Promise<T>,
  policy: ColdStartPolicy,
  signal?: AbortSignal,
): Promise<T> {
  let firstAt: number | undefined;
  for (let count = 1; ; count++) {
    try {
      return await attempt();
    } catch (error) {
      const reason = policy.limitMs > 0 ? coldStartReason(error) : undefined;
      if (reason === undefined || signal?.aborted) throw error;
      firstAt ??= Date.now();
      const waitedMs = Date.now() - firstAt;
      const remaining = policy.limitMs - waitedMs;
      if (remaining <= 0) throw coldStartTimeout(error as DetectorError, reason, waitedMs, policy);
      const backoff = Math.min(policy.initialDelayMs * 2 ** (count - 1), policy.maxDelayMs);
      const jittered = backoff / 2 + (Math.random() * backoff) / 2;
      const asked = (error as DetectorError).retryAfterMs;
      const delay = Math.min(asked === undefined ? jittered : Math.min(asked, policy.maxDelayMs), remaining);
      policy.onWarmingUp?.({ attempt: count, waitedMs, reason, limitMs: policy.limitMs, nextAttemptInMs: delay });
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        throw signal?.reason ?? error;
      }
    }
  }
}

function coldStartTimeout(last: DetectorError, reason: string, waitedMs: number, policy: ColdStartPolicy) {
  return new DetectorError(
    'cold_start_timeout',
    `${policy.what} was still warming up after ${formatDuration(waitedMs)} (limit ${formatDuration(policy.limitMs)}): ` +
      `${reason}. Last answer: ${last.message}. Raise coldStartTimeoutMs (form-detect --cold-start-timeout) to wait ` +
      'longer, or keep at least one instance warm (minimum capacity ≥ 1) so calls never wait for a cold start',
    { status: last.status, source: 'client', retryable: true, cause: last },
  );
}

/** 90_500 → "1m 31s"; 4_000 → "4s"; 250 → "0.25s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms) / 1000}s`;
  const seconds = Math.round(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m ${seconds % 60}s` : `${seconds}s`;
}
