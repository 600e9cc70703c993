// CloudFront Functions and KeyValueStores, control plane (REST-XML, 2020-05-31):
// a function has a DEVELOPMENT stage that UpdateFunction changes and a LIVE
// stage that PublishFunction copies it to (distributions run LIVE); every
// change needs the DEVELOPMENT ETag. A store is created here and its keys are
// read and written through the data plane (cli/local/services/key-value-store-data.ts).

import { randomUUID } from 'node:crypto';
import { accountOf, type ServiceHost } from '../../host.js';
import { ServiceError, type Operation, type OperationInput, type RestOutput, type Route } from '../../plugin.js';
import { escapeXml } from '../../xml.js';
import {
  CloudFrontFunction,
  CloudFrontFunctionError,
  FUNCTION_CODE_LIMIT,
  type FunctionStore,
} from '../../cloudfront-functions.js';
import { checkIfMatch, CLOUDFRONT_NS, itemsOf, parseXml, type Node } from './config.js';

export interface FunctionStage {
  /** base64 of the code */
  code: string;
  comment: string;
  runtime: string;
  keyValueStoreArns: string[];
  etag: string;
  lastModified: number;
}

export interface FunctionState {
  name: string;
  arn: string;
  created: number;
  development: FunctionStage;
  live?: FunctionStage;
}

export interface KeyValueStoreState {
  name: string;
  id: string;
  arn: string;
  comment: string;
  created: number;
  lastModified: number;
  etag: string;
  /** the data plane's ETag, which every write changes */
  dataEtag: string;
  items: Record<string, string>;
}

export interface FunctionsState {
  functions: FunctionState[];
  keyValueStores: KeyValueStoreState[];
}

const F = '/2020-05-31/function';
const K = '/2020-05-31/key-value-store';
const RUNTIMES = ['cloudfront-js-1.0', 'cloudfront-js-2.0'];
const NAME = /^[a-zA-Z0-9-_]{1,64}$/;
const newEtag = () => `E${randomUUID().replace(/-/g, '').slice(0, 13).toUpperCase()}`;
const iso = (ms: number) => new Date(ms).toISOString();

export class CloudFrontFunctions {
  private readonly compiled = new Map<string, { etag: string; fn: CloudFrontFunction }>();

  constructor(
    private readonly host: ServiceHost,
    private readonly state: FunctionsState,
    /** whether a distribution associates the function (ARN) */
    private readonly inUse: (functionArn: string) => boolean,
  ) {}

  readonly routes: Route[] = [
    { method: 'POST', path: F, operation: 'CreateFunction' },
    { method: 'GET', path: F, operation: 'ListFunctions' },
    { method: 'GET', path: `${F}/{Name}/describe`, operation: 'DescribeFunction' },
    { method: 'GET', path: `${F}/{Name}`, operation: 'GetFunction' },
    { method: 'PUT', path: `${F}/{Name}`, operation: 'UpdateFunction' },
    { method: 'DELETE', path: `${F}/{Name}`, operation: 'DeleteFunction' },
    { method: 'POST', path: `${F}/{Name}/publish`, operation: 'PublishFunction' },
    { method: 'POST', path: `${F}/{Name}/test`, operation: 'TestFunction' },
    { method: 'POST', path: K, operation: 'CreateKeyValueStore' },
    { method: 'GET', path: K, operation: 'ListKeyValueStores' },
    { method: 'GET', path: `${K}/{Name}`, operation: 'DescribeKeyValueStore' },
    { method: 'PUT', path: `${K}/{Name}`, operation: 'UpdateKeyValueStore' },
    { method: 'DELETE', path: `${K}/{Name}`, operation: 'DeleteKeyValueStore' },
  ];

  // ---- library API --------------------------------------------------------------

  find(name: unknown): FunctionState {
    const fn = this.state.functions.find((f) => f.name === name || f.arn === name);
    if (!fn) throw new ServiceError('NoSuchFunctionExists', `The function ${String(name)} does not exist.`, 404);
    return fn;
  }

