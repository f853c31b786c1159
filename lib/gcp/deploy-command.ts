import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { relativeTo } from '../cdktf/local-backend';

const PACKAGE_NAME = 'form-detector-stacks';

/**
 * Where the built deploy command lives: `<package root>/dist/bin/vertex-deploy.js`, found from this file whether it
 * runs from the TypeScript sources (tests), from `dist/`, or from `node_modules/form-detector-stacks`.
 */
export function vertexDeployScriptPath(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME
    ) {
      return join(dir, 'dist', 'bin', 'vertex-deploy.js');
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`the ${PACKAGE_NAME} package root was not found above ${__dirname}`);
    dir = parent;
  }
}

/**
 * The command line that runs the deploy command from Terraform's working directory for the stack
 * (`<outdir>/stacks/<stack>`), with a relative path so the synthesized JSON is the same on every machine:
 * e.g. `node "../../../dist/bin/vertex-deploy.js"` in this repository, or
 * `node "../../../node_modules/form-detector-stacks/dist/bin/vertex-deploy.js"` in a project that installs it.
 */
export function vertexDeployCommand(workingDirectory: string, script: string = vertexDeployScriptPath()): string {
  return `node "${relativeTo(workingDirectory, script)}"`;
}
