/**
 * STAND-IN for the Vertex AI REST API v1 — test code only, never used by production code paths.
 *
 * Serves the calls the deploy step makes (endpoints.get, models.list/upload/delete, endpoints.deployModel/
 * undeployModel, operations.get, and Cloud Storage's objects.get for the staged-weights check) over local HTTP, keeps endpoints/models/deployed models in memory, records every
 * request, and plays long-running operations (each finishes after `operationPolls` polls). It enforces the rules the
 * real API enforces that the deploy step must respect: bearer token required, traffic splits must add up to 100,
 * a deployed model with traffic cannot be undeployed unless the request reassigns it (or it is the last one), a
 * deployed model's Model cannot be deleted. Faults can be injected per call.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  readonly method: string;
  /** Path without the /v1/ prefix and without the query. */
  readonly path: string;
  readonly query: string;
  readonly body: unknown;
}

export interface StandInDeployedModel {
  id: string;
  model: string;
  displayName: string;
  dedicatedResources?: unknown;
  serviceAccount?: string;
  enableContainerLogging?: boolean;
}

interface StandInEndpoint {
  name: string;
  deployedModels: StandInDeployedModel[];
  trafficSplit: Record<string, number>;
}

export interface StandInModel {
  name: string;
  displayName: string;
  labels: Record<string, string>;
  containerSpec: unknown;
  artifactUri?: string;
}

interface StandInOperation {
  name: string;
  polls: number;
  complete: () => { response?: Record<string, unknown>; error?: { code: number; message: string } };
  result?: { response?: Record<string, unknown>; error?: { code: number; message: string } };
}

export interface Fault {
  /** Matches `METHOD path` (path without /v1/), e.g. /^POST .*:deployModel$/. */
  readonly match: RegExp;
  /** HTTP status and google.rpc status of an immediate error answer. */
  readonly httpStatus?: number;
  readonly status?: string;
  readonly message: string;
  /** Instead of answering with an error, start an operation that finishes with this google.rpc code. */
  readonly operationErrorCode?: number;
  /** How many matching calls fail. @default 1 */
  times?: number;
}

export interface VertexApiStandInOptions {
  readonly project: string;
  /** Regions that exist; any other location answers 404. */
  readonly regions: readonly string[];
  /** Polls before an operation reports done. @default 2 */
  readonly operationPolls?: number;
  /** The bearer token the stand-in accepts. @default 'stand-in-token' */
  readonly token?: string;
}

/** The fake GCP project's numeric id (Vertex names deployed models' Models by project number). */
export const STAND_IN_PROJECT_NUMBER = '123456789012';

export class VertexApiStandIn {
  readonly calls: RecordedCall[] = [];
  /** Cloud Storage objects that exist, as `gs://bucket/name` (the JSON API's objects.get answers 200 or 404). */
  readonly objects = new Set<string>();
  readonly endpoints = new Map<string, StandInEndpoint>();
  readonly models = new Map<string, StandInModel>();
  private readonly operations = new Map<string, StandInOperation>();
  private readonly faults: Fault[] = [];
  private server: Server | undefined;
  private nextId = 1000;
  readonly token: string;

