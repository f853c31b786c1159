/** What every `form-detect` command is given — its streams, environment and stop signals — and its exit statuses. */
import type { SignalSource } from './batch-runner';
import type { TextSink } from './progress';

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  env: NodeJS.ProcessEnv;
  /** Where SIGINT / SIGTERM come from (`process` in the CLI); without it a batch always runs to the end. */
  signals?: SignalSource;
}

/** 0 all done, 1 some input failed (or, for eval, some truth went unscored), 2 usage error; see SIGNAL_EXIT too. */
export const EXIT = { ok: 0, failures: 1, usage: 2 } as const;
