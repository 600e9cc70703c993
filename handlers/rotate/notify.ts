// Tells a chat channel that the password rotated and how to get the new one.
// Never the password itself; a failing webhook never fails the rotation.

export interface RotationNotice {
  secretName: string;
  versionId: string;
  siteUrl: string | undefined;
}

export function noticeText(n: RotationNotice): string {
  const site = n.siteUrl ? ` for ${n.siteUrl}` : '';
  return `:key: The Basic auth password${site} was rotated (secret ${n.secretName}, version ${n.versionId.slice(0, 8)}). Get the new one with \`basicauth show-creds\`.`;
}

export async function postNotice(
  url: string,
  notice: RotationNotice,
  fetchImpl: typeof fetch = fetch,
  timeoutMs = 3000,
): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: noticeText(notice) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok ? { ok: true } : { ok: false, error: `webhook answered HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.name : 'unknown error' };
  }
}
