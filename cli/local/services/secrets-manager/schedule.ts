// Rotation rules as RotateSecret takes them: the rule itself lives in
// handlers/shared/schedule.ts (the CLI checks the same one before it sends);
// here its refusals become InvalidParameterException.

import {
  checkRotationRules,
  nextScheduledRotation,
  type RotationRulesInput,
  ScheduleError,
} from '../../../../handlers/shared/schedule.js';
import { invalidParameter } from '../../plugin.js';

export type { RotationRulesInput };

export function validateRules(rules: RotationRulesInput): void {
  if (rules.AutomaticallyAfterDays !== undefined && rules.ScheduleExpression !== undefined) {
    throw invalidParameter('You cannot specify both AutomaticallyAfterDays and ScheduleExpression.');
  }
  try {
    checkRotationRules(rules);
  } catch (error) {
    if (error instanceof ScheduleError) throw invalidParameter(`Invalid RotationRules: ${error.message}.`);
    throw error;
  }
}

/** When the next rotation is due after one at `last` (epoch ms). */
export const nextRotation = nextScheduledRotation;
