// S3 over REST-XML, path-style, just enough to be a distribution's origin:
// buckets, objects, bucket policies. CloudFront reaches it through origin
// access control: a read is allowed only when the bucket policy grants
// cloudfront.amazonaws.com for that distribution (what deploy's s3_bucket_policy
// output asks the owner to add).

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceHost } from '../host.js';
import { definePlugin, ServiceError, type OperationInput, type RestOutput, type ServicePlugin } from '../plugin.js';
import { escapeXml } from '../xml.js';

interface ObjectState {
  key: string;
  etag: string;
  size: number;
  contentType: string;
  lastModified: number;
}

interface BucketState {
  name: string;
  region: string;
  created: number;
  policy?: string;
  objects: ObjectState[];
}

export interface S3State {
  buckets: BucketState[];
}

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const noSuchBucket = (name: string) =>
  new ServiceError('NoSuchBucket', `The specified bucket does not exist: ${name}`, 404);
const xml = (body: string, status = 200, headers: Record<string, string> = {}): RestOutput => ({
  status,
  body,
  headers,
});

interface PolicyStatement {
  Effect?: string;
  Principal?: string | { Service?: string | string[]; AWS?: string | string[] };
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const glob = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

export class S3Service {
  readonly state: S3State;
  readonly plugin: ServicePlugin;
  private readonly dir: string;

  constructor(private readonly host: ServiceHost) {
    this.state = host.store.slice<S3State>('s3', () => ({ buckets: [] }));
    this.dir = join(host.store.dir, 's3');
    this.plugin = this.definePlugin();
  }

  private bucket(name: unknown): BucketState {
    const b = this.state.buckets.find((x) => x.name === name);
    if (!b) throw noSuchBucket(String(name));
    return b;
  }

  private file(bucket: string, key: string): string {
    return join(this.dir, bucket, encodeURIComponent(key));
  }

