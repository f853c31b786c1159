/**
 * The body of the stand-in vLLM's `POST /standin/control` (test/stand-ins/vllm.ts), shared by the stand-in and the
 * tests that drive it. Every field is optional; a field left out keeps its current setting.
 */
export type StandInControl = Partial<{
  delayMs: number;
  /** The model's text for every request. */
  output: string;
  /** The model's text per served name (base model, adapter). */
  outputByModel: Record<string, string>;
  /** Served names left out of /v1/models and refused by chat completions. */
  omitModels: string[];
  /** Answer /v1/models without its `data` list. */
  modelsWithoutData: boolean;
  /** A queue of answers: each request takes the next one, then `output` again. */
  outputs: string[];
  /** Answer the rectangles of this colour ("#ff00ff") found in the image received; null to stop. */
  findColor: string | null;
  errorStatus: number;
  crash: 'next-request';
}>;
