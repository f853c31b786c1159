/** Test helpers: small images made with sharp, and a recording HTTP stand-in with scripted answers. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import type { DetectionResult } from '../../lib/client';

export async function makeImage(
  width: number,
  height: number,
  format: 'png' | 'jpeg' | 'webp' = 'png',
  options: { noise?: boolean; orientation?: number } = {},
): Promise<Buffer> {
  let image = sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: 240, g: 240, b: 240 },
      ...(options.noise ? { noise: { type: 'gaussian' as const, mean: 128, sigma: 60 } } : {}),
    },
  });
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation });
  return image.toFormat(format).toBuffer();
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/**
 * An HTTP stand-in that records each request and answers from a script (one answer per request; the last one
 * repeats), or from a function of the request.
 */
export async function startScriptedServer(
  script: ScriptedAnswer[] | ((request: RecordedRequest, index: number) => ScriptedAnswer | Promise<ScriptedAnswer>),
) {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks),
      at: Date.now(),
    };
    requests.push(recorded);
    const index = requests.length - 1;
    const answer = await (typeof script === 'function'
      ? script(recorded, index)
      : script[Math.min(index, script.length - 1)]);
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(text);
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

/** A DetectionResult as the container would send it for an image of this size. */
export function resultFor(
  width: number,
  height: number,
  boxes: Array<[number, number, number, number]> = [[100, 200, 500, 250]],
): DetectionResult {
  return {
    bboxes: boxes.map((box) => ({
      bbox_normalized: box,
      bbox_pixel: [
        Math.floor((box[0] * width) / 1000),
        Math.floor((box[1] * height) / 1000),
        Math.floor((box[2] * width) / 1000),
        Math.floor((box[3] * height) / 1000),
      ],
    })),
    count: boxes.length,
    raw_output: JSON.stringify({ applicant_fields: boxes.map((bbox) => ({ bbox })), count: boxes.length }),
    image_size: { width, height },
  };
}

export const containerError = (status: number, code: string, message: string, headers?: Record<string, string>) => ({
  status,
  headers,
  body: { error: { code, message } },
});
