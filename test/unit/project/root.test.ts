import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { absolutePathOptions, findProjectRoot } from '../../../cli/project/root.js';

describe('the project root', () => {
  it('is the nearest directory up with basicauth.config.json or .basicauth/, not past a repository', () => {
    const top = mkdtempSync(join(tmpdir(), 'basicauth-root-'));
    const project = join(top, 'repo', 'site');
    mkdirSync(join(project, 'src', 'deep'), { recursive: true });
    mkdirSync(join(top, 'repo', '.git'));
    expect(findProjectRoot(join(project, 'src', 'deep'))).toBeUndefined(); // stops at the repository's root
    writeFileSync(join(project, 'basicauth.config.json'), '{}');
    expect(findProjectRoot(join(project, 'src', 'deep'))).toBe(project);
    const demo = join(top, 'demo');
    mkdirSync(join(demo, '.basicauth', 'local'), { recursive: true });
    mkdirSync(join(demo, 'public'));
    expect(findProjectRoot(join(demo, 'public'))).toBe(demo);
  });

  it('is never the home or the temporary directory, and does not walk past them', () => {
    const top = mkdtempSync(join(tmpdir(), 'basicauth-root-'));
    mkdirSync(join(top, '.basicauth'));
    mkdirSync(join(top, 'a', 'b'), { recursive: true });
    expect(findProjectRoot(join(top, 'a', 'b'))).toBe(top);
    expect(findProjectRoot(join(top, 'a', 'b'), [top])).toBeUndefined(); // as if `top` were the temporary directory
  });

  it('keeps the paths a user typed relative to where they typed them', () => {
    expect(
      absolutePathOptions(
        ['verify', '--junit', 'out/report.xml', '--local', '--state-dir=s', '--user', 'bob', '--config', '/abs/c.json'],
        '/home/me/site/src',
      ),
    ).toEqual([
      'verify',
      '--junit',
      '/home/me/site/src/out/report.xml',
      '--local',
      '--state-dir=/home/me/site/src/s',
      '--user',
      'bob',
      '--config',
      '/abs/c.json',
    ]);
  });
});
