// CloudFront origin access controls (how a distribution signs its requests to
// an S3 origin): create, read, update with ETag, delete unless in use, list.

import type { ServiceHost } from '../../host.js';
import { ServiceError, type Operation, type OperationInput, type RestOutput, type Route } from '../../plugin.js';
import { escapeXml } from '../../xml.js';
import { checkIfMatch, CLOUDFRONT_NS, parseXml, type Node } from './config.js';

export interface OriginAccessControlState {
  id: string;
  etag: string;
  name: string;
  description: string;
  signingProtocol: string;
  signingBehavior: string;
  originType: string;
}

const O = '/2020-05-31/origin-access-control';
const noSuch = () =>
  new ServiceError('NoSuchOriginAccessControl', 'The specified origin access control does not exist.', 404);
const newId = () =>
  `E${Array.from({ length: 13 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[Math.floor(Math.random() * 36)]).join('')}`;

export class OriginAccessControls {
  constructor(
    private readonly host: ServiceHost,
    private readonly state: { originAccessControls: OriginAccessControlState[] },
    private readonly inUse: (id: string) => boolean,
  ) {}

  readonly routes: Route[] = [
    { method: 'POST', path: O, operation: 'CreateOriginAccessControl' },
    { method: 'GET', path: O, operation: 'ListOriginAccessControls' },
    { method: 'GET', path: `${O}/{Id}`, operation: 'GetOriginAccessControl' },
    { method: 'GET', path: `${O}/{Id}/config`, operation: 'GetOriginAccessControlConfig' },
    { method: 'PUT', path: `${O}/{Id}/config`, operation: 'UpdateOriginAccessControl' },
    { method: 'DELETE', path: `${O}/{Id}`, operation: 'DeleteOriginAccessControl' },
  ];

  private find(id: unknown): OriginAccessControlState {
    const oac = this.state.originAccessControls.find((o) => o.id === id);
    if (!oac) throw noSuch();
    return oac;
  }

  private readConfig(i: OperationInput): Omit<OriginAccessControlState, 'id' | 'etag'> {
    const config = parseXml(i.$request.body.toString('utf8')).OriginAccessControlConfig as Node | undefined;
    const field = (key: string, allowed?: string[]) => {
      const value = config?.[key];
      if (typeof value !== 'string' || (allowed && !allowed.includes(value))) {
        throw new ServiceError(
          'InvalidArgument',
          `OriginAccessControlConfig.${key} must be ${allowed ? `one of ${allowed.join(', ')}` : 'given'}.`,
        );
      }
      return value;
    };
    return {
      name: field('Name'),
      description: typeof config?.Description === 'string' ? config.Description : '',
      signingProtocol: field('SigningProtocol', ['sigv4']),
      signingBehavior: field('SigningBehavior', ['always', 'never', 'no-override']),
      originType: field('OriginAccessControlOriginType', ['s3', 'mediastore', 'lambda', 'mediapackagev2']),
    };
  }

  private configXml(o: OriginAccessControlState, ns = false): string {
    return (
      `<OriginAccessControlConfig${ns ? ` xmlns="${CLOUDFRONT_NS}"` : ''}><Name>${escapeXml(o.name)}</Name><Description>${escapeXml(o.description)}</Description>` +
      `<SigningProtocol>${o.signingProtocol}</SigningProtocol><SigningBehavior>${o.signingBehavior}</SigningBehavior>` +
      `<OriginAccessControlOriginType>${o.originType}</OriginAccessControlOriginType></OriginAccessControlConfig>`
    );
  }

  private out(o: OriginAccessControlState, status = 200, extra: Record<string, string> = {}): RestOutput {
    return {
      status,
      body: `<OriginAccessControl xmlns="${CLOUDFRONT_NS}"><Id>${o.id}</Id>${this.configXml(o)}</OriginAccessControl>`,
      headers: { etag: o.etag, ...extra },
    };
  }

  private ifMatch(i: OperationInput, o: { etag: string }): void {
    checkIfMatch(o.etag, i.$request.headers['if-match']);
  }

  readonly operations: Record<string, Operation> = {
    CreateOriginAccessControl: (i) => {
      const config = this.readConfig(i);
      if (this.state.originAccessControls.some((o) => o.name === config.name)) {
        throw new ServiceError(
          'OriginAccessControlAlreadyExists',
          `An origin access control with the name ${config.name} already exists.`,
          409,
        );
      }
      const oac = { id: newId(), etag: newId(), ...config };
      this.state.originAccessControls.push(oac);
      this.host.store.save();
      return this.out(oac, 201, { location: `https://cloudfront.amazonaws.com${O}/${oac.id}` });
    },
    GetOriginAccessControl: (i) => this.out(this.find(i.Id)),
    GetOriginAccessControlConfig: (i) => {
      const oac = this.find(i.Id);
      return { status: 200, body: this.configXml(oac, true), headers: { etag: oac.etag } };
    },
    UpdateOriginAccessControl: (i) => {
      const oac = this.find(i.Id);
      this.ifMatch(i, oac);
      Object.assign(oac, this.readConfig(i), { etag: newId() });
      this.host.store.save();
      return this.out(oac);
    },
    DeleteOriginAccessControl: (i) => {
      const oac = this.find(i.Id);
      this.ifMatch(i, oac);
      if (this.inUse(oac.id))
        throw new ServiceError(
          'OriginAccessControlInUse',
          'Cannot delete this origin access control because it is in use by one or more distributions.',
          409,
        );
      this.state.originAccessControls = this.state.originAccessControls.filter((o) => o !== oac);
      this.host.store.save();
      return { status: 204 };
    },
    ListOriginAccessControls: () => {
      const items = this.state.originAccessControls
        .map(
          (o) =>
            `<OriginAccessControlSummary><Id>${o.id}</Id><Description>${escapeXml(o.description)}</Description><Name>${escapeXml(o.name)}</Name><SigningProtocol>${o.signingProtocol}</SigningProtocol><SigningBehavior>${o.signingBehavior}</SigningBehavior><OriginAccessControlOriginType>${o.originType}</OriginAccessControlOriginType></OriginAccessControlSummary>`,
        )
        .join('');
      const n = this.state.originAccessControls.length;
      return {
        status: 200,
        body: `<OriginAccessControlList xmlns="${CLOUDFRONT_NS}"><Marker></Marker><MaxItems>100</MaxItems><IsTruncated>false</IsTruncated><Quantity>${n}</Quantity>${n ? `<Items>${items}</Items>` : ''}</OriginAccessControlList>`,
      };
    },
  };
}
