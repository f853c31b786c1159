/**
 * STAND-IN for the `vllm` executable, for tests and the benchmark only; no production code depends on it.
 *
 * Run as `VLLM_COMMAND="node <repo>/dist/test/stand-ins/vllm.js"`. Like `vllm serve` it:
 * - parses the real CLI (`serve <model> --flag value ...`) and exits 2 with an argparse-style error on an
 *   unknown flag or a bad value: the flags known here are those of vLLM's `serve` parser at
 *   STANDIN_VLLM_VERSION (default 0.19.1, the pinned image), for every flag the controller can emit plus a
 *   few common ones, so a flag the real vLLM would refuse fails the tests too;
 * - binds only after a "load" delay (connection refused meanwhile, as vLLM's port during load);
 * - serves GET /health, GET /v1/models (base model + LoRA module names) and POST /v1/chat/completions.
 *
 * - like vLLM, fails at start when a model or LoRA path that is a local directory does not exist, and (unless
 *   HF_HUB_OFFLINE=1) asks the Hub named by HF_ENDPOINT about every model id that is not a local path, so a
 *   recording stand-in of the Hub sees whether a start would have reached Hugging Face.
 *
 * Test knobs (environment): STANDIN_ARGV_FILE (append one JSON line per start: argv, pid, and the offline and
 * token variables it got), STANDIN_LOAD_MS, STANDIN_DELAY_MS, STANDIN_OUTPUT (the model's text),
 * STANDIN_OUTPUT_BY_MODEL (a JSON object: served name → text, so the base model and the adapter answer differently),
 * STANDIN_OMIT_MODELS (comma-separated served names left out of /v1/models and refused by chat completions, as when
 * an adapter failed to load), STANDIN_EXIT_AFTER_LOAD (exit with this code once "loaded"), STANDIN_IGNORE_SIGTERM=1,
 * STANDIN_WORKER_PID_FILE (spawn a child "engine" process in the same process group and write its pid there).
 * Control endpoint: POST /standin/control {"delayMs", "output", "outputByModel", "omitModels", "modelsWithoutData", "outputs",
 * "findColor", "errorStatus", "crash": "next-request"}, GET /standin/requests (the last chat requests received) and GET /standin/count (chat
 * requests answered since start). `outputs` is a queue: each request takes the next one, then `output` again.
 * `findColor` ("#ff00ff"; null to stop) makes the answer the rectangles of that colour found in the image received
 * (test/stand-ins/find-boxes.ts), in 0–1000 of that image — what a perfect model would say about drawn fields.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import Fastify from 'fastify';
import { findColouredBoxes } from './find-boxes';
import type { StandInControl } from './vllm-control';

type Option = NonNullable<ParseArgsConfig['options']>[string] & {
  since?: string;
  check?: (value: string) => string | null;
};

const choices =
  (...allowed: string[]) =>
  (value: string) =>
    allowed.includes(value) ? null : `invalid choice: '${value}' (choose from ${allowed.join(', ')})`;
const integer = (value: string) => (/^\d+$/.test(value) ? null : `invalid int value: '${value}'`);
const float = (value: string) => (Number.isFinite(Number(value)) ? null : `invalid float value: '${value}'`);
const jsonObject = (value: string) => {
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? null
      : `not a JSON object: ${value}`;
  } catch {
    return `invalid JSON: ${value}`;
  }
};

/** A subset of `vllm serve --help` (vLLM 0.19): the controller's flags and a few common ones. */
const OPTIONS: Record<string, Option> = {
  host: { type: 'string' },
  port: { type: 'string', check: integer },
  uds: { type: 'string' },
  'api-key': { type: 'string' },
  'served-model-name': { type: 'string' },
  'trust-remote-code': { type: 'boolean' },
  'max-model-len': { type: 'string', check: integer },
  'limit-mm-per-prompt': { type: 'string', check: jsonObject, since: '0.9.0' },
  'gpu-memory-utilization': {
    type: 'string',
    check: (v) => float(v) ?? (Number(v) > 0 && Number(v) <= 1 ? null : `must be in (0, 1]: ${v}`),
  },
  'max-num-seqs': { type: 'string', check: integer },
  'enable-lora': { type: 'boolean' },
  'lora-modules': {
    type: 'string',
    multiple: true,
    check: (v) => (/^[^=\s]+=\S+$/.test(v) || jsonObject(v) === null ? null : `expected name=path: '${v}'`),
  },
  'max-lora-rank': { type: 'string', check: choices('1', '8', '16', '32', '64', '128', '256', '320', '512') },
  'max-loras': { type: 'string', check: integer },
  quantization: { type: 'string', check: choices('awq', 'gptq', 'fp8', 'bitsandbytes', 'compressed-tensors', 'gguf') },
  dtype: { type: 'string', check: choices('auto', 'half', 'float16', 'bfloat16', 'float', 'float32') },
  'enforce-eager': { type: 'boolean' },
  'generation-config': { type: 'string', since: '0.7.0' },
  'mm-processor-cache-gb': { type: 'string', check: float, since: '0.11.0' },
  'mm-encoder-attn-backend': {
    type: 'string',
    check: choices('TORCH_SDPA', 'FLASH_ATTN', 'TRITON_ATTN', 'FLASHINFER', 'ROCM_AITER_FA'),
    since: '0.11.1',
  },
};

