/**
 * User mistakes on every command end in a coded diagnostic (file:line where there is one, and a
 * hint), never "internal error" or a stack trace; with `-o json` stdout is one JSON document.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { realContext } from '../main.js';
import { runCli as cli } from '../../testing/cli.js';
import { makeSink } from '../progress.js';
import { diagnosticForSystemError } from '../system-error.js';

/** Every directory these tests make, removed when they end. */
const scratch = mkdtempSync(path.join(tmpdir(), 'strata-cli-errors-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const SPEC = 'Name: hello\nVersion: 1\nRelease: %autorelease\nSummary: s\nLicense: MIT\n%description\nd\n%changelog\n%autochangelog\n';

/** A one-component project (local spec) plus the oddities the cases point at. */
function project(): string {
  const d = mkdtempSync(path.join(scratch, 'strata-cli-errors-'));
  writeFileSync(path.join(d, 'azldev.toml'), '[project]\ndescription = "t"\n\n[components.hello]\nspec = { type = "local", path = "hello/hello.spec" }\n');
  mkdirSync(path.join(d, 'hello'));
  writeFileSync(path.join(d, 'hello', 'hello.spec'), SPEC);
  writeFileSync(path.join(d, 'a-file'), 'x\n');
  mkdirSync(path.join(d, 'a-dir'));
  mkdirSync(path.join(d, 'outside'));
  return d;
}

/** Variants of the project: each case may rewrite files before running. */
type Setup = (dir: string) => void;

interface Case {
  readonly name: string;
  readonly argv: readonly string[];
  readonly setup?: Setup;
  /** Run from this subdirectory of the project, or OUTSIDE (a temp dir in no project). */
  readonly cwd?: string;
  readonly code: string;
  readonly exit?: number;
  /** file:line the diagnostic must carry (relative to the project). */
  readonly at?: string;
}

const OUTSIDE = '<outside>';

const localSpec = (p: string): Setup => (d) => writeFileSync(path.join(d, 'azldev.toml'), `[project]\n\n[components.hello]\nspec = { type = "local", path = "${p}" }\n`);

/** The project with one `[project]` directory key (line 2 of azldev.toml) set to `value`. */
const projectDir = (key: string, value: string): Setup => (d) => writeFileSync(path.join(d, 'azldev.toml'), `[project]\n${key} = "${value}"\n\n[components.hello]\nspec = { type = "local", path = "hello/hello.spec" }\n`);

const CASES: readonly Case[] = [
  { name: 'outside any project', argv: ['component', 'list'], cwd: OUTSIDE, code: 'PROJECT_NOT_FOUND' },
  { name: '-C to a missing directory', argv: ['-C', 'nope', 'config', 'check'], code: 'PROJECT_DIR_NOT_FOUND' },
  { name: '-C to a file', argv: ['-C', 'a-file', 'component', 'list'], code: 'PROJECT_DIR_NOT_FOUND' },
  { name: '-C to a missing directory (render: exact project dir)', argv: ['-C', 'nope', 'component', 'render', '-a'], code: 'PROJECT_DIR_NOT_FOUND' },
  { name: '-o toml on a command without a TOML view', argv: ['-o', 'toml', 'component', 'list'], code: 'CLI_BAD_FORMAT' },
  { name: 'unknown component', argv: ['component', 'query', 'nosuch'], code: 'COMPONENT_NOT_FOUND' },
  { name: 'unknown option with -o json', argv: ['-o', 'json', 'component', 'list', '--bogus'], code: 'CLI_USAGE', exit: 2 },
  { name: 'unknown command with --output=json', argv: ['--output=json', 'bogus'], code: 'CLI_USAGE', exit: 2 },
  { name: 'render --output-dir is a file', argv: ['component', 'render', '-a', '--output-dir', 'a-file'], code: 'OUTPUT_NOT_A_DIRECTORY' },
  { name: 'render --output-dir below a file', argv: ['component', 'render', '-a', '--output-dir', 'a-file/sub'], code: 'OUTPUT_NOT_A_DIRECTORY' },
  { name: 'render -j not a number', argv: ['component', 'render', '-a', '-j', 'abc'], code: 'CLI_BAD_JOBS' },
  { name: 'render into a rendered-specs-dir that is a file', argv: ['component', 'render', '-a'], setup: (d) => writeFileSync(path.join(d, 'specs'), ''), code: 'OUTPUT_NOT_A_DIRECTORY' },
  { name: 'render into a configured rendered-specs-dir that is a file', argv: ['component', 'render', '-a'], setup: projectDir('rendered-specs-dir', 'a-file'), code: 'OUTPUT_NOT_A_DIRECTORY', at: 'azldev.toml:2' },
  { name: 'rendered-specs-dir is the project directory', argv: ['component', 'render', '-a'], setup: projectDir('rendered-specs-dir', '.'), code: 'RENDER_OUTPUT_DIR_INVALID', at: 'azldev.toml:2' },
  { name: 'update with a lock-dir below a file', argv: ['component', 'update', '-a'], setup: projectDir('lock-dir', 'a-file/locks'), code: 'OUTPUT_NOT_A_DIRECTORY', at: 'azldev.toml:2' },
  { name: 'prepare-sources with a work-dir that is a file', argv: ['component', 'prepare-sources', '-a'], setup: projectDir('work-dir', 'a-file'), code: 'OUTPUT_NOT_A_DIRECTORY', at: 'azldev.toml:2' },
  { name: 'prepare-sources -o is a file', argv: ['component', 'prepare-sources', '-a', '-o', 'a-file'], code: 'OUTPUT_NOT_A_DIRECTORY' },
  { name: 'prepare-sources -o inside /proc', argv: ['component', 'prepare-sources', '-a', '-o', '/proc/strata-test'], code: 'OUTPUT_VIRTUAL_FS' },
  { name: 'render --output-dir inside /sys', argv: ['component', 'render', '-a', '--output-dir', '/sys/strata-test'], code: 'OUTPUT_VIRTUAL_FS' },
  { name: 'prepare-sources -j 0', argv: ['component', 'prepare-sources', '-a', '-j', '0'], code: 'CLI_BAD_JOBS' },
  {
    name: 'a component name that escapes the lock directory',
    argv: ['component', 'update', '-a'],
    setup: (d) => writeFileSync(path.join(d, 'azldev.toml'), '[project]\n\n[components."../../escape"]\nspec = { type = "local", path = "hello/hello.spec" }\n'),
    code: 'COMPONENT_BAD_NAME',
    at: 'azldev.toml:3',
  },
  {
    name: 'build with output-dir a file',
    argv: ['component', 'build', '-a'],
    setup: (d) => writeFileSync(path.join(d, 'azldev.toml'), '[project]\noutput-dir = "a-file"\n\n[components.hello]\nspec = { type = "local", path = "hello/hello.spec" }\n'),
    code: 'OUTPUT_NOT_A_DIRECTORY',
    at: 'azldev.toml:2',
  },
  { name: 'build with a work-dir below a file', argv: ['component', 'build', '-a'], setup: projectDir('work-dir', 'a-file/work'), code: 'OUTPUT_NOT_A_DIRECTORY', at: 'azldev.toml:2' },
  { name: 'diff-sources of a local component', argv: ['component', 'diff-sources', 'hello'], code: 'SOURCES_NOT_UPSTREAM', at: 'azldev.toml:4' },
  {
    name: 'repo verify --key that does not exist',
    argv: ['repo', 'verify', 'repo', '--key', 'nope.asc'],
    setup: (d) => {
      mkdirSync(path.join(d, 'repo', 'repodata'), { recursive: true });
      writeFileSync(path.join(d, 'repo', 'repodata', 'repomd.xml'), '<repomd/>\n');
    },
    code: 'REPO_BAD_KEY',
  },
  { name: 'repo verify of a directory that is no repository', argv: ['repo', 'verify', 'a-dir'], code: 'REPO_NOT_FOUND' },
  { name: 'build -j -1', argv: ['component', 'build', '-a', '-j', '-1'], code: 'CLI_BAD_JOBS' },
  { name: 'process-distgit target is a directory', argv: ['rpmautospec', 'process-distgit', 'hello/hello.spec', 'a-dir'], code: 'OUTPUT_IS_A_DIRECTORY' },
  { name: 'process-distgit target below a file', argv: ['rpmautospec', 'process-distgit', 'hello/hello.spec', 'a-file/x.spec'], code: 'OUTPUT_NOT_A_DIRECTORY' },
  { name: 'spec sources of a directory', argv: ['spec', 'sources', 'hello'], code: 'SPEC_IS_DIRECTORY' },
  { name: 'spec check of a directory without specs', argv: ['spec', 'check', 'a-dir'], code: 'SPEC_NONE_FOUND' },
  { name: 'spec show of a missing file', argv: ['spec', 'show', 'nope.spec'], code: 'SPEC_PATH_NOT_FOUND' },
  { name: 'spec sources --fedora not a number', argv: ['spec', 'sources', 'hello/hello.spec', '--fedora', 'rawhide'], code: 'SPEC_BAD_FEDORA' },
  { name: 'local spec path is a directory', argv: ['config', 'check'], setup: localSpec('hello'), code: 'SPEC_NOT_FOUND', at: 'azldev.toml:4' },
  {
    name: 'local spec is a link outside the project',
    argv: ['config', 'check'],
    setup: (d) => {
      const ext = mkdtempSync(path.join(scratch, 'strata-cli-errors-ext-'));
      writeFileSync(path.join(ext, 'x.spec'), SPEC);
      symlinkSync(path.join(ext, 'x.spec'), path.join(d, 'hello', 'linked.spec'));
      localSpec('hello/linked.spec')(d);
    },
    code: 'PATH_ESCAPES_PROJECT',
    at: 'azldev.toml:4',
  },
  {
    name: 'an included file that is a directory',
    argv: ['config', 'check'],
    setup: (d) => writeFileSync(path.join(d, 'azldev.toml'), 'includes = ["a-dir"]\n[project]\n'),
    code: 'INCLUDE_IS_DIRECTORY',
    at: 'azldev.toml:1',
  },
  {
    name: 'garbage TOML',
    argv: ['component', 'list'],
    setup: (d) => writeFileSync(path.join(d, 'azldev.toml'), Buffer.from([0x5b, 0x70, 0x72, 0x6f, 0x6a, 0xff, 0x00, 0x0a])),
    code: 'TOML_SYNTAX',
    at: 'azldev.toml:1',
  },
];

describe('CLI user errors are coded diagnostics', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const d = project();
      c.setup?.(d);
      const cwd = c.cwd === OUTSIDE ? mkdtempSync(path.join(scratch, 'strata-cli-errors-none-')) : path.join(d, c.cwd ?? '.');
      const text = await cli(cwd, c.argv);
      assert.equal(text.code, c.exit ?? 1, text.err);
      assert.doesNotMatch(text.err, /internal error|\n\s+at /, 'no internal error or stack trace');
      assert.match(text.err, new RegExp(`error\\[${c.code}\\]|^error: `, 'm'));
      // the same under -o json: one JSON document on stdout naming the code, with a hint
      const hasFormat = c.argv[0] === '-o' || c.argv[0]!.startsWith('--output');
      if (hasFormat && !c.argv.some((a) => a.endsWith('json'))) return; // the case is about another format
      const argv = hasFormat ? c.argv : ['-o', 'json', ...c.argv];
      const json = await cli(cwd, argv);
      assert.equal(json.code, c.exit ?? 1);
      const doc = JSON.parse(json.out) as { ok: boolean; diagnostics: Array<{ code: string; hint?: string; file?: string; line?: number }> };
      assert.equal(doc.ok, false);
      const diag = doc.diagnostics.find((x) => x.code === c.code);
      assert.ok(diag, `${c.code} in ${json.out}`);
      assert.ok(diag.hint, 'has a hint');
      if (c.at) assert.equal(`${diag.file}:${diag.line}`, c.at);
    });
  }
});

