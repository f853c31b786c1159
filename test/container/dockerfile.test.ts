/** The Dockerfile cannot be built here: check that it is consistent with the repository instead. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareVersions, PINNED_VLLM_VERSION } from '../../inference-container/src/vllm-args';

const CONTEXT = join(__dirname, '../../inference-container');
const dockerfile = readFileSync(join(CONTEXT, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

describe('inference-container/Dockerfile', () => {
  it('copies only paths that exist in the build context (inference-container/)', () => {
    const copies = instructions.filter((line) => /^COPY\s/.test(line) && !/--from=/.test(line));
    expect(copies.length).toBeGreaterThan(0);
    for (const line of copies) {
      const parts = line.split(/\s+/).slice(1);
      for (const source of parts.slice(0, -1)) expect(existsSync(join(CONTEXT, source))).toBe(true);
    }
  });

  it('runs the controller under tini with an exec-form ENTRYPOINT at the path it builds', () => {
    const entrypoint = instructions.filter((line) => line.startsWith('ENTRYPOINT'));
    expect(entrypoint).toHaveLength(1);
    const argv = JSON.parse(entrypoint[0].slice('ENTRYPOINT'.length)) as string[];
    expect(argv).toEqual(['tini', '--', 'node', '/opt/controller/dist/main.js']);
    const main = JSON.parse(readFileSync(join(CONTEXT, 'package.json'), 'utf8')).main as string;
    expect(`/opt/controller/${main}`).toBe(argv[3]);
    expect(instructions).toContain('COPY --from=build /opt/controller/dist ./dist');
    expect(dockerfile).not.toMatch(/^CMD/m);
  });

  it('pins the official vLLM image at the version the controller knows, overridable by build-arg', () => {
    expect(instructions).toContain(`ARG VLLM_VERSION=${PINNED_VLLM_VERSION}`);
    expect(instructions).toContain('ARG VLLM_IMAGE=vllm/vllm-openai:v${VLLM_VERSION}');
    expect(instructions.at(-1)).toMatch(/^ENTRYPOINT/);
    expect(instructions.filter((l) => l.startsWith('FROM')).at(-1)).toBe('FROM ${VLLM_IMAGE}');
    expect(compareVersions(PINNED_VLLM_VERSION, '0.14.0')).toBeGreaterThanOrEqual(0);
    expect(dockerfile).toMatch(/VLLM_VERSION=\$\{VLLM_VERSION\}/);
  });

  it('copies Node 22 from the official image, installs production dependencies with npm ci, exposes 8080', () => {
    expect(instructions).toContain('ARG NODE_IMAGE=node:22-bookworm-slim');
    expect(instructions).toContain('COPY --from=node /usr/local/bin/node /usr/local/bin/node');
    expect(instructions).toContain('RUN npm ci --omit=dev --no-audit --no-fund');
    expect(instructions).toContain('EXPOSE 8080');
    expect(existsSync(join(CONTEXT, '.dockerignore'))).toBe(true);
  });

  it('ships a lockfile that pins every dependency exactly, as the root package does', () => {
    const own = JSON.parse(readFileSync(join(CONTEXT, 'package.json'), 'utf8')).dependencies as Record<string, string>;
    const rootPackage = JSON.parse(readFileSync(join(CONTEXT, '../package.json'), 'utf8'));
    const root: Record<string, string> = { ...rootPackage.devDependencies, ...rootPackage.dependencies };
    const lock = JSON.parse(readFileSync(join(CONTEXT, 'package-lock.json'), 'utf8'));
    for (const [name, version] of Object.entries(own)) {
      expect(version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(root[name]).toBe(version);
      expect(lock.packages[`node_modules/${name}`].version).toBe(version);
    }
    // sharp's prebuilt linux-x64 glibc binaries are in the lockfile, so `npm ci` in the image finds them.
    expect(Object.keys(lock.packages)).toContain('node_modules/@img/sharp-linux-x64');
  });
});
