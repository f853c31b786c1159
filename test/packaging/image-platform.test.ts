/**
 * Every GPU host these stacks deploy to is x86-64: an image built on an arm64 machine (Apple silicon) without
 * `--platform linux/amd64` fails at start with "exec format error". So every `docker build` the library runs,
 * prints or documents — READMEs, the Dockerfile's header, stack outputs, the Vertex deployer's hint, the Azure push
 * command — names the platform, and the AWS image asset builds for it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { dockerBuildAndPushCommand, dockerBuildCommand, IMAGE_PLATFORM } from '../../lib/core';

const root = join(__dirname, '..', '..');
const SKIP = new Set(['node_modules', 'dist', 'cdk.out', 'cdktf.out', '.synth-compare', '.gen', '.git', 'test']);

function files(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path, keep);
    return keep(name) ? [path] : [];
  });
}

/** Sources that may run, print or document a docker build: the library, the apps, scripts, docs, the Dockerfile. */
const sources = [
  ...['lib', 'bin', 'scripts', 'inference-container'].flatMap((dir) =>
    files(join(root, dir), (name) => /\.(ts|md|sh)$/.test(name) || name === 'Dockerfile'),
  ),
  ...files(root, (name) => name.endsWith('.md')).filter((f) => !relative(root, f).includes('/')),
];

/**
 * Each `docker build` / `docker buildx build` command with its arguments, up to the end of the command (`&&`, `;`,
 * a newline, a closing backtick). A bare "`docker build`" in prose is not a command.
 */
function dockerBuilds(text: string): string[] {
  return [...text.matchAll(/docker(?: buildx)? build\b[^\n;&`]*/g)]
    .map((m) => m[0].trim())
    .filter((command) => !/^docker(?: buildx)? build$/.test(command));
}

describe('images are built for linux/amd64', () => {
  test('the command the library prints names the platform', () => {
    expect(IMAGE_PLATFORM).toBe('linux/amd64');
    expect(dockerBuildCommand('repo/image:tag')).toBe(
      'docker build --platform linux/amd64 -t repo/image:tag inference-container',
    );
    expect(dockerBuildAndPushCommand('repo/image:tag')).toBe(
      'docker build --platform linux/amd64 -t repo/image:tag inference-container && docker push repo/image:tag',
    );
  });

  test('every docker build the library runs, prints or documents names --platform linux/amd64', () => {
    const found = sources.flatMap((file) =>
      dockerBuilds(readFileSync(file, 'utf8')).map((command) => ({ file: relative(root, file), command })),
    );
    // The READMEs, the Dockerfile header and the command builder at least.
    expect(found.map((f) => f.file)).toEqual(
      expect.arrayContaining([
        'README.md',
        'lib/gcp/README.md',
        'lib/azure/README.md',
        'inference-container/README.md',
        'inference-container/Dockerfile',
        'lib/core/image-build.ts',
      ]),
    );
    const missing = found.filter(
      ({ command }) => !/--platform[ =](linux\/amd64|\$\{IMAGE_PLATFORM\})(\s|$)/.test(command),
    );
    expect(missing).toEqual([]);
  });

  test('the AWS image asset is built for linux/amd64', () => {
    const source = readFileSync(join(root, 'lib', 'aws', 'detector-image.ts'), 'utf8');
    const assets = source.match(/new DockerImageAsset\([^)]*?\{[\s\S]*?\}\)/g) ?? [];
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) expect(asset).toContain('platform: Platform.LINUX_AMD64');
  });
});