describe('what users may do that must keep working', () => {
  it('a symbolic link to azldev.toml and to a local spec inside the project', async () => {
    const d = project();
    mkdirSync(path.join(d, 'conf'));
    writeFileSync(path.join(d, 'conf', 'real.toml'), '[project]\n\n[components.hello]\nspec = { type = "local", path = "hello/hello.spec" }\n');
    symlinkSync(path.join(d, 'conf', 'real.toml'), path.join(d, 'azldev.toml.link'));
    renameSync(path.join(d, 'azldev.toml.link'), path.join(d, 'azldev.toml'));
    const r0 = await cli(path.join(d, 'hello'), ['-o', 'json', 'component', 'list']);
    assert.equal(r0.code, 0, r0.err);
    assert.equal((JSON.parse(r0.out) as unknown[]).length, 1);
    writeFileSync(path.join(d, 'real.spec'), SPEC);
    symlinkSync('../real.spec', path.join(d, 'hello', 'linked.spec'));
    localSpec('hello/linked.spec')(d);
    const r = await cli(d, ['config', 'check']);
    assert.equal(r.code, 0, r.err);
    // render copies the link's target (inside the project) as the spec
    const rr = await cli(d, ['component', 'render', '-a']);
    assert.equal(rr.code, 0, rr.err + rr.out);
    assert.match(readFileSync(path.join(d, 'specs', 'h', 'hello', 'hello.spec'), 'utf8'), /^Name: hello$/m);
  });
});

