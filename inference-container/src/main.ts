/**
 * Entry point: read the configuration, start the controller, drain on SIGTERM. SageMaker runs the image as
 * `<entrypoint> serve`; that argument (and any other) is accepted and ignored.
 */
import pino from 'pino';
import { ConfigError, loadConfig } from './config';
import { startController } from './controller';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let config;
  try {
    config = loadConfig(process.env, argv);
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const logger = pino({ level: config.logLevel, base: { service: 'form-detector-controller' } });
  const ignored = argv.filter((arg) => arg !== 'serve');
  if (ignored.length > 0) logger.warn({ source: 'controller', ignored }, 'ignoring command-line arguments');
  process.on('unhandledRejection', (reason) => logger.error({ source: 'controller', reason }, 'unhandled rejection'));

  const controller = await startController(config, logger);
  // `on`, not `once`: a repeated SIGTERM must not fall back to the default action (dying at once, leaving
  // vLLM's process group orphaned with the GPU); shutdown() is idempotent. close-with-grace (fastify/demo's
  // shutdown) is not used: it exits 1 on a second signal and on its own timeout, where the contract wants a
  // repeated SIGTERM ignored, vLLM's group stopped, and exit 0 after the drain (CONTRACT.md "Lifecycle").
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => void controller.shutdown(signal));
  }
  process.exit(await controller.done);
}

void main();
