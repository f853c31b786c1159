import { DEFAULTS } from '../../inference-container/src/contract';

/**
 * The models this library serves: a Qwen3-VL base plus the pdfme form-field LoRA adapter trained on it.
 * Architecture figures drive the VRAM sizing check (sizing.ts); they come from each model's config.json.
 */
export interface ModelProfile {
  readonly name: ModelProfileName;
  /** Hugging Face id of the base model. */
  readonly baseModel: string;
  /** Hugging Face id of the LoRA adapter. */
  readonly loraAdapter: string;
  /** LoRA rank of the adapter (vLLM `--max-lora-rank`). */
  readonly loraRank: number;
  /** Language-model parameters that quantization applies to (the linear layers), billions. */
  readonly quantizableParamsB: number;
  /** Embeddings and LM head, kept at 16 bit by every quantization method, billions. */
  readonly unquantizedParamsB: number;
  /** Vision tower, kept at 16 bit, billions. */
  readonly visionParamsB: number;
  /** For the KV cache: decoder layers, key/value heads and head dimension. */
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
}

export type ModelProfileName = '8B' | '32B';

export const MODEL_PROFILES: Readonly<Record<ModelProfileName, ModelProfile>> = {
  '8B': {
    name: '8B',
    baseModel: DEFAULTS.baseModel,
    loraAdapter: DEFAULTS.loraAdapter,
    loraRank: DEFAULTS.maxLoraRank,
    quantizableParamsB: 6.95,
    unquantizedParamsB: 1.24,
    visionParamsB: 0.58,
    layers: 36,
    kvHeads: 8,
    headDim: 128,
  },
  '32B': {
    name: '32B',
    baseModel: 'Qwen/Qwen3-VL-32B-Instruct',
    loraAdapter: 'takumi123xxx/pdfme-form-field-detector-lora-32b',
    loraRank: DEFAULTS.maxLoraRank,
    quantizableParamsB: 31.2,
    unquantizedParamsB: 1.56,
    visionParamsB: 0.58,
    layers: 64,
    kvHeads: 8,
    headDim: 128,
  },
};

export const DEFAULT_MODEL_PROFILE: ModelProfileName = '8B';

export function isModelProfileName(name: string): name is ModelProfileName {
  return Object.prototype.hasOwnProperty.call(MODEL_PROFILES, name);
}
