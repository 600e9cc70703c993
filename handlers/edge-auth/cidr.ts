// IPv4/IPv6 allowlist. Addresses are 128-bit integers; IPv4 lives in the
// IPv4-mapped range ::ffff:0:0/96 so that `::ffff:203.0.113.7` and
// `203.0.113.7` match the same rules.

export interface Cidr {
  network: bigint;
  mask: bigint;
}

const ALL_ONES = (1n << 128n) - 1n;
const V4_MAPPED = 0xffffn << 32n;
const V4_PART = /^(0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

export function parseIp(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  return text.includes(':') ? parseV6(text) : mapV4(parseV4(text));
}

function mapV4(v4: bigint | undefined): bigint | undefined {
  return v4 === undefined ? undefined : V4_MAPPED | v4;
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!V4_PART.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const compressed = halves.length === 2;
  const head = parseGroups(halves[0] as string, !compressed);
  const tail = compressed ? parseGroups(halves[1] as string, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const count = head.length + tail.length;
  if (compressed ? count > 7 : count !== 8) return undefined;
  const groups = [...head, ...Array<bigint>(8 - count).fill(0n), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

// A colon-separated run of hex groups; the last group of the address may be dotted IPv4.
function parseGroups(text: string, endsAddress: boolean): bigint[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: bigint[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (endsAddress && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseV4(part);
      if (v4 === undefined) return undefined;
      groups.push(v4 >> 16n, v4 & 0xffffn);
    } else if (HEX_GROUP.test(part)) {
      groups.push(BigInt(parseInt(part, 16)));
    } else {
      return undefined;
    }
  }
  return groups;
}

export function parseCidrOrUndefined(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const isV6 = addressText.includes(':');
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
  const mappedPrefix = isV6 ? prefix : 96 + prefix;
  const mask = mappedPrefix === 0 ? 0n : (ALL_ONES << BigInt(128 - mappedPrefix)) & ALL_ONES;
  return { network: address & mask, mask };
}

/** Compiles the allowlist once; the returned test never throws, whatever the input. */
export function compileAllowlist(cidrs: readonly string[]): (clientIp: string) => boolean {
  const rules = cidrs.map((c) => {
    const rule = parseCidrOrUndefined(c);
    if (!rule) throw new Error(`invalid CIDR ${c}`);
    return rule;
  });
  if (rules.length === 0) return () => false;
  return (clientIp) => {
    const ip = parseIp(clientIp);
    if (ip === undefined) return false;
    return rules.some((r) => (ip & r.mask) === r.network);
  };
}
