/**
 * Reading and discarding a refused request's body before the connection closes.
 *
 * When the controller answers before it has read the body (413 on Content-Length, 503 not ready, 429 overloaded,
 * or a chunked body that crosses MAX_BODY_BYTES) and then closes the connection while the client is still
 * sending, the client's next write meets a closed socket: the kernel answers with a reset, and most HTTP clients
 * (node's http and fetch among them; curl is the exception) report EPIPE/ECONNRESET and never read the answer that
 * was already on the wire. Reading the rest of the body first, up to a bound, lets the answer be read.
 */
import type { IncomingMessage } from 'node:http';

/**
 * The most a refused request may still send before the connection is closed anyway: well above any platform's
 * payload limit, and cheap to discard. A client sending more sees the connection close, as before.
 */
export const MAX_DISCARDED_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Resolves once the rest of the request body has been read and dropped, or `limitBytes` more have arrived, or
 * the request ended in error or was closed (the server's request timeout bounds a client that stops sending).
 */
export function discardBody(request: IncomingMessage, limitBytes = MAX_DISCARDED_BODY_BYTES): Promise<void> {
  if (request.complete || request.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let discarded = 0;
    const finish = () => {
      request.off('data', onData);
      request.off('end', finish);
      request.off('error', finish);
      request.off('close', finish);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > limitBytes) finish();
    };
    request.on('data', onData);
    request.on('end', finish);
    request.on('error', finish);
    request.on('close', finish);
    request.resume();
  });
}
