// Copies text to the system clipboard with whichever tool this machine has.

import { spawn } from 'node:child_process';
import { CliError } from '../core/errors.js';

const TOOLS: Array<{ command: string; args: string[]; when: () => boolean }> = [
  { command: 'pbcopy', args: [], when: () => process.platform === 'darwin' },
  { command: 'clip.exe', args: [], when: () => process.platform === 'win32' || Boolean(process.env.WSL_DISTRO_NAME) },
  { command: 'wl-copy', args: [], when: () => Boolean(process.env.WAYLAND_DISPLAY) },
  { command: 'xclip', args: ['-selection', 'clipboard'], when: () => Boolean(process.env.DISPLAY) },
  { command: 'xsel', args: ['--clipboard', '--input'], when: () => Boolean(process.env.DISPLAY) },
];

function tryTool(command: string, args: string[], text: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
    child.stdin.end(text);
  });
}

export async function copyToClipboard(text: string): Promise<string> {
  for (const tool of TOOLS.filter((t) => t.when())) {
    if (await tryTool(tool.command, tool.args, text)) return tool.command;
  }
  throw new CliError('no clipboard available here (looked for pbcopy, clip.exe, wl-copy, xclip, xsel with a display)', {
    hint: 'drop --copy and pipe the output instead, e.g. `--format curl | xclip`',
  });
}
