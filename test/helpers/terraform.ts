// The real terraform binary and the hashicorp/aws provider mirror these
// machines have (terraform on PATH, the provider in /opt/tf-plugins or $BASICAUTH_TF_MIRROR), for tests that run them; where either is
// missing the tests skip and say why.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findTerraform, type TerraformBinary } from '../../cli/project/terraform.js';

export const MIRROR = process.env.BASICAUTH_TF_MIRROR ?? '/opt/tf-plugins';

export function terraformOrWhy(): { terraform: TerraformBinary | undefined; why: string } {
  try {
    const terraform = findTerraform(process.env);
    if (!existsSync(join(MIRROR, 'registry.terraform.io/hashicorp/aws')))
      return { terraform: undefined, why: `no hashicorp/aws provider mirror at ${MIRROR}` };
    return { terraform, why: '' };
  } catch (error) {
    return { terraform: undefined, why: (error as Error).message };
  }
}

/** A Terraform CLI config that installs hashicorp/aws from the mirror (no registry access here). */
export async function mirrorCliConfig(dir: string): Promise<string> {
  const file = join(dir, 'terraformrc');
  await writeFile(
    file,
    `provider_installation {\n  filesystem_mirror {\n    path    = "${MIRROR}"\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
  );
  return file;
}
