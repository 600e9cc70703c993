// XML for the query and REST-XML protocols: values to elements, and parsing
// with the list members a service names.

import { createRequire } from 'node:module';
import type * as FastXmlParser from 'fast-xml-parser';
import { escapeXml } from '../core/xml.js';

// fast-xml-parser's ESM build is 44 files, and importing it costs ~70 ms of a
// command (`status --local` reads CloudFront's XML); its one-file CommonJS
// build, which the package ships for require(), costs ~10 ms.
export const { XMLParser } = createRequire(import.meta.url)('fast-xml-parser') as typeof FastXmlParser;

export { escapeXml };

type ListStyle = 'member' | 'repeat';

function scalar(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return escapeXml(String(value));
}

/**
 * Elements for a value. Arrays: in the query protocol a list is its own
 * element holding <member> items; in REST-XML (as parsed here) the array's
 * key is the member element, repeated. Undefined members are left out.
 */
export function xmlElements(value: unknown, style: ListStyle): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'object' || value instanceof Date) return scalar(value);
  let out = '';
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (child === undefined || child === null) continue;
    if (Array.isArray(child)) {
      if (style === 'member')
        out += `<${key}>${child.map((item) => `<member>${xmlElements(item, style)}</member>`).join('')}</${key}>`;
      else out += child.map((item) => `<${key}>${xmlElements(item, style)}</${key}>`).join('');
    } else {
      out += `<${key}>${xmlElements(child, style)}</${key}>`;
    }
  }
  return out;
}

/** A parser whose result has arrays exactly where `listMembers` elements appear. */
export function xmlParser(listMembers: Iterable<string>): FastXmlParser.XMLParser {
  const members = new Set(listMembers);
  return new XMLParser({
    ignoreAttributes: true,
    parseTagValue: false,
    isArray: (name) => members.has(name),
    processEntities: true,
  });
}
