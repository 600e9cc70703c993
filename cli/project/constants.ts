/** The project's config file, where a command is run (every command takes --config to name another). */
export const CONFIG_FILE = 'basicauth.config.json';
