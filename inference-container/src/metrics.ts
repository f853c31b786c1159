/** Prometheus metrics of the controller, in a registry of its own (so several apps can live in one process). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();

  readonly requestDuration = new Histogram({
    name: 'detector_http_request_duration_seconds',
    help: 'HTTP request latency by route, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 180],
    registers: [this.registry],
  });

  readonly inFlight = new Gauge({
    name: 'detector_requests_in_flight',
    help: 'Detections currently sent to vLLM.',
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'detector_queue_depth',
    help: 'Detections waiting for a free slot.',
    registers: [this.registry],
  });

  readonly rejects = new Counter({
    name: 'detector_rejected_requests_total',
    help: 'Requests answered with an error, by error code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly vllmReady = new Gauge({
    name: 'detector_vllm_ready',
    help: '1 when vLLM answers and lists the served model, else 0.',
    registers: [this.registry],
  });

  readonly vllmRestarts = new Counter({
    name: 'detector_vllm_restarts_total',
    help: 'Times vLLM was restarted after exiting unexpectedly.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'detector_' });
  }
}
