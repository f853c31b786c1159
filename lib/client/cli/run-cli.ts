/**
 * `form-detect`: the command line's entry. The first argument may name a command; without one it is `detect`. A new
 * command (e.g. `eval`) registers here and reuses ENDPOINT_OPTIONS (endpoint-options.ts) and runBatch
 * (batch-runner.ts), so endpoint flags, retries, resume, signals and progress behave the same in every command.
 */
import { runDetect, type CliIo } from './detect-command';
import { runEvalCli } from './eval-cli';

export { EXIT, type CliIo, type DetectionRecord } from './detect-command';

export type Command = (argv: string[], io: CliIo) => Promise<number>;

/** Commands by name; `detect` is also what runs when the first argument is an option. */
export const COMMANDS: Record<string, Command> = {
  detect: runDetect,
  eval: runEvalCli,
};

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first !== undefined && Object.prototype.hasOwnProperty.call(COMMANDS, first)) return COMMANDS[first](rest, io);
  return runDetect(argv, io);
}
