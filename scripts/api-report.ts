/**
 * The public API of each subpath export (`form-detector-stacks/core`, `/aws`, `/gcp`, `/azure`, `/client`), as API
 * Extractor reports it from the built declarations (dist/lib/<subpath>/index.d.ts) into etc/api/<subpath>.api.md.
 * `npm test` compares the reports with the committed ones (test/api/api-report.test.ts), so an unintended API change
 * fails; `npm run api:update` rewrites them after an intended one.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  Extractor,
  ExtractorConfig,
  ExtractorLogLevel,
  type ExtractorMessage,
  type IConfigFile,
} from '@microsoft/api-extractor';

/** The package's subpath exports (package.json "exports"), each with its own report. */
export const API_SUBPATHS = ['core', 'aws', 'gcp', 'azure', 'client'] as const;
export type ApiSubpath = (typeof API_SUBPATHS)[number];

/** The repository root, whether this runs from the TypeScript sources (jest) or from dist/ (npm run api:update). */
export function repositoryRoot(): string {
  let dir = resolve(__dirname);
  while (!existsSync(join(dir, 'package-lock.json'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error(`the repository root was not found above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

export const API_REPORT_FOLDER = join(repositoryRoot(), 'etc', 'api');

export interface ApiReportResult {
  readonly subpath: ApiSubpath;
  /** The committed report, relative to the repository root. */
  readonly reportFile: string;
  /** Whether the API differs from the committed report (or there is none). */
  readonly changed: boolean;
  /** The report as the current build has it. */
  readonly current: string;
  /** The committed report, when there is one. */
  readonly committed?: string;
  /** Problems API Extractor found (a type the API uses but the subpath does not export, a compiler error). */
  readonly messages: readonly string[];
}

/**
 * Runs API Extractor on one subpath: with `update`, writes etc/api/<subpath>.api.md; without, only compares.
 * Needs `npm run build` first (the declarations are its input).
 */
export function apiReport(subpath: ApiSubpath, update = false): ApiReportResult {
  const repo = repositoryRoot();
  const entry = join(repo, 'dist', 'lib', subpath, 'index.d.ts');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const temp = mkdtempSync(join(tmpdir(), `api-report-${subpath}-`));
  const configObject: IConfigFile = {
    projectFolder: repo,
    mainEntryPointFilePath: entry,
    compiler: {
      overrideTsconfig: {
        compilerOptions: {
          target: 'ES2022',
          module: 'commonjs',
          moduleResolution: 'node',
          lib: ['es2022'],
          types: ['node'],
          strict: true,
          skipLibCheck: true,
        },
        files: [entry],
      },
    },
    apiReport: {
      enabled: true,
      reportFileName: `${subpath}.api.md`,
      reportFolder: API_REPORT_FOLDER,
      reportTempFolder: temp,
    },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    messages: {
      compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
      extractorMessageReporting: {
        default: { logLevel: ExtractorLogLevel.Warning },
        // Release tags (@public, @beta) are not used: everything a subpath exports is its API.
        'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
        // A type of another subpath (the core's DetectorModelOptions in /aws) is imported from that subpath; the check
        // below keeps only the types no subpath exports.
        'ae-forgotten-export': { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: false },
        // Doc comments are a review matter (STYLE.md), not an API change.
        'ae-undocumented': { logLevel: ExtractorLogLevel.None },
      },
      tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
    },
  };
  const config = ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: join(repo, 'api-extractor.json'),
    packageJsonFullPath: join(repo, 'package.json'),
  });
  const messages: string[] = [];
  const elsewhere = subpath === 'core' ? new Set<string>() : exportedNames('core');
  try {
    const result = Extractor.invoke(config, {
      localBuild: update,
      messageCallback: (message: ExtractorMessage) => {
        message.handled = true;
        const forgotten = message.messageId === 'ae-forgotten-export' ? /"(\w+)"/.exec(message.text)?.[1] : undefined;
        if (forgotten !== undefined && elsewhere.has(forgotten)) return;
        if (message.messageId.startsWith('console-')) return;
        if (message.logLevel === ExtractorLogLevel.Warning || message.logLevel === ExtractorLogLevel.Error) {
          messages.push(`${message.messageId}: ${message.text}`);
        }
      },
    });
    const current = readFileSync(join(temp, `${subpath}.api.md`), 'utf8');
    const committedFile = join(API_REPORT_FOLDER, `${subpath}.api.md`);
    return {
      committed: existsSync(committedFile) ? readFileSync(committedFile, 'utf8') : undefined,
      subpath,
      reportFile: join('etc', 'api', `${subpath}.api.md`),
      changed: result.apiReportChanged,
      current,
      messages,
    };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** The names a subpath's built index exports (its `export { … }` lists). */
function exportedNames(subpath: ApiSubpath): Set<string> {
  const text = readFileSync(join(repositoryRoot(), 'dist', 'lib', subpath, 'index.d.ts'), 'utf8');
  const names = new Set<string>();
  for (const block of text.matchAll(/export (?:type )?\{([^}]*)\}/g)) {
    for (const item of block[1].split(',')) {
      const name = item
        .trim()
        .replace(/^type /, '')
        .split(/\s+as\s+/)
        .pop();
      if (name) names.add(name);
    }
  }
  return names;
}

/** `npm run api:update`: rewrites every report, then lists what changed and what API Extractor found. */
export function main(): number {
  let problems = 0;
  for (const subpath of API_SUBPATHS) {
    const result = apiReport(subpath, true);
    console.log(`${result.changed ? 'updated  ' : 'unchanged'} ${result.reportFile}`);
    for (const message of result.messages) console.log(`  ⚠ ${message}`);
    problems += result.messages.length;
  }
  return problems > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main();
