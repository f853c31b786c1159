/**
 * Back-pressure in front of vLLM: at most `maxInFlight` detections at once (= vLLM's --max-num-seqs), a short
 * FIFO queue of `maxQueue` more, and 429 with Retry-After beyond that. Nothing waits unboundedly: a queued
 * request leaves the queue when its deadline (or its client) aborts it.
 */
import { ApiError } from './errors';

export type Release = () => void;

interface Waiter {
  grant: () => void;
}

export class Admission {
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  /** Resolvers of `idle()` promises, called when the last detection leaves. */
  private idleWaiters: Array<() => void> = [];
  /** Moving average of how long a slot is held, for Retry-After. */
  private averageHoldMs = 5_000;

  constructor(
    readonly maxInFlight: number,
    readonly maxQueue: number,
    private readonly onChange: (inFlight: number, queued: number) => void = () => undefined,
  ) {}

  get inFlightCount(): number {
    return this.inFlight;
  }

  get queueDepth(): number {
    return this.queue.length;
  }

  /** Resolves once nothing is in flight or queued (at once when nothing is). */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** True when a new request would be refused right now (checked before its body is read). */
  isFull(): boolean {
    return this.inFlight >= this.maxInFlight && this.queue.length >= this.maxQueue;
  }

  /** Seconds a refused client should wait: about one slot's hold time. */
  retryAfterSeconds(): number {
    return Math.min(60, Math.max(1, Math.ceil(this.averageHoldMs / 1000)));
  }

  overloaded(): ApiError {
    return new ApiError(
      'overloaded',
      `all ${this.maxInFlight} detection slots and ${this.maxQueue} queue places are taken: retry after the Retry-After delay`,
      { 'retry-after': String(this.retryAfterSeconds()) },
    );
  }

  /** Resolves with a release function once a slot is free; rejects with 429 or with the signal's reason. */
  acquire(signal: AbortSignal): Promise<Release> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.inFlight < this.maxInFlight) {
      this.inFlight++;
      this.notify();
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.maxQueue) return Promise.reject(this.overloaded());
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
      };
      const onAbort = () => {
        const index = this.queue.indexOf(waiter);
        if (index !== -1) this.queue.splice(index, 1);
        this.notify();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.notify();
    });
  }

  private releaser(): Release {
    const started = Date.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.averageHoldMs = 0.8 * this.averageHoldMs + 0.2 * (Date.now() - started);
      const next = this.queue.shift();
      if (next) {
        next.grant(); // the slot passes straight to the next in line
      } else {
        this.inFlight--;
      }
      this.notify();
    };
  }

  private notify(): void {
    this.onChange(this.inFlight, this.queue.length);
    if (this.inFlight === 0 && this.queue.length === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
