// Fault injection for tests and benchmarks (off unless the local cloud was
// started with it): errors, added latency, timeouts and outage windows, per
// service and operation, and for the rotation function per step.

import { invalidParameter, ServiceError } from './plugin.js';

export interface FaultRule {
  /** a service name of the local cloud (secretsmanager, lambda, cloudfront, iam, logs, sts) */
  service: string;
  /** e.g. GetSecretValue, Invoke, UpdateDistribution; all operations when absent */
  operation?: string;
  /** rotation step (createSecret…) for the rotation function's invocations */
  step?: string;
  /** AWS error code to answer with, or "timeout" to never answer */
  error?: string;
  status?: number;
  /** added before answering (or before failing) */
  latencyMs?: number;
  /** how many matching calls it applies to; unlimited when absent */
  times?: number;
  /** epoch ms window; always when absent */
  from?: number;
  until?: number;
}

const ERROR_STATUS: Record<string, number> = {
  ThrottlingException: 400,
  TooManyRequestsException: 429,
  InternalServiceError: 500,
  InternalFailure: 500,
  ServiceUnavailable: 503,
  ServiceException: 500,
};

export class Faults {
  private rules: FaultRule[] = [];
  readonly hits: Array<{ service: string; operation: string; step?: string | undefined; error?: string | undefined }> =
    [];

  set(rules: unknown, services: string[]): FaultRule[] {
    if (!Array.isArray(rules)) throw invalidParameter('faults: expected {"rules": [...]}');
    for (const r of rules as FaultRule[]) {
      if (!services.includes(r.service)) throw invalidParameter(`faults: unknown service ${String(r.service)}`);
      if (r.error === undefined && r.latencyMs === undefined)
        throw invalidParameter('faults: a rule needs an error or a latencyMs');
    }
    this.rules = (rules as FaultRule[]).map((r) => ({ ...r }));
    return this.rules;
  }

  list(): FaultRule[] {
    return this.rules;
  }

  /** The rule that applies to this call (consuming one of its `times`), if any. */
  match(service: string, operation: string, step?: string): FaultRule | undefined {
    const now = Date.now();
    const rule = this.rules.find(
      (r) =>
        r.service === service &&
        (r.operation === undefined || r.operation === operation) &&
        (r.step === undefined || r.step === step) &&
        (r.times === undefined || r.times > 0) &&
        (r.from === undefined || now >= r.from) &&
        (r.until === undefined || now < r.until),
    );
    if (!rule) return undefined;
    if (rule.times !== undefined) rule.times -= 1;
    this.hits.push({ service, operation, step, error: rule.error });
    return rule;
  }

  /** Waits the rule's latency; then throws its error ("timeout" never settles). */
  async apply(rule: FaultRule): Promise<void> {
    if (rule.latencyMs) await new Promise((r) => setTimeout(r, rule.latencyMs));
    if (rule.error === 'timeout') return new Promise<void>(() => {});
    if (rule.error)
      throw new ServiceError(
        rule.error,
        `injected fault: ${rule.error}`,
        rule.status ?? ERROR_STATUS[rule.error] ?? 400,
        (rule.status ?? 400) >= 500 ? 'Receiver' : 'Sender',
      );
  }
}