  constructor(private readonly options: VertexApiStandInOptions) {
    this.token = options.token ?? 'stand-in-token';
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.server?.close((e) => (e ? reject(e) : resolve())));
  }

  /** Creates an endpoint, as `terraform apply` of the google_vertex_ai_endpoint would. */
  createEndpoint(region: string, endpointId: string): void {
    const name = `projects/${this.options.project}/locations/${region}/endpoints/${endpointId}`;
    this.endpoints.set(name, { name, deployedModels: [], trafficSplit: {} });
  }

  endpoint(region: string, endpointId: string): StandInEndpoint | undefined {
    return this.endpoints.get(`projects/${this.options.project}/locations/${region}/endpoints/${endpointId}`);
  }

  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Calls that change state (everything but reads and operation polls). */
  mutatingCalls(): RecordedCall[] {
    return this.calls.filter((c) => c.method !== 'GET');
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(url.pathname.replace(/^\/v1\//, ''));
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return this.error(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    this.calls.push({ method, path, query: url.search, body });

    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return this.error(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    }
    const object = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path);
    if (object && method === 'GET') {
      return this.objects.has(`gs://${object[1]}/${object[2]}`)
        ? this.json(res, { name: object[2] })
        : this.error(res, 404, 'NOT_FOUND', `No such object: ${object[1]}/${object[2]}`);
    }
    const fault = this.faults.find((f) => (f.times ?? 0) > 0 && f.match.test(`${method} ${path}`));
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.operationErrorCode !== undefined) {
        const code = fault.operationErrorCode;
        return this.json(
          res,
          this.startOperation(path, () => ({ error: { code, message: fault.message } })),
        );
      }
      return this.error(res, fault.httpStatus ?? 500, fault.status ?? 'INTERNAL', fault.message);
    }

    const location = /^projects\/([^/]+)\/locations\/([^/]+)/.exec(path);
    if (location && location[1] !== this.options.project && location[1] !== STAND_IN_PROJECT_NUMBER) {
      return this.error(res, 403, 'PERMISSION_DENIED', `Permission denied on resource project ${location[1]}.`);
    }
    if (location && !this.options.regions.includes(location[2])) {
      return this.error(res, 404, 'NOT_FOUND', `Location ${location[2]} is not found or access is unauthorized.`);
    }

    let m: RegExpExecArray | null;
    if (
      method === 'GET' &&
      (m = /^(projects\/[^/]+\/locations\/[^/]+\/operations\/[^/]+|.+\/operations\/[^/]+)$/.exec(path))
    ) {
      return this.pollOperation(res, m[1]);
    }
    if (method === 'GET' && /^projects\/[^/]+\/locations\/[^/]+\/endpoints\/[^/:]+$/.test(path)) {
      const endpoint = this.endpoints.get(path);
      if (!endpoint) return this.error(res, 404, 'NOT_FOUND', `Endpoint \`${path}\` not found.`);
      return this.json(res, {
        name: endpoint.name,
        ...(endpoint.deployedModels.length ? { deployedModels: endpoint.deployedModels } : {}),
        ...(Object.keys(endpoint.trafficSplit).length ? { trafficSplit: endpoint.trafficSplit } : {}),
      });
    }
    if (method === 'GET' && (m = /^(projects\/[^/]+\/locations\/[^/]+)\/models$/.exec(path))) {
      const filter = url.searchParams.get('filter') ?? '';
      const wanted = [...filter.matchAll(/labels\.([a-z0-9_-]+)=("?)([^"\s]*)\2/g)].map((x) => [x[1], x[3]]);
      const prefix = `${m[1]}/models/`;
      const models = [...this.models.values()].filter(
        (model) => model.name.startsWith(prefix) && wanted.every(([k, v]) => model.labels[k] === v),
      );
      return this.json(res, models.length ? { models } : {});
    }
    if (method === 'POST' && (m = /^(projects\/[^/]+\/locations\/[^/]+)\/models:upload$/.exec(path))) {
      const model = (body as { model?: Partial<StandInModel> } | undefined)?.model;
      if (!model?.containerSpec || !model.displayName) {
        return this.error(res, 400, 'INVALID_ARGUMENT', 'model.displayName and model.containerSpec are required.');
      }
      const name = `${m[1]}/models/${this.nextId++}`;
      return this.json(
        res,
        this.startOperation(m[1], () => {
          this.models.set(name, {
            name,
            displayName: model.displayName!,
            labels: model.labels ?? {},
            containerSpec: model.containerSpec,
            artifactUri: model.artifactUri,
          });
          return { response: { model: name, modelVersionId: '1' } };
        }),
      );
    }
    if (method === 'POST' && (m = /^(projects\/[^/]+\/locations\/[^/]+\/endpoints\/[^/:]+):deployModel$/.exec(path))) {
      return this.deployModel(res, m[1], body as DeployBody);
    }
    if (
      method === 'POST' &&
      (m = /^(projects\/[^/]+\/locations\/[^/]+\/endpoints\/[^/:]+):undeployModel$/.exec(path))
    ) {
      return this.undeployModel(res, m[1], body as UndeployBody);
    }
    if (method === 'DELETE' && /^projects\/[^/]+\/locations\/[^/]+\/models\/[^/]+$/.test(path)) {
      const name = path.replace(`projects/${STAND_IN_PROJECT_NUMBER}/`, `projects/${this.options.project}/`);
      if (!this.models.has(name)) return this.error(res, 404, 'NOT_FOUND', `Model \`${path}\` not found.`);
      const deployedOn = [...this.endpoints.values()].find((e) =>
        e.deployedModels.some((d) => this.sameModel(d.model, name)),
      );
      if (deployedOn) {
        return this.error(
          res,
          400,
          'FAILED_PRECONDITION',
          `Model ${path} is deployed to ${deployedOn.name}; undeploy it first.`,
        );
      }
      return this.json(
        res,
        this.startOperation(path.replace(/\/models\/.*$/, ''), () => {
          this.models.delete(name);
          return { response: {} };
        }),
      );
    }
    return this.error(res, 404, 'NOT_FOUND', `The stand-in does not serve ${method} ${path}.`);
  }

  private deployModel(res: ServerResponse, endpointName: string, body: DeployBody): void {
    const endpoint = this.endpoints.get(endpointName);
    if (!endpoint) return this.error(res, 404, 'NOT_FOUND', `Endpoint \`${endpointName}\` not found.`);
    const dm = body?.deployedModel;
    if (!dm?.model || !this.models.has(dm.model)) {
      return this.error(res, 400, 'INVALID_ARGUMENT', `Model ${dm?.model ?? '(none)'} does not exist.`);
    }
    if (!dm.dedicatedResources) return this.error(res, 400, 'INVALID_ARGUMENT', 'dedicatedResources is required.');
    const split = body.trafficSplit ?? {};
    const sum = Object.values(split).reduce((a, b) => a + b, 0);
    if (Object.keys(split).length > 0 && sum !== 100) {
      return this.error(res, 400, 'INVALID_ARGUMENT', `Traffic split must add up to 100; got ${sum}.`);
    }
    const id = String(this.nextId++);
    return this.json(
      res,
      this.startOperation(endpointName, () => {
        const modelId = dm.model.split('/').pop();
        // The real API reports the Model by project number.
        const deployed: StandInDeployedModel = {
          id,
          model: `projects/${STAND_IN_PROJECT_NUMBER}/locations/${endpointName.split('/')[3]}/models/${modelId}`,
          displayName: dm.displayName ?? '',
          dedicatedResources: dm.dedicatedResources,
          serviceAccount: dm.serviceAccount,
          enableContainerLogging: dm.enableContainerLogging,
        };
        endpoint.deployedModels.push(deployed);
        if (Object.keys(split).length > 0) {
          endpoint.trafficSplit = Object.fromEntries(Object.entries(split).map(([k, v]) => [k === '0' ? id : k, v]));
        } else if (endpoint.deployedModels.length === 1) {
          endpoint.trafficSplit = { [id]: 100 };
        }
        return { response: { deployedModel: { id, model: dm.model, displayName: dm.displayName } } };
      }),
    );
  }

  private undeployModel(res: ServerResponse, endpointName: string, body: UndeployBody): void {
    const endpoint = this.endpoints.get(endpointName);
    if (!endpoint) return this.error(res, 404, 'NOT_FOUND', `Endpoint \`${endpointName}\` not found.`);
    const target = endpoint.deployedModels.find((d) => d.id === body?.deployedModelId);
    if (!target) {
      return this.error(res, 404, 'NOT_FOUND', `Deployed model ${body?.deployedModelId} not found on ${endpointName}.`);
    }
    const last = endpoint.deployedModels.length === 1;
    const split = body.trafficSplit && Object.keys(body.trafficSplit).length > 0 ? body.trafficSplit : undefined;
    const traffic = (split ?? endpoint.trafficSplit)[target.id] ?? 0;
    if (!last && traffic > 0) {
      return this.error(
        res,
        400,
        'FAILED_PRECONDITION',
        `Deployed model ${target.id} has ${traffic}% of traffic; reassign it in trafficSplit before undeploying.`,
      );
    }
    if (split && Object.values(split).reduce((a, b) => a + b, 0) !== 100) {
      return this.error(res, 400, 'INVALID_ARGUMENT', 'Traffic split must add up to 100.');
    }
    return this.json(
      res,
      this.startOperation(endpointName, () => {
        endpoint.deployedModels = endpoint.deployedModels.filter((d) => d.id !== target.id);
        if (endpoint.deployedModels.length === 0) endpoint.trafficSplit = {};
        else {
          const next = { ...(split ?? endpoint.trafficSplit) };
          delete next[target.id];
          endpoint.trafficSplit = next;
        }
        return { response: {} };
      }),
    );
  }

  private sameModel(a: string, b: string): boolean {
    return a.split('/').pop() === b.split('/').pop();
  }

  private startOperation(parent: string, complete: StandInOperation['complete']): { name: string; done: boolean } {
    const location = /^projects\/[^/]+\/locations\/[^/]+/.exec(parent)?.[0] ?? parent;
    const name = `${location}/operations/${this.nextId++}`;
    this.operations.set(name, { name, polls: 0, complete });
    return { name, done: false };
  }

  private pollOperation(res: ServerResponse, name: string): void {
    const op = this.operations.get(name);
    if (!op) return this.error(res, 404, 'NOT_FOUND', `Operation ${name} not found.`);
    op.polls += 1;
    if (!op.result && op.polls >= (this.options.operationPolls ?? 2)) op.result = op.complete();
    if (!op.result) return this.json(res, { name, metadata: { genericMetadata: {} } });
    return this.json(res, { name, done: true, ...op.result });
  }

  private json(res: ServerResponse, value: unknown): void {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(value));
  }

  private error(res: ServerResponse, httpStatus: number, status: string, message: string): void {
    res.writeHead(httpStatus, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: { code: httpStatus, message, status } }));
  }
}

interface DeployBody {
  deployedModel?: {
    model: string;
    displayName?: string;
    dedicatedResources?: unknown;
    serviceAccount?: string;
    enableContainerLogging?: boolean;
  };
  trafficSplit?: Record<string, number>;
}

interface UndeployBody {
  deployedModelId?: string;
  trafficSplit?: Record<string, number>;
}
