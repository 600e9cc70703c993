import { writeFile, mkdir } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FakeSecretsEndpoint } from '../test/helpers/fake-secrets-endpoint.js';
const run = promisify(execFile);
const dirs = process.argv.slice(2);
const ep = new FakeSecretsEndpoint();
await ep.start();
ep.rotate({ username: 'admin', password: 'bench-Password-123' });
const files: string[] = [];
for (const [i, d] of dirs.entries()) {
  const { bundleHandler: bh } = await import(d + '/stacks/bundle.ts');
  const b = await bh({ handler: 'edge-auth', edgeConfig: { secretId: 'basicauth/bench', secretRegion: 'us-east-1' } });
  await mkdir(`/tmp/cold2/${i}`, { recursive: true });
  await writeFile(`/tmp/cold2/${i}/index.mjs`, b.code);
  files.push(`/tmp/cold2/${i}/index.mjs`);
}
const driver = `const t0=performance.now();const {handler}=await import(process.argv[1]);const t1=performance.now();const r=await handler(JSON.parse(process.env.E));const t2=performance.now();console.log(JSON.stringify({i:t1-t0,d:t2-t1}))`;
const auth = `Basic ${Buffer.from('admin:bench-Password-123').toString('base64')}`;
const E = JSON.stringify({
  Records: [
    {
      cf: {
        config: {},
        request: {
          clientIp: '1.2.3.4',
          method: 'GET',
          uri: '/',
          querystring: '',
          headers: { authorization: [{ key: 'Authorization', value: auth }] },
        },
      },
    },
  ],
});
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'A',
  AWS_SECRET_ACCESS_KEY: 'b',
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL_SECRETS_MANAGER: ep.url,
  E,
};
const res: Array<{ i: number[]; t: number[] }> = files.map(() => ({ i: [], t: [] }));
for (let k = 0; k < Number(process.env.N ?? 40); k++)
  for (const [i, f] of files.entries()) {
    const out = await run(process.execPath, ['--input-type=module', '-e', driver, f], { env, encoding: 'utf8' });
    const j = JSON.parse(out.stdout.split('\n').find((l) => l.startsWith('{"i"'))!);
    res[i]!.i.push(j.i);
    res[i]!.t.push(j.i + j.d);
  }
const med = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1]!.toFixed(2);
};
for (const [i, r] of res.entries()) console.log(dirs[i], 'import', med(r.i), 'total', med(r.t));
process.exit(0);
