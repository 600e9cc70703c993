// The CloudFront KeyValueStore data plane (service `cloudfront-keyvaluestore`,
// REST-JSON, signed with SigV4A: the scope has no region, so the router reads
// it from X-Amz-Region-Set). Stores are made by the control plane
// (cloudfront/functions.ts); here their keys are read and written. Every write
// names the ETag it read (If-Match) and gets a new one; a stale ETag is a
// ConflictException, as two publishers racing must see.

import { randomUUID } from 'node:crypto';
import type { ServiceHost } from '../host.js';
import { definePlugin, ServiceError, type OperationInput, type RestOutput, type ServicePlugin } from '../plugin.js';
import type { CloudFrontFunctions, KeyValueStoreState } from './cloudfront/functions.js';

const KEY_LIMIT = 512;
const VALUE_LIMIT = 1024;
const STORE_LIMIT = 5 * 1024 * 1024;
const BATCH_LIMIT = 50;
const S = '/key-value-stores/{KvsARN}';

const newEtag = () => `KV${randomUUID().replace(/-/g, '').toUpperCase()}`;
const validation = (message: string) => new ServiceError('ValidationException', message, 400);
const size = (items: Record<string, string>) =>
  Object.entries(items).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

export function keyValueStoreDataPlugin(host: ServiceHost, functions: CloudFrontFunctions): ServicePlugin {
  const store = (i: OperationInput): KeyValueStoreState => {
    try {
      return functions.store(String(i.KvsARN));
    } catch {
      throw new ServiceError(
        'ResourceNotFoundException',
        `The key value store ${String(i.KvsARN)} does not exist.`,
        404,
      );
    }
  };
  const totals = (k: KeyValueStoreState) => ({
    ItemCount: Object.keys(k.items).length,
    TotalSizeInBytes: size(k.items),
  });
  const ifMatch = (i: OperationInput, k: KeyValueStoreState) => {
    const given = i.$request.headers['if-match'];
    if (!given) throw validation('If-Match is required: pass the ETag from DescribeKeyValueStore');
    if (given !== k.dataEtag)
      throw new ServiceError(
        'ConflictException',
        'The ETag does not match the key value store: it changed since it was read. Read it again.',
        409,
      );
  };
  const checkKey = (key: unknown): string => {
    if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key) > KEY_LIMIT)
      throw validation(`a key must be 1 to ${KEY_LIMIT} bytes`);
    return key;
  };
  const checkValue = (value: unknown): string => {
    if (typeof value !== 'string' || Buffer.byteLength(value) > VALUE_LIMIT)
      throw validation(`a value must be a string of at most ${VALUE_LIMIT} bytes`);
    return value;
  };
  /** applies a write; the store is left as it was when any part of it is refused */
  const write = (i: OperationInput, change: (items: Record<string, string>) => void): RestOutput => {
    const k = store(i);
    ifMatch(i, k);
    const items = { ...k.items };
    change(items);
    if (size(items) > STORE_LIMIT)
      throw new ServiceError(
        'ServiceQuotaExceededException',
        `the key value store would hold more than ${STORE_LIMIT} bytes`,
        402,
      );
    k.items = items;
    k.dataEtag = newEtag();
    k.lastModified = host.now();
    host.store.save();
    host.emit({ type: 'key-value-store', arn: k.arn, keys: Object.keys(items).length });
    return { status: 200, body: { ...totals(k), ETag: k.dataEtag }, headers: { etag: k.dataEtag } };
  };

  return definePlugin({
    name: 'cloudfront-keyvaluestore',
    protocol: 'rest-json',
    resourceOf: (_operation, i) => (i.KvsARN === undefined ? '*' : String(i.KvsARN)),
    routes: [
      { method: 'GET', path: S, operation: 'DescribeKeyValueStore' },
      { method: 'GET', path: `${S}/keys`, operation: 'ListKeys' },
      { method: 'POST', path: `${S}/keys`, operation: 'UpdateKeys' },
      { method: 'GET', path: `${S}/keys/{Key}`, operation: 'GetKey' },
      { method: 'PUT', path: `${S}/keys/{Key}`, operation: 'PutKey' },
      { method: 'DELETE', path: `${S}/keys/{Key}`, operation: 'DeleteKey' },
    ],
    operations: {
      DescribeKeyValueStore: (i): RestOutput => {
        const k = store(i);
        return {
          status: 200,
          body: {
            ...totals(k),
            KvsARN: k.arn,
            Created: k.created / 1000,
            LastModified: k.lastModified / 1000,
            Status: 'READY',
          },
          headers: { etag: k.dataEtag },
        };
      },
      GetKey: (i): RestOutput => {
        const k = store(i);
        const key = String(i.Key);
        const value = k.items[key];
        if (value === undefined)
          throw new ServiceError('ResourceNotFoundException', `The key ${key} does not exist.`, 404);
        return { status: 200, body: { Key: key, Value: value, ...totals(k) } };
      },
      ListKeys: (i): RestOutput => {
        const k = store(i);
        const max = Math.min(50, Number(i.$request.query.get('MaxResults') ?? 50) || 50);
        const keys = Object.keys(k.items).sort();
        const start = Number(i.$request.query.get('NextToken') ?? 0) || 0;
        const page = keys.slice(start, start + max);
        return {
          status: 200,
          body: {
            Items: page.map((key) => ({ Key: key, Value: k.items[key] })),
            ...(start + max < keys.length ? { NextToken: String(start + max) } : {}),
          },
        };
      },
      PutKey: (i) => {
        const key = checkKey(String(i.Key));
        const value = checkValue((i as { Value?: unknown }).Value);
        return write(i, (items) => {
          items[key] = value;
        });
      },
      DeleteKey: (i) => {
        const key = String(i.Key);
        return write(i, (items) => {
          if (!(key in items))
            throw new ServiceError('ResourceNotFoundException', `The key ${key} does not exist.`, 404);
          delete items[key];
        });
      },
      UpdateKeys: (i) => {
        const puts = ((i as { Puts?: unknown }).Puts ?? []) as Array<{ Key?: unknown; Value?: unknown }>;
        const deletes = ((i as { Deletes?: unknown }).Deletes ?? []) as Array<{ Key?: unknown }>;
        if (!Array.isArray(puts) || !Array.isArray(deletes)) throw validation('Puts and Deletes must be lists');
        if (puts.length + deletes.length === 0) throw validation('UpdateKeys needs at least one put or delete');
        if (puts.length > BATCH_LIMIT || deletes.length > BATCH_LIMIT)
          throw validation(`at most ${BATCH_LIMIT} puts and ${BATCH_LIMIT} deletes in one UpdateKeys`);
        const checked = puts.map((p) => [checkKey(p?.Key), checkValue(p?.Value)] as const);
        const removed = deletes.map((d) => checkKey(d?.Key));
        return write(i, (items) => {
          for (const key of removed) delete items[key];
          for (const [key, value] of checked) items[key] = value;
        });
      },
    },
  });
}
