/** The project's config file, where a command is run (every command takes --config to name another). */
export const CONFIG_FILE = 'basicauth.config.json';

/** The retention values CloudWatch Logs' PutRetentionPolicy takes (anything else: InvalidParameterException). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
