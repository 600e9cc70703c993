// IPv4/IPv6 allowlist. An address is its eight 16-bit groups; IPv4 lives in
// the IPv4-mapped range ::ffff:0:0/96 so that `::ffff:203.0.113.7` and
// `203.0.113.7` match the same rules.
//
// Shared with the CloudFront Functions engine, whose runtime (cloudfront-js-2.0)
// has neither BigInt nor for-of nor Set: plain loops over number arrays.

/** eight 16-bit groups */
export type Address = number[];

export interface Cidr {
  network: Address;
  /** prefix length in the 128-bit (IPv4-mapped) space */
  prefix: number;
}

const V4_PART = /^(0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

export function parseIp(text: string): Address | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 45) return undefined;
  if (text.indexOf(':') !== -1) return parseV6(text);
  const v4 = parseV4(text);
  return v4 === undefined ? undefined : [0, 0, 0, 0, 0, 0xffff, v4[0] as number, v4[1] as number];
}

/** The two 16-bit groups of a dotted IPv4 address. */
function parseV4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    if (!V4_PART.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return [(bytes[0] as number) * 256 + (bytes[1] as number), (bytes[2] as number) * 256 + (bytes[3] as number)];
}

function parseV6(text: string): Address | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const compressed = halves.length === 2;
  const head = parseGroups(halves[0] as string, !compressed);
  const tail = compressed ? parseGroups(halves[1] as string, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const count = head.length + tail.length;
  if (compressed ? count > 7 : count !== 8) return undefined;
  const groups = head.slice();
  for (let i = count; i < 8; i++) groups.push(0);
  return groups.concat(tail);
}

// A colon-separated run of hex groups; the last group of the address may be dotted IPv4.
function parseGroups(text: string, endsAddress: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (endsAddress && i === parts.length - 1 && part.indexOf('.') !== -1) {
      const v4 = parseV4(part);
      if (v4 === undefined) return undefined;
      groups.push(v4[0] as number, v4[1] as number);
    } else if (HEX_GROUP.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

export function parseCidrOrUndefined(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const isV6 = addressText.indexOf(':') !== -1;
  const bits = isV6 ? 128 : 32;
  let prefix = bits;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    prefix = Number(prefixText);
    if (prefix > bits) return undefined;
  }
  const address = parseIp(addressText);
  if (address === undefined) return undefined;
  const mapped = isV6 ? prefix : 96 + prefix;
  return { network: masked(address, mapped), prefix: mapped };
}

function masked(address: Address, prefix: number): Address {
  const out: Address = [];
  for (let i = 0; i < 8; i++) {
    const bits = Math.max(0, Math.min(16, prefix - i * 16));
    out.push(bits === 0 ? 0 : (address[i] as number) & ((0xffff << (16 - bits)) & 0xffff));
  }
  return out;
}

export function inCidr(address: Address, rule: Cidr): boolean {
  const m = masked(address, rule.prefix);
  for (let i = 0; i < 8; i++) if (m[i] !== rule.network[i]) return false;
  return true;
}

/** Compiles the allowlist once; the returned test never throws, whatever the input. */
export function compileAllowlist(cidrs: readonly string[]): (clientIp: string) => boolean {
  const rules = cidrs.map((c) => {
    const rule = parseCidrOrUndefined(c);
    if (!rule) throw new Error(`invalid CIDR ${c}`);
    return rule;
  });
  return allowlistOf(rules);
}

/** The test for rules already parsed (the CloudFront function gets them baked in). */
export function allowlistOf(rules: readonly Cidr[]): (clientIp: string) => boolean {
  if (rules.length === 0) return () => false;
  return (clientIp) => {
    const ip = parseIp(clientIp);
    if (ip === undefined) return false;
    for (let i = 0; i < rules.length; i++) if (inCidr(ip, rules[i] as Cidr)) return true;
    return false;
  };
}
