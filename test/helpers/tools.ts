// Tools some suites need beyond Node (terraform and its provider mirror,
// Chromium, tmux, the AWS CLI v2, boto3). Outside CI a missing tool skips
// those suites, saying why; under CI=true, where .ci/run installs them (and
// the machine image has terraform), a missing tool fails instead: a green CI
// must mean that every suite ran.

/** Whether to skip a suite for want of `tool` (false when present); throws under CI=true when it is missing. */
export function missing(tool: string, present: unknown, why = `${tool} is not installed`): boolean {
  if (present) return false;
  if (process.env.CI === 'true')
    throw new Error(
      `${why}, and CI=true: .ci/run installs ${tool}, so its tests must run here (fix the install step, or unset CI to let them skip)`,
    );
  console.warn(`skipping the tests that need ${tool}: ${why}`);
  return true;
}
