/**
 * Wires the controller together: GPU facts → concurrency → HTTP app (listening at once, so probes get
 * answers during the model load) → model files → vLLM under the supervisor; and the SIGTERM drain.
 */
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Admission } from './admission';
import { buildApp } from './app';
import { readAdapterConfig, type AdapterConfigFacts } from './adapter-config';
import { defaultAdapterName, type Config } from './config';
import type { AdapterStatus } from './contract';
import { Detector } from './detect';
import { probeGpu, type GpuInfo } from './gpu';
import { healthDetails, readinessOf, type HealthFacts, type Phase } from './health';
import { Metrics } from './metrics';
import { resolveModelFiles, type ModelFiles } from './model-files';
import { checkStore } from './model-store';
import { resolveHfToken } from './hf-token';
import { VllmSupervisor } from './supervisor';
import { buildVllmArgs, resolveConcurrency } from './vllm-args';

export interface RunningController {
  app: FastifyInstance;
  /** Drains and stops; resolves `done` with `exitCode`. */
  shutdown(reason: string, exitCode?: number): Promise<void>;
  /** Resolves with the process exit code once the controller has stopped. */
  done: Promise<number>;
}

/** A free loopback port for vLLM (VLLM_INTERNAL_PORT overrides it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startController(config: Config, logger: Logger): Promise<RunningController> {
  const metrics = new Metrics();
  const probe = await probeGpu();
  const gpu: GpuInfo | null = probe.gpu;
  if (probe.gpu) logger.info({ source: 'controller', gpu: probe.gpu }, 'GPU found');
  else logger.warn({ source: 'controller', reason: probe.reason }, 'no GPU facts: assuming nothing GPU-specific');

  const { maxConcurrency, maxNumSeqs } = resolveConcurrency(config, gpu);
  const maxQueue = config.maxQueue ?? maxConcurrency;
  const admission = new Admission(maxConcurrency, maxQueue, (inFlight, queued) => {
    metrics.inFlight.set(inFlight);
    metrics.queueDepth.set(queued);
  });
  const internalPort = config.vllmInternalPort ?? (await freePort());
  const origin = `http://127.0.0.1:${internalPort}`;

  let phase: Phase = 'preparing';
  let weightsProblem: string | undefined;
  let supervisor: VllmSupervisor | null = null;
  let detector: Detector | null = null;
  const facts: HealthFacts = {
    baseModel: config.baseModel,
    adapter: config.loraAdapter,
    adapterName: config.adapterName,
    quantization: config.quantization,
    gpu,
    maxConcurrency,
    maxQueue,
    weights: { source: config.modelWeightsDir ? 'store' : 'hub', dir: null, missing: [] },
  };
  const readiness = () => readinessOf(phase, supervisor?.status() ?? null, weightsProblem);
  // adapter_config.json facts, read off the request path: at start, and again once vLLM is ready (an adapter given
  // as a Hugging Face id is in the local cache only after vLLM downloaded it).
  let adapterConfig: AdapterConfigFacts | null = null;
  const refreshAdapterConfig = async () => {
    if (!facts.adapter || (adapterConfig && !adapterConfig.error)) return;
    adapterConfig = await readAdapterConfig(facts.adapter);
    logger[adapterConfig.error ? 'warn' : 'info'](
      { source: 'controller', adapter: facts.adapter, rank: adapterConfig.rank, error: adapterConfig.error },
      'adapter_config.json',
    );
    if (adapterConfig.rank !== null && adapterConfig.rank > config.maxLoraRank) {
      logger.error(
        { source: 'controller', rank: adapterConfig.rank, maxLoraRank: config.maxLoraRank },
        `the adapter's rank ${adapterConfig.rank} is above MAX_LORA_RANK ${config.maxLoraRank}: vLLM cannot load it; raise MAX_LORA_RANK`,
      );
    }
  };
  const adapterStatus = (): AdapterStatus | null => {
    if (!facts.adapter || !facts.adapterName) return null;
    const status = supervisor?.status();
    return {
      name: facts.adapterName,
      source: facts.adapter,
      loaded: status?.ready === true && status.listedModels?.includes(facts.adapterName) === true,
      rank: adapterConfig?.rank ?? null,
      target_modules: adapterConfig?.targetModules ?? null,
      config_path: adapterConfig?.configPath ?? null,
      ...(adapterConfig === null
        ? { config_error: 'not read yet' }
        : adapterConfig.error
          ? { config_error: adapterConfig.error }
          : {}),
    };
  };

  const app = buildApp({
    maxBodyBytes: config.maxBodyBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    admission,
    metrics,
    logger,
    routes: {
      readiness,
      details: () =>
        healthDetails(
          readiness(),
          facts,
          supervisor?.status() ?? null,
          { inFlight: admission.inFlightCount, queued: admission.queueDepth },
          adapterStatus(),
        ),
      adapterStatus,
      detect: async (inputs, signal, options) => {
        if (!detector) throw new Error('detect called before the detector exists');
        return detector.detect(inputs, signal, options);
      },
      healthRoute: config.healthRoute,
      predictRoute: config.predictRoute,
    },
  });

  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  let shuttingDown: Promise<void> | null = null;

  const shutdown = (reason: string, exitCode = 0): Promise<void> => {
    if (shuttingDown) return shuttingDown;
    shuttingDown = (async () => {
      phase = 'draining';
      logger.info(
        { source: 'controller', reason, inFlight: admission.inFlightCount, queued: admission.queueDepth },
        'shutting down: draining requests in flight',
      );
      // In-flight detections finish (the last one to leave resolves idle()), up to the drain timeout.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        admission.idle(),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, config.drainTimeoutMs))),
      ]);
      clearTimeout(timer);
      if (admission.inFlightCount > 0) {
        logger.warn({ source: 'controller', inFlight: admission.inFlightCount }, 'drain timeout: stopping anyway');
      }
      await supervisor?.stop();
      await app.close().catch((error: Error) => logger.error({ err: error }, 'closing the server failed'));
      await detector?.close().catch(() => undefined);
      logger.info({ source: 'controller', exitCode }, 'stopped');
      resolveDone(exitCode);
    })();
    return shuttingDown;
  };

  await app.listen({ host: '0.0.0.0', port: config.port });

  // Everything below may take minutes (a GCS copy); probes meanwhile get 503 "preparing".
  /**
   * With a store (MODEL_WEIGHTS_DIR), the weights must all be there before vLLM starts: until they are, the
   * container stays not ready, says what is missing and how to stage it, and checks again every
   * WEIGHTS_RECHECK_MS. It never falls back to Hugging Face. Without a store, the Hugging Face ids (or the
   * platform's model directory) as before.
   */
  const modelFiles = async (): Promise<ModelFiles | null> => {
    if (!config.modelWeightsDir) return resolveModelFiles(config, logger);
    for (;;) {
      const store = await checkStore(config, logger);
      if (store.complete) {
        weightsProblem = undefined;
        facts.weights = { source: 'store', dir: store.dir, missing: [] };
        logger.info({ source: 'controller', dir: store.dir }, 'model weights found in the store');
        return { model: store.model, adapter: store.adapter, source: 'store' };
      }
      weightsProblem = store.message;
      facts.weights = { source: 'store', dir: store.dir, missing: store.missing };
      logger.error(
        { source: 'controller', dir: store.dir, missing: store.missing, staging: store.staging },
        store.message,
      );
      const until = Date.now() + config.weightsRecheckMs;
      while (Date.now() < until) {
        if (shuttingDown) return null;
        await sleep(Math.min(250, config.weightsRecheckMs));
      }
    }
  };

  void (async () => {
    const files = await modelFiles();
    if (!files || shuttingDown) return;
    // With a store, vLLM gets local paths and makes no Hugging Face request at all (huggingface_hub
    // HF_HUB_OFFLINE, transformers TRANSFORMERS_OFFLINE).
    const vllmEnv: Record<string, string> =
      files.source === 'store' ? { HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' } : {};
    if (config.hfTokenSecret && files.source !== 'store') {
      vllmEnv.HF_TOKEN = await resolveHfToken(config.hfTokenSecret, config, logger);
    }
    const adapterName = files.adapter ? (config.adapterName ?? defaultAdapterName(files.adapter)) : null;
    const servedModel = adapterName ?? files.model;
    Object.assign(facts, { baseModel: files.model, adapter: files.adapter, adapterName });
    await refreshAdapterConfig();
    const args = buildVllmArgs({ ...config, adapterName }, gpu, {
      model: files.model,
      adapter: files.adapter,
      internalPort,
      maxNumSeqs,
    });
    detector = new Detector({
      origin,
      // vLLM serves the base model under the name it was started with (`serve <model>`), and the adapter under its
      // --lora-modules name (CONTRACT.md "Request options").
      models: { adapter: adapterName, base: files.model },
      maxNewTokens: config.maxNewTokens,
      maxImageSide: config.maxImageSide,
      requestTimeoutMs: config.requestTimeoutMs,
      connections: maxConcurrency,
      admission,
      readiness,
      logger,
    });
    if (shuttingDown) return;
    supervisor = new VllmSupervisor({
      command: config.vllmCommand,
      args,
      origin,
      servedModel,
      settings: config.supervisor,
      logger,
      env: vllmEnv,
    });
    supervisor.on('ready', () => {
      metrics.vllmReady.set(1);
      void refreshAdapterConfig();
    });
    supervisor.on('not-ready', () => metrics.vllmReady.set(0));
    supervisor.on('restart', () => metrics.vllmRestarts.inc());
    supervisor.on('fatal', () => void shutdown('vLLM exited too many times', 1));
    phase = 'running';
    logger.info(
      { source: 'controller', modelSource: files.source, servedModel, maxConcurrency, maxQueue },
      'starting vLLM',
    );
    supervisor.start();
  })().catch((error: Error) => {
    logger.fatal({ source: 'controller', err: error }, `cannot start vLLM: ${error.message}`);
    void shutdown('start-up failed', 1);
  });

  return { app, shutdown, done };
}
