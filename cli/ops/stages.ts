// Reading Secrets Manager staging labels (VersionIdsToStages).

/** The version a rotation left AWSPENDING without finishing (not also AWSCURRENT), if any. */
export function unfinishedPending(stages: Record<string, string[]> | undefined): string | undefined {
  return Object.entries(stages ?? {}).find(([, s]) => s.includes('AWSPENDING') && !s.includes('AWSCURRENT'))?.[0];
}
