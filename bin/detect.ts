#!/usr/bin/env node
/** `form-detect`: send document images to a deployed form-field detector. See `form-detect --help`. */
import { runCli } from '../lib/client/cli/run-cli';

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signals: process,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`form-detect: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  },
);