  store(nameOrArn: unknown): KeyValueStoreState {
    const kvs = this.state.keyValueStores.find(
      (k) => k.name === nameOrArn || k.arn === nameOrArn || k.id === nameOrArn,
    );
    if (!kvs) throw new ServiceError('EntityNotFound', `The key value store ${String(nameOrArn)} does not exist.`, 404);
    return kvs;
  }

  /** The LIVE stage of a function (ARN), compiled once per ETag, reading its store as the runtime does. */
  live(functionArn: string): CloudFrontFunction {
    const fn = this.find(functionArn);
    if (!fn.live)
      throw new CloudFrontFunctionError(
        'FunctionValidationError',
        `the function ${fn.name} has no LIVE stage: publish it`,
      );
    return this.compile(fn.live);
  }

  private compile(stage: FunctionStage): CloudFrontFunction {
    const cached = this.compiled.get(stage.etag);
    if (cached) return cached.fn;
    const arn = stage.keyValueStoreArns[0];
    const store: FunctionStore | undefined = arn
      ? {
          id: this.store(arn).id,
          get: (key) => this.store(arn).items[key],
          meta: () => {
            const k = this.store(arn);
            return {
              creationDateTime: iso(k.created),
              lastUpdatedDateTime: iso(k.lastModified),
              keyCount: Object.keys(k.items).length,
            };
          },
        }
      : undefined;
    const fn = new CloudFrontFunction(Buffer.from(stage.code, 'base64').toString('utf8'), store);
    this.compiled.set(stage.etag, { etag: stage.etag, fn });
    return fn;
  }

  /** The store of that name, created when missing (the site set-up's library call). */
  ensureStore(name: string, comment: string): KeyValueStoreState {
    return this.state.keyValueStores.find((k) => k.name === name) ?? this.newStore(name, comment);
  }

  private newStore(name: string, comment: string): KeyValueStoreState {
    const now = this.host.now();
    const id = randomUUID();
    const k: KeyValueStoreState = {
      name,
      id,
      arn: `arn:aws:cloudfront::${accountOf(this.host)}:key-value-store/${id}`,
      comment,
      created: now,
      lastModified: now,
      etag: newEtag(),
      dataEtag: newEtag(),
      items: {},
    };
    this.state.keyValueStores.push(k);
    return this.save(k);
  }

  /** Creates the function, or updates it when its code or store changed, and publishes it to LIVE: what a deploy does. */
  putAndPublish(name: string, code: string, keyValueStoreArn: string, comment: string): FunctionState {
    const stage: FunctionStage = {
      code: Buffer.from(code).toString('base64'),
      comment,
      runtime: 'cloudfront-js-2.0',
      keyValueStoreArns: [keyValueStoreArn],
      etag: newEtag(),
      lastModified: this.host.now(),
    };
    this.compile(stage); // refuse what cannot run before anything changes
    let fn = this.state.functions.find((f) => f.name === name);
    const same = (s: FunctionStage | undefined) =>
      s !== undefined &&
      s.code === stage.code &&
      s.comment === stage.comment &&
      s.keyValueStoreArns.join() === stage.keyValueStoreArns.join();
    if (!fn) {
      fn = {
        name,
        arn: `arn:aws:cloudfront::${accountOf(this.host)}:function/${name}`,
        created: this.host.now(),
        development: stage,
      };
      this.state.functions.push(fn);
    } else if (!same(fn.development)) {
      fn.development = stage;
    }
    if (!same(fn.live)) fn.live = { ...fn.development, etag: newEtag(), lastModified: this.host.now() };
    return this.save(fn);
  }

  // ---- wire -----------------------------------------------------------------------

  private body(i: OperationInput): Node {
    return parseXml(i.$request.body.toString('utf8'));
  }

  private ifMatch(i: OperationInput, etag: string): void {
    checkIfMatch(etag, i.$request.headers['if-match']);
  }

