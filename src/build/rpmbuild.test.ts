import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changelogEpoch, rpmErrors } from './rpmbuild.js';

const epochCases: { name: string; input: string; expected: number | undefined }[] = [
  { name: 'newest entry first', input: 'Name: x\n%changelog\n* Tue Nov 10 2026 A <a@b> - 1-2\n- x\n\n* Mon Nov 02 2026 A <a@b> - 1-1\n- y\n', expected: Date.UTC(2026, 10, 10) / 1000 },
  { name: 'single-digit day', input: '%changelog\n* Mon Feb 2 2026 A - 1\n', expected: Date.UTC(2026, 1, 2) / 1000 },
  { name: 'entry with a time of day (rpm >= 4.14 form)', input: '%changelog\n* Mon Feb 02 13:14:15 UTC 2026 A - 1\n', expected: Date.UTC(2026, 1, 2, 13, 14, 15) / 1000 },
  { name: 'no changelog', input: 'Name: x\n', expected: undefined },
  { name: 'empty changelog', input: '%changelog\n', expected: undefined },
  { name: 'unknown month', input: '%changelog\n* Mon Foo 02 2026 A\n', expected: undefined },
  { name: 'section after an empty changelog', input: '%changelog\n%files\n* Mon Feb 02 2026 not a changelog\n', expected: undefined },
];
for (const c of epochCases) test(`changelogEpoch: ${c.name}`, () => assert.equal(changelogEpoch(c.input), c.expected));

test('rpmErrors: error lines and the RPM build errors block, deduplicated', () => {
  const log = ['+ make', 'error: Bad exit status from /var/tmp/rpm-tmp.X (%build)', 'noise', 'RPM build errors:', '    Bad exit status from /var/tmp/rpm-tmp.X (%build)', 'error: Bad exit status from /var/tmp/rpm-tmp.X (%build)', 'after'].join('\n');
  assert.deepEqual(rpmErrors(log), ['error: Bad exit status from /var/tmp/rpm-tmp.X (%build)', 'RPM build errors:', '    Bad exit status from /var/tmp/rpm-tmp.X (%build)']);
});

for (const variant of ['ProcessLock adapter', 'mkdir through the process runner'] as const) {
  test(`withFixedRootLock (${variant}): excludes a second holder, takes over a lock whose owner is gone`, async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, existsSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { NodeFileSystem } = await import('../adapters/node-fs.js');
    const { NodeProcessRunner } = await import('../adapters/node-process.js');
    const { NodeProcessLock } = await import('../adapters/process-lock.js');
    const { withFixedRootLock } = await import('./rpmbuild.js');
    const fs = new NodeFileSystem();
    const proc = new NodeProcessRunner();
    const locker = variant === 'ProcessLock adapter' ? new NodeProcessLock() : undefined;
    const dir = mkdtempSync(path.join(tmpdir(), 'strata-lock-'));
    const root = path.join(dir, 'comp');
    const order: string[] = [];
    const slow = (tag: string) =>
      withFixedRootLock(fs, proc, root, async () => {
        order.push(`${tag}+`);
        await new Promise((r) => setTimeout(r, 150));
        order.push(`${tag}-`);
      }, 20, locker);
    await Promise.all([slow('a'), slow('b')]);
    assert.ok(order.join() === 'a+,a-,b+,b-' || order.join() === 'b+,b-,a+,a-', order.join());
    mkdirSync(`${root}.lock`);
    writeFileSync(`${root}.lock/pid`, '999999999\n');
    assert.equal(await withFixedRootLock(fs, proc, root, async () => 'ran', 20, locker), 'ran');
    assert.equal(existsSync(`${root}.lock`), false);
    rmSync(dir, { recursive: true, force: true });
  });
}
