import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/** Files that decide what the image contains; the rest of the directory (tests, dist, node_modules) does not. */
const IMAGE_INPUTS = ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json', 'tsconfig.json', 'src'];

/**
 * The inference container's source directory (`inference-container/`), found from this file whether it runs
 * from the TypeScript sources, from `dist/`, or from `node_modules/form-detector-stacks`.
 */
export function containerSourceDirectory(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'inference-container');
    if (existsSync(join(candidate, 'Dockerfile'))) return candidate;
    const parent = resolve(dir, '..');
    if (parent === dir) {
      throw new Error(
        `inference-container/Dockerfile was not found above ${__dirname}; the package ships it — reinstall ` +
          'form-detector-stacks, or pass an existing image instead of building from source',
      );
    }
    dir = parent;
  }
}

/**
 * An image tag that changes exactly when the container's sources change: `src-` + 12 hex digits of a hash over
 * the image inputs' relative paths and contents. Machine-independent, so synthesized output stays stable.
 */
export function containerSourceTag(directory: string = containerSourceDirectory()): string {
  const hash = createHash('sha256');
  for (const file of listFiles(directory, IMAGE_INPUTS)) {
    hash.update(relative(directory, file).split(sep).join('/'));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return `src-${hash.digest('hex').slice(0, 12)}`;
}

function listFiles(root: string, entries: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (path: string): void => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const child of readdirSync(path).sort()) walk(join(path, child));
    } else {
      files.push(path);
    }
  };
  for (const entry of entries) walk(join(root, entry));
  return files;
}
