// Starts the longest test files first, so that their waits (Terraform's fixed
// CloudFront delays, TTLs, child processes) overlap with everything else. A
// fresh clone has no timing cache, and vitest would otherwise start the
// largest files, not the longest.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const LONGEST_FIRST = [
  'deploy-local-create',
  'deploy-local-s3',
  'deploy-local-attach',
  'deploy-local-function',
  'terraform-plain',
  'rotation-and-concurrency',
  'operations',
  'terraform-plan',
  'clients',
  'deploy.test',
  'dev.test',
  'soak',
];

const rank = (spec: TestSpecification) => {
  const i = LONGEST_FIRST.findIndex((name) => spec.moduleId.includes(name));
  return i === -1 ? LONGEST_FIRST.length : i;
};

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...(await super.sort(files))].sort((a, b) => rank(a) - rank(b));
  }
}
