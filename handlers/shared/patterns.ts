// The shapes of the values a config, a flag or a prompt may hold, one place for
// all of them: the config schema (cli/project/config.ts), the edge settings baked into
// the bundle (handlers/edge-auth/config.ts) and `init`'s questions.

/** An AWS region such as eu-west-1 or us-gov-west-1. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** A CloudFront path pattern: a path starting with /, printable ASCII. */
export const PATH_PATTERN = /^\/[\x21-\x7e]*$/;

/** The project's name, the prefix of every AWS resource it creates. */
export const RESOURCE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
export const RESOURCE_NAME_RULE = 'lowercase letters, digits and -, 2-32 characters, starting with a letter';