  private readStage(config: Node | undefined, codeBase64: unknown): FunctionStage {
    const runtime = typeof config?.Runtime === 'string' ? config.Runtime : '';
    if (!RUNTIMES.includes(runtime))
      throw new ServiceError('InvalidArgument', `FunctionConfig.Runtime must be one of ${RUNTIMES.join(', ')}.`);
    if (typeof codeBase64 !== 'string' || codeBase64 === '')
      throw new ServiceError('InvalidArgument', 'FunctionCode is required.');
    const code = Buffer.from(codeBase64, 'base64');
    if (code.length > FUNCTION_CODE_LIMIT)
      throw new ServiceError(
        'FunctionSizeLimitExceeded',
        `The function is ${code.length} bytes; the maximum is ${FUNCTION_CODE_LIMIT}.`,
        413,
      );
    const keyValueStoreArns = itemsOf(config?.KeyValueStoreAssociations, 'KeyValueStoreAssociation').map((a) =>
      String(a.KeyValueStoreARN ?? ''),
    );
    if (keyValueStoreArns.length > 1)
      throw new ServiceError('InvalidArgument', 'A function can be associated with one key value store.');
    if (keyValueStoreArns.length && runtime !== 'cloudfront-js-2.0')
      throw new ServiceError('InvalidArgument', 'Key value stores need the cloudfront-js-2.0 runtime.');
    for (const arn of keyValueStoreArns) this.store(arn);
    return {
      code: code.toString('base64'),
      comment: typeof config?.Comment === 'string' ? config.Comment : '',
      runtime,
      keyValueStoreArns,
      etag: newEtag(),
      lastModified: this.host.now(),
    };
  }

  private summaryXml(fn: FunctionState, stage: 'DEVELOPMENT' | 'LIVE', ns = true): string {
    const s = (stage === 'LIVE' ? fn.live : fn.development) as FunctionStage;
    const status = !fn.live ? 'UNPUBLISHED' : this.inUse(fn.arn) ? 'DEPLOYED' : 'UNASSOCIATED';
    const kvs = s.keyValueStoreArns
      .map(
        (a) =>
          `<KeyValueStoreAssociation><KeyValueStoreARN>${escapeXml(a)}</KeyValueStoreARN></KeyValueStoreAssociation>`,
      )
      .join('');
    return (
      `<FunctionSummary${ns ? ` xmlns="${CLOUDFRONT_NS}"` : ''}><Name>${escapeXml(fn.name)}</Name><Status>${status}</Status>` +
      `<FunctionConfig><Comment>${escapeXml(s.comment)}</Comment><Runtime>${s.runtime}</Runtime>` +
      `<KeyValueStoreAssociations><Quantity>${s.keyValueStoreArns.length}</Quantity>${kvs ? `<Items>${kvs}</Items>` : ''}</KeyValueStoreAssociations></FunctionConfig>` +
      `<FunctionMetadata><FunctionARN>${fn.arn}</FunctionARN><Stage>${stage}</Stage><CreatedTime>${iso(fn.created)}</CreatedTime><LastModifiedTime>${iso(s.lastModified)}</LastModifiedTime></FunctionMetadata></FunctionSummary>`
    );
  }

  private stageOf(i: OperationInput, fn: FunctionState): 'DEVELOPMENT' | 'LIVE' {
    const stage = i.$request.query.get('Stage') ?? 'DEVELOPMENT';
    if (stage !== 'DEVELOPMENT' && stage !== 'LIVE')
      throw new ServiceError('InvalidArgument', 'Stage must be DEVELOPMENT or LIVE.');
    if (stage === 'LIVE' && !fn.live)
      throw new ServiceError('NoSuchFunctionExists', `The function ${fn.name} has no LIVE stage.`, 404);
    return stage;
  }

  private storeXml(k: KeyValueStoreState, ns = true): string {
    return `<KeyValueStore${ns ? ` xmlns="${CLOUDFRONT_NS}"` : ''}><Name>${escapeXml(k.name)}</Name><Id>${k.id}</Id><Comment>${escapeXml(k.comment)}</Comment><ARN>${k.arn}</ARN><Status>READY</Status><LastModifiedTime>${iso(k.lastModified)}</LastModifiedTime></KeyValueStore>`;
  }

  private save<T>(value: T): T {
    this.host.store.save();
    return value;
  }