const version = process.env.STANDIN_VLLM_VERSION ?? '0.19.1';
const olderThan = (a: string, b: string) => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) < (pb[i] ?? 0);
  return false;
};

function fail(message: string): never {
  process.stderr.write(`usage: vllm serve [model_tag] [options]\nvllm serve: error: ${message}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const known = Object.fromEntries(
  Object.entries(OPTIONS)
    .filter(([, o]) => !o.since || !olderThan(version, o.since))
    .map(([name, o]) => [name, o.multiple ? { type: o.type, multiple: true } : { type: o.type }]),
) as NonNullable<ParseArgsConfig['options']>;
let parsed;
try {
  parsed = parseArgs({ args: argv, options: known, allowPositionals: true, strict: true });
} catch (error) {
  fail((error as Error).message.replace(/^Unknown option '(.*?)'.*$/s, 'unrecognized arguments: $1'));
}
const { values, positionals } = parsed;
if (positionals[0] !== 'serve') fail(`argument subparser: invalid choice: '${positionals[0] ?? ''}'`);
if (positionals.length !== 2) fail(`expected one model_tag after serve, got: ${positionals.slice(1).join(' ')}`);
for (const [name, value] of Object.entries(values)) {
  const check = OPTIONS[name]?.check;
  for (const item of [value].flat()) {
    const problem = check && typeof item === 'string' ? check(item) : null;
    if (problem) fail(`argument --${name}: ${problem}`);
  }
}
const model = positionals[1];
const loraNames = ((values['lora-modules'] as string[] | undefined) ?? []).map((m) => m.split('=')[0]);
if (loraNames.length > 0 && !values['enable-lora']) fail('--lora-modules needs --enable-lora');
const port = Number(values.port ?? 8000);
const host = (values.host as string | undefined) ?? '0.0.0.0';

if (process.env.STANDIN_ARGV_FILE) {
  const env = {
    HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE ?? null,
    TRANSFORMERS_OFFLINE: process.env.TRANSFORMERS_OFFLINE ?? null,
    HF_TOKEN: process.env.HF_TOKEN ?? null,
  };
  appendFileSync(process.env.STANDIN_ARGV_FILE, `${JSON.stringify({ pid: process.pid, argv, env })}\n`);
}
const loraPaths = ((values['lora-modules'] as string[] | undefined) ?? []).map((m) => m.slice(m.indexOf('=') + 1));
const isLocal = (path: string) => path.startsWith('/') || path.startsWith('.');
for (const path of [model, ...loraPaths].filter(isLocal)) {
  if (!existsSync(path)) fail(`model path ${path} does not exist`);
}
/** What vLLM would fetch from the Hub before loading: one request per model id that is not a local path. */
async function askTheHub(): Promise<void> {
  const endpoint = process.env.HF_ENDPOINT;
  if (!endpoint || process.env.HF_HUB_OFFLINE === '1') return;
  for (const id of [model, ...loraPaths].filter((p) => !isLocal(p))) {
    await fetch(`${endpoint}/api/models/${id}`, {
      headers: process.env.HF_TOKEN ? { authorization: `Bearer ${process.env.HF_TOKEN}` } : {},
    }).catch(() => undefined);
  }
}
if (process.env.STANDIN_WORKER_PID_FILE) {
  // Like vLLM's EngineCore: a child in the same process group that outlives nothing on its own.
  const worker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  writeFileSync(process.env.STANDIN_WORKER_PID_FILE, String(worker.pid));
}

const state = {
  delayMs: Number(process.env.STANDIN_DELAY_MS ?? 0),
  output: process.env.STANDIN_OUTPUT ?? '{"applicant_fields": [{"bbox": [100, 200, 500, 250]}], "count": 1}',
  outputByModel: JSON.parse(process.env.STANDIN_OUTPUT_BY_MODEL ?? '{}') as Record<string, string>,
  omitModels: (process.env.STANDIN_OMIT_MODELS ?? '').split(',').filter((name) => name !== ''),
  modelsWithoutData: false,
  errorStatus: 0,
  crashNext: false,
  outputs: [] as string[],
  findColor: null as [number, number, number] | null,
  count: 0,
};
const received: unknown[] = [];
const allModels = [model, ...loraNames];
const servedModels = () => allModels.filter((id) => !state.omitModels.includes(id));

const app = Fastify({ bodyLimit: 256 * 1024 * 1024 });

app.get('/health', async () => '');
app.get('/version', async () => ({ version }));
// As vLLM's OpenAIServingModels.show_available_models: base model cards, then LoRA cards whose parent is the base.
app.get('/v1/models', async () => ({
  object: 'list',
  // `modelsWithoutData`: a 200 whose body carries no model list, as a broken or foreign server might answer.
  ...(state.modelsWithoutData
    ? {}
    : {
        data: servedModels().map((id) =>
          id === model
            ? { id, object: 'model', owned_by: 'vllm', root: model, parent: null }
            : { id, object: 'model', owned_by: 'vllm', root: id, parent: model },
        ),
      }),
}));

app.post('/standin/control', async (request) => {
  const body = request.body as StandInControl;
  if (body.delayMs !== undefined) state.delayMs = body.delayMs;
  if (body.output !== undefined) state.output = body.output;
  if (body.outputByModel !== undefined) state.outputByModel = body.outputByModel;
  if (body.omitModels !== undefined) state.omitModels = body.omitModels;
  if (body.modelsWithoutData !== undefined) state.modelsWithoutData = body.modelsWithoutData;
  if (body.outputs !== undefined) state.outputs = [...body.outputs];
  if (body.findColor !== undefined) {
    const hex = body.findColor?.replace('#', '');
    state.findColor = hex
      ? ([0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number])
      : null;
  }
  if (body.errorStatus !== undefined) state.errorStatus = body.errorStatus;
  if (body.crash === 'next-request') state.crashNext = true;
  return state;
});
app.get('/standin/requests', async () => received);
app.get('/standin/count', async () => ({ count: state.count }));

interface ChatRequest {
  model?: string;
  messages?: Array<{ role: string; content: string | Array<{ type: string; image_url?: { url: string } }> }>;
}

app.post('/v1/chat/completions', async (request, reply) => {
  const body = request.body as ChatRequest;
  received.push(body);
  if (received.length > 5) received.shift();
  if (!body.model || !servedModels().includes(body.model)) {
    return reply.code(404).send({
      error: {
        message: `The model \`${body.model}\` does not exist.`,
        type: 'NotFoundError',
        param: 'model',
        code: 404,
      },
    });
  }
  const parts = (body.messages ?? []).flatMap((m) => (Array.isArray(m.content) ? m.content : []));
  const url = parts.find((p) => p.type === 'image_url')?.image_url?.url ?? '';
  const match = /^data:image\/(png|jpeg|webp);base64,(.+)$/s.exec(url);
  if (!match || Buffer.from(match[2], 'base64').length === 0) {
    return reply.code(400).send({ error: { message: 'invalid image data URI', type: 'BadRequestError', code: 400 } });
  }
  if (state.crashNext) {
    // Die mid-request, the way an engine crash looks from outside.
    setTimeout(() => process.exit(1), 20);
    return new Promise(() => undefined);
  }
  if (state.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
  if (state.errorStatus) {
    return reply
      .code(state.errorStatus)
      .send({ error: { message: 'stand-in engine error', type: 'InternalServerError', code: state.errorStatus } });
  }
  state.count++;
  let content = state.outputs.shift() ?? state.outputByModel[body.model] ?? state.output;
  if (state.findColor) {
    const boxes = await findColouredBoxes(Buffer.from(match[2], 'base64'), state.findColor);
    content = JSON.stringify({ applicant_fields: boxes.map((bbox) => ({ bbox })), count: boxes.length });
  }
  return {
    id: `chatcmpl-standin-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1500, completion_tokens: 30, total_tokens: 1530 },
  };
});

process.on('SIGTERM', () => {
  if (process.env.STANDIN_IGNORE_SIGTERM === '1') return;
  process.exit(0); // like vLLM with --shutdown-timeout 0: requests in flight are aborted
});

void askTheHub();
setTimeout(
  () => {
    const exitCode = process.env.STANDIN_EXIT_AFTER_LOAD;
    if (exitCode !== undefined) process.exit(Number(exitCode));
    app.listen({ host, port }).then(
      () =>
        process.stdout.write(`INFO stand-in vLLM ${version} serving ${servedModels().join(', ')} on ${host}:${port}\n`),
      (error: Error) => fail(error.message),
    );
  },
  Number(process.env.STANDIN_LOAD_MS ?? 200),
);
