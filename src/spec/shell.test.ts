import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fedoraContext } from './defaults.js';
import { expandMacros } from './macro.js';
import { emulateShell, ShellUnsupported } from './shell.js';

describe('emulateShell (pure; nothing is executed)', () => {
  const ok: Array<{ name: string; input: string; expected: string }> = [
    { name: 'substring of a variable', input: 'c=8450a4da8f02be0aefb3b0abaf084584a615e41d; echo ${c:0:7}', expected: '8450a4d' },
    { name: 'substring from an offset', input: 'foo=abcdefgh; echo ${foo:6}', expected: 'gh' },
    { name: 'cut fields', input: 'echo 5.15.18 | cut -d. -f1-2', expected: '5.15' },
    { name: 'cut with escaped delimiter', input: 'echo 1.11^2019 | cut -d\\^ -f1', expected: '1.11' },
    { name: 'cut chars', input: 'echo 2d4ba970abc | cut -c -8', expected: '2d4ba970' },
    { name: 'awk print fields', input: `echo 5.15.18 | awk -F. '{print $1"."$2}'`, expected: '5.15' },
    { name: 'here-string and tr', input: 'tr - _ <<< globus-rsl', expected: 'globus_rsl' },
    { name: 'tr with quotes', input: `echo '1.0~rc1' | tr '~' '-'`, expected: '1.0-rc1' },
    { name: 'tr -d', input: `echo '1.0~rc1' | tr -d '~'`, expected: '1.0rc1' },
    { name: 'sed global', input: 'echo 1.2.3 | sed "s/\\.//g" ', expected: '123' },
    { name: 'sed groups with another delimiter', input: "echo 3.2.1 | sed -e 's:\\([0-9]\\)\\.:\\1-:g'", expected: '3-2-1' },
    { name: 'sed -r with a class', input: 'v=2.1.0~b1; echo $v | sed -r "s,[\\^~],,g"', expected: '2.1.0b1' },
    { name: 'pattern substitution', input: 'v=1.2.3; echo ${v//\\./_}', expected: '1_2_3' },
    { name: 'prefix removal with a glob', input: `VER='1.0^20200101'; echo "\${VER/*^/}"`, expected: '20200101' },
    { name: 'suffix removal', input: 'v=1.2.0; echo ${v%.0} ${v%%.*} ${v#*.} ${v##*.}', expected: '1.2 1 2.0 0' },
    { name: 'printf precision', input: 'printf %.7s abcdefghij', expected: 'abcdefg' },
    { name: 'head', input: 'echo 1.2 | head -1', expected: '1.2' },
    { name: 'trailing newlines are dropped', input: 'echo a; echo', expected: 'a' },
  ];
  for (const c of ok) it(c.name, () => assert.equal(emulateShell(c.input), c.expected));
  const unsupported: Array<{ name: string; input: string; why: RegExp }> = [
    { name: 'unknown command', input: 'ls /', why: /command ls/ },
    { name: 'command substitution', input: 'echo $(date)', why: /command substitution/ },
    { name: 'backticks', input: 'echo `date`', why: /operator `/ },
    { name: 'redirection', input: 'cat < /etc/passwd', why: /redirection/ },
    { name: 'and-list', input: 'true && echo x', why: /operator &/ },
    { name: 'or-list', input: 'test 1 || echo x', why: /\|\|/ },
    { name: 'loops', input: 'for i in 1; do echo; done', why: /command for/ },
    { name: 'globs', input: 'echo *', why: /glob/ },
  ];
  for (const c of unsupported) it(`refuses ${c.name}`, () => assert.throws(() => emulateShell(c.input), (e: unknown) => e instanceof ShellUnsupported && c.why.test(e.message)));
  it('never throws anything but ShellUnsupported on random input', () => {
    const parts = ['echo ', 'cut -d. -f', 'sed "s/', '/g"', 'tr ', 'awk ', "'{print $1}'", '| ', '; ', '${v:', '${v//', '}', 'v=', 'printf ', '%', '[', '(', '\\', '"', "'", '<<< ', '1', '-', ' '];
    fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom(...parts), fc.string({ maxLength: 4 })), { maxLength: 25 }), (xs) => {
      try {
        emulateShell(xs.join(''));
      } catch (e) {
        assert.ok(e instanceof ShellUnsupported, String(e));
      }
    }), { numRuns: 3000 });
  });
  it('is used by %(...) unless disabled, and reported', () => {
    const ctx = fedoraContext();
    ctx.define('commit', 'abcdef123456');
    const e = expandMacros('x-%(c=%{commit}; echo ${c:0:7}).tgz', ctx);
    assert.deepEqual([e.text, e.complete, e.emulated], ['x-abcdef1.tgz', true, ['c=%{commit}; echo ${c:0:7}'].map((b) => `%(${b})`)]);
    const off = fedoraContext({ hooks: { shellIdioms: false } });
    assert.deepEqual(expandMacros('%(echo 1)', off).unexpandable, ['shell']);
    assert.deepEqual([...expandMacros('%(echo %{lua:print(1)})', ctx).unexpandable].sort(), ['lua', 'shell']);
  });
});
