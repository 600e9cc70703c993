// Every distribution of the local cloud served by a local edge on its own
// loopback port: the one `dev` made on --port, each one Terraform creates on a
// port of its own (kept in the state, so a restart serves it at the same URL).

import type { LocalCloud } from './cloud.js';
import { LocalEdge, type LocalEdgeOptions } from './edge.js';

export interface EdgeSite {
  distributionId: string;
  domainName: string;
  url: string;
}

export class LocalEdges {
  private readonly edges = new Map<string, LocalEdge>();
  private unsubscribe: (() => void) | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly cloud: LocalCloud,
    private readonly options: { onRequest?: LocalEdgeOptions['onRequest']; ports?: Record<string, number> } = {},
  ) {}

  /** Serves the distributions there are now, and those created later, until stop(). */
  async start(): Promise<void> {
    this.unsubscribe = this.cloud.on((event) => {
      if (event.type === 'distribution') this.queue = this.queue.then(() => this.sync()).catch(() => undefined);
    });
    await this.sync();
  }

  /** Starts or stops edges so that each distribution has one. */
  private async sync(): Promise<void> {
    const distributions = this.cloud.cloudfront.state.distributions;
    for (const [id, edge] of this.edges) {
      if (!distributions.some((d) => d.id === id)) {
        this.edges.delete(id);
        await edge.stop();
      }
    }
    for (const d of distributions) {
      if (this.edges.has(d.id)) continue;
      const wanted = this.options.ports?.[d.id] ?? d.localPort ?? 0;
      let edge: LocalEdge;
      try {
        edge = await LocalEdge.start({
          cloud: this.cloud,
          distributionId: d.id,
          port: wanted,
          ...(this.options.onRequest ? { onRequest: this.options.onRequest } : {}),
        });
      } catch (error) {
        // the port it had is taken now: any free one (the explicit --port of dev is checked by dev)
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || this.options.ports?.[d.id] !== undefined)
          throw error;
        edge = await LocalEdge.start({
          cloud: this.cloud,
          distributionId: d.id,
          port: 0,
          ...(this.options.onRequest ? { onRequest: this.options.onRequest } : {}),
        });
      }
      this.edges.set(d.id, edge);
      const port = Number(new URL(edge.url).port);
      if (d.localPort !== port) {
        d.localPort = port;
        this.cloud.store.save();
      }
    }
  }

  sites(): EdgeSite[] {
    return this.cloud.cloudfront.state.distributions
      .filter((d) => this.edges.has(d.id))
      .map((d) => ({ distributionId: d.id, domainName: d.domainName, url: `${this.edges.get(d.id)!.url}/` }));
  }

  urlOf(distributionId: string): string | undefined {
    const edge = this.edges.get(distributionId);
    return edge ? `${edge.url}/` : undefined;
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.queue;
    for (const edge of this.edges.values()) await edge.stop();
    this.edges.clear();
  }
}