describe('-C DIR means the same in every command', () => {
  for (const argv of [['component', 'list'], ['component', 'render', '-a'], ['component', 'update', '-a'], ['config', 'check']]) {
    it(`-C a subdirectory of the project: ${argv.join(' ')}`, async () => {
      const d = project();
      const r = await cli(path.join(d, 'a-dir'), ['-C', '../hello', ...argv]);
      assert.equal(r.code, 0, r.err);
    });
  }
});

describe('-a skips what does not apply', () => {
  it('diff-sources -a passes over local components', async () => {
    const r = await cli(project(), ['-o', 'json', 'component', 'diff-sources', '-a']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), []);
  });
});

describe('diagnosticForSystemError', () => {
  const table: ReadonlyArray<{ name: string; input: unknown; code?: string; mentions?: string }> = [
    { name: 'EACCES with a path', input: Object.assign(new Error('x'), { code: 'EACCES', errno: -13, syscall: 'open', path: '/srv/x' }), code: 'IO_EACCES', mentions: '/srv/x' },
    { name: 'ENOSPC', input: Object.assign(new Error('x'), { code: 'ENOSPC', errno: -28, syscall: 'write' }), code: 'IO_ENOSPC' },
    { name: 'rename across paths', input: Object.assign(new Error('x'), { code: 'EXDEV', errno: -18, syscall: 'rename', path: '/a', dest: '/b' }), code: 'IO_EXDEV', mentions: '/a → /b' },
    { name: 'a plain Error is not one', input: new Error('boom') },
    { name: 'a coded non-errno error is not one', input: Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' }) },
  ];
  it('a program that is not installed (the error Node really raises)', async () => {
    const { NodeProcessRunner } = await import('../../adapters/node-process.js');
    const e = await new NodeProcessRunner().run('strata-no-such-tool', ['--version']).then(() => undefined, (x: unknown) => x);
    const d = diagnosticForSystemError(e);
    assert.equal(d?.code, 'TOOL_NOT_FOUND');
    assert.equal(d?.message, 'strata-no-such-tool is not installed (not found on PATH)');
    assert.match(d?.hint ?? '', /install strata-no-such-tool/);
  });
  for (const t of table) {
    it(t.name, () => {
      const d = diagnosticForSystemError(t.input);
      assert.equal(d?.code, t.code);
      if (t.mentions) assert.ok(d?.message.includes(t.mentions), d?.message);
      if (d) assert.ok(d.hint);
    });
  }
});

describe('progress on a TTY', () => {
  const events = [
    { kind: 'start', task: 'update', total: 2 },
    { kind: 'item', task: 'update', item: 'a', status: 'changed' },
    { kind: 'item', task: 'update', item: 'b', status: 'unchanged' },
    { kind: 'end', task: 'update' },
  ] as const;
  const run = (output: 'table' | 'json', isTTY: boolean) => {
    let err = '';
    const sink = makeSink({ ...realContext(), env: {}, isTTY, err: (s) => { err += s; } }, { output, quiet: false, verbose: false });
    for (const e of events) sink(e);
    return err;
  };
  it('counts item-only tasks', () => assert.match(run('table', true), /update 2\/2 b/));
  it('is quiet with -o json', () => assert.equal(run('json', true), ''));
  it('is quiet when not a TTY', () => assert.equal(run('table', false), ''));
});
