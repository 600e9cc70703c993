// Terraform reads ${ and %{ in strings as template syntax; $${ and %%{ are literals.
export const terraformLiteral = (value: string): string =>
  value.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
