import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { compareWithRpmspec, corpusDir, sourcesOfExpandedSpec } from '../testing/rpmspec-agreement.js';

const dir = corpusDir();
const haveRpm = spawnSync('rpmspec', ['--version']).status === 0;
const skip = !existsSync(dir) ? 'no corpus' : !haveRpm ? 'rpmspec not installed' : false;

describe('agreement with rpmspec -P on Source/Patch lists', () => {
  it('reads Source/Patch entries from rpmspec output', () => {
    assert.deepEqual(sourcesOfExpandedSpec('Name: x\nSource0: a\nPatch: b\n%sourcelist\nc\n%description\nSource1: not-a-tag\n'), ['source:a', 'patch:b', 'source:c']);
  });
  it('agrees on a sample of the Fedora corpus (the full run is `node dist/testing/rpmspec-agreement.js`)', { skip, timeout: 600_000 }, async () => {
    const names = readdirSync(dir).filter((f) => f.endsWith('.spec')).sort();
    const step = Math.floor(names.length / 160);
    const sample = names.filter((_, i) => i % step === 3).map((f) => path.join(dir, f));
    const rep = await compareWithRpmspec(sample, { concurrency: 2 });
    const summary = `agreement ${rep.agree}/${rep.parsedByRpm} = ${(rep.rate * 100).toFixed(1)}% (rpmspec parsed ${rep.parsedByRpm} of ${rep.total}); causes: ${JSON.stringify(rep.causes)}`;
    console.log(summary);
    assert.ok(rep.parsedByRpm >= rep.total * 0.6, summary);
    assert.ok(rep.rate >= 0.95, summary);
    // With /bin/sh = bash (as on Fedora) in a private mount namespace, the bash-only %(...)
    // idioms agree too; only when this machine allows it (root with unshare).
    if (spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind /bin/bash /bin/sh']).status === 0) {
      const bash = await compareWithRpmspec(sample, { concurrency: 2, bashSh: true });
      const s2 = `with bash as /bin/sh: ${bash.agree}/${bash.parsedByRpm} = ${(bash.rate * 100).toFixed(1)}%; causes: ${JSON.stringify(bash.causes)}`;
      console.log(s2);
      assert.ok(bash.rate >= 0.98, s2);
    }
  });
});