  /**
   * A read as CloudFront makes it for a distribution: signed with origin access
   * control (principal cloudfront.amazonaws.com, source the distribution), or
   * anonymous. What S3 answers, status and all.
   */
  readForOrigin(
    bucketName: string,
    key: string,
    caller: { distributionArn: string; signed: boolean },
  ): { status: number; headers: Record<string, string>; body: Buffer } {
    const error = (status: number, code: string, message: string) => ({
      status,
      headers: { 'content-type': 'application/xml' },
      body: Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`,
      ),
    });
    const bucket = this.state.buckets.find((b) => b.name === bucketName);
    if (!bucket) return error(404, 'NoSuchBucket', 'The specified bucket does not exist');
    if (!this.allows(bucket, 's3:GetObject', `arn:aws:s3:::${bucket.name}/${key}`, caller))
      return error(403, 'AccessDenied', 'Access Denied');
    const object = bucket.objects.find((o) => o.key === key);
    // as S3: without s3:ListBucket a missing key is indistinguishable from a forbidden one
    if (!object)
      return this.allows(bucket, 's3:ListBucket', `arn:aws:s3:::${bucket.name}`, caller)
        ? error(404, 'NoSuchKey', 'The specified key does not exist.')
        : error(403, 'AccessDenied', 'Access Denied');
    return {
      status: 200,
      headers: {
        'content-type': object.contentType,
        etag: object.etag,
        'last-modified': new Date(object.lastModified).toUTCString(),
      },
      body: readFileSync(this.file(bucket.name, key)),
    };
  }

  private allows(
    bucket: BucketState,
    action: string,
    resource: string,
    caller: { distributionArn: string; signed: boolean },
  ): boolean {
    if (!bucket.policy) return false;
    const statements = list(
      (JSON.parse(bucket.policy) as { Statement?: PolicyStatement | PolicyStatement[] }).Statement,
    );
    return statements.some((s) => {
      if (s.Effect !== 'Allow') return false;
      const principal = s.Principal;
      const anyone = principal === '*' || (typeof principal === 'object' && list(principal.AWS).includes('*'));
      const cloudfront = typeof principal === 'object' && list(principal.Service).includes('cloudfront.amazonaws.com');
      if (!(anyone || (cloudfront && caller.signed))) return false;
      if (!list(s.Action).some((a) => glob(a, action))) return false;
      if (!list(s.Resource).some((r) => glob(r, resource))) return false;
      const sourceArn = s.Condition?.StringEquals?.['AWS:SourceArn'] ?? s.Condition?.ArnLike?.['AWS:SourceArn'];
      return sourceArn === undefined || list(sourceArn).some((arn) => glob(arn, caller.distributionArn));
    });
  }

  private definePlugin(): ServicePlugin {
    const save = () => this.host.store.save();
    const s = this.state;
    return definePlugin({
      name: 's3',
      protocol: 'rest-xml',
      target: S3_NS,
      xmlErrors: 'bare',
      routes: [
        { method: 'GET', path: '/', operation: 'ListBuckets' },
        { method: 'PUT', path: '/{Bucket}', operation: 'PutBucketPolicy', query: { policy: true } },
        { method: 'GET', path: '/{Bucket}', operation: 'GetBucketPolicy', query: { policy: true } },
        { method: 'DELETE', path: '/{Bucket}', operation: 'DeleteBucketPolicy', query: { policy: true } },
        { method: 'PUT', path: '/{Bucket}', operation: 'CreateBucket' },
        { method: 'HEAD', path: '/{Bucket}', operation: 'HeadBucket' },
        { method: 'DELETE', path: '/{Bucket}', operation: 'DeleteBucket' },
        { method: 'GET', path: '/{Bucket}', operation: 'ListObjectsV2' },
        { method: 'PUT', path: '/{Bucket}/{Key+}', operation: 'PutObject' },
        { method: 'GET', path: '/{Bucket}/{Key+}', operation: 'GetObject' },
        { method: 'HEAD', path: '/{Bucket}/{Key+}', operation: 'HeadObject' },
        { method: 'DELETE', path: '/{Bucket}/{Key+}', operation: 'DeleteObject' },
      ],
      operations: {
        ListBuckets: () =>
          xml(
            `<ListAllMyBucketsResult xmlns="${S3_NS}"><Owner><ID>local</ID></Owner><Buckets>${s.buckets.map((b) => `<Bucket><Name>${b.name}</Name><CreationDate>${new Date(b.created).toISOString()}</CreationDate></Bucket>`).join('')}</Buckets></ListAllMyBucketsResult>`,
          ),
        CreateBucket: (i) => {
          const name = String(i.Bucket);
          if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name))
            throw new ServiceError('InvalidBucketName', 'The specified bucket is not valid.');
          if (s.buckets.some((b) => b.name === name))
            throw new ServiceError(
              'BucketAlreadyOwnedByYou',
              'Your previous request to create the named bucket succeeded and you already own it.',
              409,
            );
          s.buckets.push({ name, region: i.$request.region, created: this.host.now(), objects: [] });
          mkdirSync(join(this.dir, name), { recursive: true });
          save();
          return { status: 200, headers: { location: `/${name}` } };
        },
        HeadBucket: (i) => ({ status: 200, headers: { 'x-amz-bucket-region': this.bucket(i.Bucket).region } }),
        DeleteBucket: (i) => {
          const b = this.bucket(i.Bucket);
          if (b.objects.length)
            throw new ServiceError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409);
          s.buckets = s.buckets.filter((x) => x !== b);
          rmSync(join(this.dir, b.name), { recursive: true, force: true });
          save();
          return { status: 204 };
        },
        ListObjectsV2: (i) => {
          const b = this.bucket(i.Bucket);
          const prefix = i.$request.query.get('prefix') ?? '';
          const objects = b.objects.filter((o) => o.key.startsWith(prefix)).sort((x, y) => (x.key < y.key ? -1 : 1));
          const contents = objects
            .map(
              (o) =>
                `<Contents><Key>${escapeXml(o.key)}</Key><LastModified>${new Date(o.lastModified).toISOString()}</LastModified><ETag>${escapeXml(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
            )
            .join('');
          return xml(
            `<ListBucketResult xmlns="${S3_NS}"><Name>${b.name}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${objects.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
          );
        },
        PutObject: (i) => {
          const b = this.bucket(i.Bucket);
          const key = String(i.Key);
          const body = i.$request.body;
          const etag = `"${createHash('md5').update(body).digest('hex')}"`;
          writeFileSync(this.file(b.name, key), body);
          b.objects = [
            ...b.objects.filter((o) => o.key !== key),
            {
              key,
              etag,
              size: body.length,
              contentType: String(i.$request.headers['content-type'] ?? 'binary/octet-stream'),
              lastModified: this.host.now(),
            },
          ];
          save();
          return { status: 200, headers: { etag } };
        },
        GetObject: (i) => this.object(i, false),
        HeadObject: (i) => this.object(i, true),
        DeleteObject: (i) => {
          const b = this.bucket(i.Bucket);
          b.objects = b.objects.filter((o) => o.key !== i.Key);
          rmSync(this.file(b.name, String(i.Key)), { force: true });
          save();
          return { status: 204 };
        },
        PutBucketPolicy: (i) => {
          const b = this.bucket(i.Bucket);
          const policy = i.$request.body.toString('utf8');
          try {
            JSON.parse(policy);
          } catch {
            throw new ServiceError('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'");
          }
          b.policy = policy;
          save();
          return { status: 204 };
        },
        GetBucketPolicy: (i) => {
          const b = this.bucket(i.Bucket);
          if (!b.policy) throw new ServiceError('NoSuchBucketPolicy', 'The bucket policy does not exist', 404);
          return { status: 200, raw: b.policy, headers: { 'content-type': 'application/json' } };
        },
        DeleteBucketPolicy: (i) => {
          delete this.bucket(i.Bucket).policy;
          save();
          return { status: 204 };
        },
      },
    });
  }

  private object(i: OperationInput, head: boolean): RestOutput {
    const b = this.bucket(i.Bucket);
    const o = b.objects.find((x) => x.key === i.Key);
    if (!o) throw new ServiceError('NoSuchKey', 'The specified key does not exist.', 404);
    const headers = {
      'content-type': o.contentType,
      etag: o.etag,
      'last-modified': new Date(o.lastModified).toUTCString(),
    };
    return head
      ? { status: 200, headers: { ...headers, 'content-length': String(o.size) } }
      : { status: 200, headers, raw: readFileSync(this.file(b.name, o.key)) };
  }
}
