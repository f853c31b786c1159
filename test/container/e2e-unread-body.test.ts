/**
 * End to end: answers given before the body is read — 413 on Content-Length, 503 while loading, and 413 when a
 * chunked body crosses MAX_BODY_BYTES — reach clients that are still sending, whatever client they use: node's
 * http, fetch, undici. The controller reads and drops the rest of the body before it closes the connection, so
 * the client is not reset mid-upload (a reset makes node's clients report EPIPE/ECONNRESET and lose the answer).
 * Nothing here depends on timing: each client sends its whole body and then reads the answer.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { call, startController, type ControllerProcess } from './helpers/controller-process';

const MAX_BODY_BYTES = 2_000_000;
/** Twice the limit, as a user's unscaled scan would be. */
const oversized = Buffer.alloc(4_000_000, 7);

/** POST with node's own http client, as the AWS SDK and most node code do. */
function nodeHttpPost(url: string, body: Buffer): Promise<{ status: number; json: { error: { code: string } } }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': body.length } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A chunked upload over the limit on a raw socket; resolves with everything the controller answered. */
function chunkedUpload(url: string, chunks: number, chunkBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (data) => (received += data.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.write(
      'POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    const chunk = Buffer.alloc(chunkBytes, 2);
    let sent = 0;
    const sendMore = () => {
      while (sent < chunks) {
        sent++;
        const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
        if (!socket.write(framed)) return void socket.once('drain', sendMore);
      }
      socket.end('0\r\n\r\n');
    };
    sendMore();
  });
}

describe('a ready controller with MAX_BODY_BYTES=2000000', () => {
  let ctl: ControllerProcess;
  beforeAll(async () => {
    ctl = await startController({ env: { MAX_BODY_BYTES: String(MAX_BODY_BYTES) } });
  });
  afterAll(async () => {
    await ctl?.stop();
  });

  it("answers a 4 MB body 413 payload_too_large that node's http client reads", async () => {
    const res = await nodeHttpPost(`${ctl.url}/invocations`, oversized);
    expect([res.status, res.json.error.code]).toEqual([413, 'payload_too_large']);
  });

  it('answers a 4 MB body 413 payload_too_large that fetch reads', async () => {
    const res = await fetch(`${ctl.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: oversized,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('answers a 4 MB body 413 payload_too_large that undici reads, ten times in a row', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await call(`${ctl.url}/invocations`, { body: oversized, contentType: 'image/png' });
      expect([res.status, res.json.error.code]).toEqual([413, 'payload_too_large']);
    }
  });

  it('answers a chunked body that crosses the limit 413, then closes the connection, and stays healthy', async () => {
    const answer = await chunkedUpload(ctl.url, 30, 100_000);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toContain('"code":"payload_too_large"');
    expect((await call(`${ctl.url}/ping`)).status).toBe(200);
  });
});

describe('a controller whose model is still loading', () => {
  let ctl: ControllerProcess;
  beforeAll(async () => {
    // The stand-in takes ten minutes to "load": the controller stays not ready for the whole suite.
    ctl = await startController({
      waitReady: false,
      env: { STANDIN_LOAD_MS: '600000' },
    });
  });
  afterAll(async () => {
    await ctl?.stop();
  });

  it('answers a 6 MB detection 503 not_ready with Retry-After, which the client reads whole', async () => {
    // SageMaker's largest payload; the default MAX_BODY_BYTES (8 MiB) lets it in.
    const body = JSON.stringify({ inputs: Buffer.alloc(4_400_000, 3).toString('base64') });
    for (let i = 0; i < 5; i++) {
      const res = await call(`${ctl.url}/invocations`, { body, contentType: 'application/json' });
      expect([res.status, res.json.error.code]).toEqual([503, 'not_ready']);
      expect(res.headers['retry-after']).toBeDefined();
    }
    const viaNode = await nodeHttpPost(`${ctl.url}/invocations`, Buffer.alloc(6_000_000, 9));
    expect([viaNode.status, viaNode.json.error.code]).toEqual([503, 'not_ready']);
  });
});
