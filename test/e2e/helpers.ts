/**
 * End-to-end helpers: a recording pass-through proxy in front of the controller (so tests see requests as the
 * controller received them: headers, body), and the built `form-detect` CLI run as a process.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { REPO } from '../container/helpers/controller-process';

export const CLI = join(REPO, 'dist/bin/detect.js');

export interface ProxiedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  status: number;
  responseHeaders: Record<string, string | string[] | undefined>;
}

/** Forwards every request to `upstream` unchanged and records it with the answer's status and headers. */
export async function startRecordingProxy(upstream: string) {
  const requests: ProxiedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
    ) as Record<string, string>;
    const answer = await request(`${upstream}${req.url}`, {
      method: req.method as 'POST',
      headers,
      body: body.length > 0 ? body : undefined,
    });
    const payload = Buffer.from(await answer.body.arrayBuffer());
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
      status: answer.statusCode,
      responseHeaders: answer.headers,
    });
    const passHeaders = Object.fromEntries(
      Object.entries(answer.headers).filter(
        ([name]) => !['connection', 'transfer-encoding', 'keep-alive'].includes(name),
      ),
    );
    res.writeHead(answer.statusCode, passHeaders as Record<string, string>);
    res.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Static credentials and a region for the AWS SDK in a CLI process; the SageMaker runtime stand-in takes any. */
export const STAND_IN_AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDE2ESTANDIN',
  AWS_SECRET_ACCESS_KEY: 'e2e-stand-in-secret',
  AWS_REGION: 'eu-west-1',
} as const;

/**
 * Starts the built CLI as a process with only the environment given (plus PATH and HOME), e.g. to signal it midway;
 * `done` resolves when it has exited, with everything it printed.
 */
export function startCliProcess(args: string[], env: Record<string, string>) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before the end-to-end tests`);
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliRun>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

/** Runs the built CLI as a process with only the environment given (plus PATH and HOME). */
export async function runCliProcess(args: string[], env: Record<string, string>): Promise<CliRun> {
  return startCliProcess(args, env).done;
}

/** bbox_pixel per the contract: floor(n × side / 1000). */
export function expectedBoxes(boxes: Array<[number, number, number, number]>, width: number, height: number) {
  return boxes.map(([x1, y1, x2, y2]) => ({
    bbox_normalized: [x1, y1, x2, y2],
    bbox_pixel: [
      Math.floor((x1 * width) / 1000),
      Math.floor((y1 * height) / 1000),
      Math.floor((x2 * width) / 1000),
      Math.floor((y2 * height) / 1000),
    ],
  }));
}

/**
 * Checks a template with pdfme's own checker (`checkTemplate` from @pdfme/common). @pdfme/common is an ES module, so
 * it runs in a child Node process; resolves to undefined when the template is valid, else pdfme's message.
 */
export async function pdfmeCheckTemplate(templatePath: string): Promise<string | undefined> {
  const script =
    "import { checkTemplate } from '@pdfme/common'; import { readFileSync } from 'node:fs';" +
    "try { checkTemplate(JSON.parse(readFileSync(process.argv[1], 'utf8'))); } catch (error) { console.error(error.message); process.exit(1); }";
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, templatePath], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return code === 0 ? undefined : stderr || `exit code ${code}`;
}
