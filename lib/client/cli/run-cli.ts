/**
 * `form-detect`: the command line's entry. The first argument may name a command; without one it is `detect`. A
 * command that calls an endpoint reuses ENDPOINT_OPTIONS (endpoint-options.ts) and runEndpointBatch
 * (endpoint-batch.ts, on the batch runner), so endpoint flags, retries, resume, signals and progress behave the same
 * in every command.
 */
import type { CliIo } from './cli-io';
import { runDetect } from './detect-command';
import { runEval } from './eval-command';

export { EXIT, type CliIo } from './cli-io';
export type { DetectionRecord } from './detection-record';

export type Command = (argv: string[], io: CliIo) => Promise<number>;

/** Commands by name; `detect` is also what runs when the first argument is an option. */
export const COMMANDS: Record<string, Command> = {
  detect: runDetect,
  eval: runEval,
};

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first !== undefined && Object.prototype.hasOwnProperty.call(COMMANDS, first)) return COMMANDS[first](rest, io);
  return runDetect(argv, io);
}
