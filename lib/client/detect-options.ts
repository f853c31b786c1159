/** What every detection call may ask: cancellation, and the base model instead of the adapter. */
export interface DetectOptions {
  /** Cancels the call (and its retries). */
  signal?: AbortSignal;
  /**
   * `false` asks the deployment for the base model's answer, without its LoRA adapter — to measure what the adapter
   * adds on the same deployment; `true` insists on the adapter (the container refuses it when it serves none).
   * Sent as `"parameters": {"adapter": ...}` (Vertex AI, Azure ML) or the SageMaker custom attribute
   * `adapter=...`; the answer's `model` names the model that answered.
   * @default the deployment's default: its adapter when it has one
   */
  adapter?: boolean;
}

/** The request parameters a call's options carry, for JSON bodies; undefined when there are none. */
export function requestParameters(options: DetectOptions): { adapter: boolean } | undefined {
  return options.adapter === undefined ? undefined : { adapter: options.adapter };
}