  readonly operations: Record<string, Operation> = {
    CreateFunction: (i): RestOutput => {
      const req = this.body(i).CreateFunctionRequest as Node | undefined;
      const name = String(req?.Name ?? '');
      if (!NAME.test(name))
        throw new ServiceError('InvalidArgument', 'Name must be 1-64 characters: letters, digits, - and _.');
      if (this.state.functions.some((f) => f.name === name))
        throw new ServiceError('FunctionAlreadyExists', `A function with the name ${name} already exists.`, 409);
      const development = this.readStage(req?.FunctionConfig as Node | undefined, req?.FunctionCode);
      const fn: FunctionState = {
        name,
        arn: `arn:aws:cloudfront::${accountOf(this.host)}:function/${name}`,
        created: this.host.now(),
        development,
      };
      this.state.functions.push(fn);
      return this.save({
        status: 201,
        body: this.summaryXml(fn, 'DEVELOPMENT'),
        headers: { etag: development.etag, location: `https://cloudfront.amazonaws.com${F}/${fn.arn}` },
      });
    },
    DescribeFunction: (i): RestOutput => {
      const fn = this.find(i.Name);
      const stage = this.stageOf(i, fn);
      return {
        status: 200,
        body: this.summaryXml(fn, stage),
        headers: { etag: (stage === 'LIVE' ? fn.live : fn.development)!.etag },
      };
    },
    GetFunction: (i): RestOutput => {
      const fn = this.find(i.Name);
      const s = (this.stageOf(i, fn) === 'LIVE' ? fn.live : fn.development)!;
      return {
        status: 200,
        raw: Buffer.from(s.code, 'base64'),
        headers: { etag: s.etag, 'content-type': 'application/octet-stream' },
      };
    },
    UpdateFunction: (i): RestOutput => {
      const fn = this.find(i.Name);
      this.ifMatch(i, fn.development.etag);
      const req = this.body(i).UpdateFunctionRequest as Node | undefined;
      fn.development = this.readStage(req?.FunctionConfig as Node | undefined, req?.FunctionCode);
      return this.save({
        status: 200,
        body: this.summaryXml(fn, 'DEVELOPMENT'),
        headers: { etag: fn.development.etag },
      });
    },
    PublishFunction: (i): RestOutput => {
      const fn = this.find(i.Name);
      this.ifMatch(i, fn.development.etag);
      // code that cannot run is refused here, as CloudFront refuses it
      try {
        this.compile(fn.development);
      } catch (error) {
        if (error instanceof CloudFrontFunctionError) throw new ServiceError('InvalidArgument', error.message);
        throw error;
      }
      fn.live = { ...fn.development, etag: newEtag(), lastModified: this.host.now() };
      this.host.emit({ type: 'log', level: 'info', message: `cloudfront: function ${fn.name} published to LIVE` });
      return this.save({ status: 200, body: this.summaryXml(fn, 'LIVE'), headers: {} });
    },
    TestFunction: (i): RestOutput => {
      const fn = this.find(i.Name);
      this.ifMatch(i, fn.development.etag);
      const req = this.body(i).TestFunctionRequest as Node | undefined;
      const stage = req?.Stage === 'LIVE' ? 'LIVE' : 'DEVELOPMENT';
      const s = stage === 'LIVE' ? fn.live : fn.development;
      if (!s) throw new ServiceError('NoSuchFunctionExists', `The function ${fn.name} has no LIVE stage.`, 404);
      let output = '';
      let failure = '';
      let logs: string[] = [];
      let ms = 0;
      try {
        const run = this.compile(s).run(
          JSON.parse(Buffer.from(String(req?.EventObject ?? ''), 'base64').toString('utf8')),
        );
        output = JSON.stringify(run.result);
        logs = run.logs;
        ms = run.computeMs;
      } catch (error) {
        if (!(error instanceof CloudFrontFunctionError) && !(error instanceof SyntaxError)) throw error;
        failure = error.message;
      }
      const utilization = Math.min(100, Math.max(1, Math.round(ms * 100)));
      const logItems = logs.map((l) => `<member>${escapeXml(l)}</member>`).join('');
      return {
        status: 200,
        body:
          `<TestResult xmlns="${CLOUDFRONT_NS}">${this.summaryXml(fn, stage, false)}<ComputeUtilization>${utilization}</ComputeUtilization>` +
          `<FunctionExecutionLogs>${logItems}</FunctionExecutionLogs><FunctionErrorMessage>${escapeXml(failure)}</FunctionErrorMessage><FunctionOutput>${escapeXml(output)}</FunctionOutput></TestResult>`,
      };
    },
    DeleteFunction: (i): RestOutput => {
      const fn = this.find(i.Name);
      this.ifMatch(i, fn.development.etag);
      if (this.inUse(fn.arn))
        throw new ServiceError('FunctionInUse', `The function ${fn.name} is associated with a distribution.`, 409);
      this.state.functions = this.state.functions.filter((f) => f !== fn);
      return this.save({ status: 204 });
    },
    ListFunctions: (i): RestOutput => {
      const stage = i.$request.query.get('Stage');
      const items = this.state.functions
        .filter((f) => stage !== 'LIVE' || f.live)
        .map((f) => this.summaryXml(f, stage === 'LIVE' ? 'LIVE' : 'DEVELOPMENT', false));
      return {
        status: 200,
        body: `<FunctionList xmlns="${CLOUDFRONT_NS}"><NextMarker></NextMarker><MaxItems>100</MaxItems><Quantity>${items.length}</Quantity>${items.length ? `<Items>${items.join('')}</Items>` : ''}</FunctionList>`,
      };
    },

    CreateKeyValueStore: (i): RestOutput => {
      const req = this.body(i).CreateKeyValueStoreRequest as Node | undefined;
      const name = String(req?.Name ?? '');
      if (!NAME.test(name))
        throw new ServiceError('InvalidArgument', 'Name must be 1-64 characters: letters, digits, - and _.');
      if (this.state.keyValueStores.some((k) => k.name === name))
        throw new ServiceError('EntityAlreadyExists', `A key value store with the name ${name} already exists.`, 409);
      const k = this.newStore(name, typeof req?.Comment === 'string' ? req.Comment : '');
      return {
        status: 201,
        body: this.storeXml(k),
        headers: { etag: k.etag, location: `https://cloudfront.amazonaws.com${K}/${k.arn}` },
      };
    },
    DescribeKeyValueStore: (i): RestOutput => {
      const k = this.store(i.Name);
      return { status: 200, body: this.storeXml(k), headers: { etag: k.etag } };
    },
    UpdateKeyValueStore: (i): RestOutput => {
      const k = this.store(i.Name);
      this.ifMatch(i, k.etag);
      const req = this.body(i).UpdateKeyValueStoreRequest as Node | undefined;
      k.comment = typeof req?.Comment === 'string' ? req.Comment : '';
      k.etag = newEtag();
      k.lastModified = this.host.now();
      return this.save({ status: 200, body: this.storeXml(k), headers: { etag: k.etag } });
    },
    DeleteKeyValueStore: (i): RestOutput => {
      const k = this.store(i.Name);
      this.ifMatch(i, k.etag);
      const user = this.state.functions.find((f) =>
        [f.development, f.live].some((s) => s?.keyValueStoreArns.includes(k.arn)),
      );
      if (user)
        throw new ServiceError(
          'CannotDeleteEntityWhileInUse',
          `The key value store ${k.name} is associated with the function ${user.name}.`,
          409,
        );
      this.state.keyValueStores = this.state.keyValueStores.filter((x) => x !== k);
      return this.save({ status: 204 });
    },
    ListKeyValueStores: (): RestOutput => {
      const items = this.state.keyValueStores.map((k) => this.storeXml(k, false));
      return {
        status: 200,
        body: `<KeyValueStoreList xmlns="${CLOUDFRONT_NS}"><NextMarker></NextMarker><MaxItems>100</MaxItems><Quantity>${items.length}</Quantity>${items.length ? `<Items>${items.join('')}</Items>` : ''}</KeyValueStoreList>`,
      };
    },
  };
}
