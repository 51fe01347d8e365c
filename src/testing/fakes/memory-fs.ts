/**
 * An in-memory FileSystem for tests: a tree of directories, files (bytes, mode, mtime) and
 * symbolic links, with the errno codes of the real adapter (ENOENT, ENOTDIR, EEXIST, EISDIR,
 * ENOTEMPTY, ELOOP). Writes are atomic by construction; rename moves whole subtrees. It honours
 * the FileSystem contract (src/testing/contracts/file-system.ts) except where it says so there:
 * no umask, no open file descriptors, no process limits, `..` resolved lexically.
 */
import * as path from 'node:path';
import type { FileStat, FileSystem } from '../../adapters/types.js';

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const MAX_LINKS = 40;

interface FileNode { readonly kind: 'file'; data: Uint8Array; mode: number; mtimeMs: number }
interface DirNode { readonly kind: 'dir'; readonly entries: Map<string, Node>; mode: number; mtimeMs: number }
interface LinkNode { readonly kind: 'link'; readonly target: string; mode: number; mtimeMs: number }
type Node = FileNode | DirNode | LinkNode;

interface Located {
  readonly dir: DirNode;
  readonly name: string;
  readonly node: Node | undefined;
  /** The path with every symbolic link before the last component resolved. */
  readonly real: string;
}

function errno(code: string, syscall: string, p: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: ${syscall} '${p}'`);
  e.code = code;
  e.syscall = syscall;
  e.path = p;
  return e;
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      re += slash ? '(?:[^/]+/)*' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') re += '(?:';
    else if (c === '}') re += ')';
    else if (c === ',') re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export class MemoryFileSystem implements FileSystem {
  private readonly root: DirNode;
  private seq = 0;

  constructor(private readonly now: () => number = () => Date.now(), readonly tmpdir = '/tmp') {
    this.root = { kind: 'dir', entries: new Map(), mode: 0o755, mtimeMs: now() };
  }

  /** Find `p`; symbolic links are followed in every component but the last unless `followLast`. */
  private locate(p: string, followLast: boolean, syscall: string, hops = 0): Located {
    const abs = path.posix.resolve('/', p);
    const parts = abs.split('/').filter(Boolean);
    if (parts.length === 0) return { dir: this.root, name: '', node: this.root, real: '/' };
    let cur: Node = this.root;
    let curPath = '/';
    for (let i = 0; i < parts.length; i++) {
      if (cur.kind !== 'dir') throw errno('ENOTDIR', syscall, p);
      const name = parts[i]!;
      const child: Node | undefined = cur.entries.get(name);
      const last = i === parts.length - 1;
      if (child?.kind === 'link' && (!last || followLast)) {
        if (hops >= MAX_LINKS) throw errno('ELOOP', syscall, p);
        const target = path.posix.resolve(curPath, child.target);
        return this.locate(path.posix.join(target, ...parts.slice(i + 1)), followLast, syscall, hops + 1);
      }
      if (last) return { dir: cur, name, node: child, real: path.posix.join(curPath, name) };
      if (child === undefined) throw errno('ENOENT', syscall, p);
      cur = child;
      curPath = path.posix.join(curPath, name);
    }
    throw errno('ENOENT', syscall, p);
  }

  private existing(p: string, followLast: boolean, syscall: string): Located & { readonly node: Node } {
    const l = this.locate(p, followLast, syscall);
    if (l.node === undefined) throw errno('ENOENT', syscall, p);
    return { ...l, node: l.node };
  }

  private mkdirs(p: string): DirNode {
    const abs = path.posix.resolve('/', p);
    let l: Located;
    try {
      l = this.locate(abs, true, 'mkdir');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.mkdirs(path.posix.dirname(abs));
      l = this.locate(abs, true, 'mkdir');
    }
    if (l.node?.kind === 'dir') return l.node;
    if (l.node !== undefined) throw errno('EEXIST', 'mkdir', p);
    const dir: DirNode = { kind: 'dir', entries: new Map(), mode: 0o755, mtimeMs: this.now() };
    l.dir.entries.set(l.name, dir);
    return dir;
  }

  async readFile(p: string): Promise<Uint8Array> {
    const { node } = this.existing(p, true, 'open');
    if (node.kind === 'dir') throw errno('EISDIR', 'read', p);
    if (node.kind !== 'file') throw errno('ENOENT', 'open', p);
    return Uint8Array.from(node.data);
  }

  async readText(p: string): Promise<string> {
    return new TextDecoder().decode(await this.readFile(p));
  }

  async writeFileAtomic(p: string, data: string | Uint8Array, mode?: number): Promise<void> {
    const abs = path.posix.resolve('/', p);
    const parent = this.mkdirs(path.posix.dirname(abs));
    const l = this.locate(abs, true, 'rename');
    if (l.node?.kind === 'dir') throw errno(l.node.entries.size ? 'ENOTEMPTY' : 'EISDIR', 'rename', p);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : Uint8Array.from(data);
    (l.node === undefined ? parent : l.dir).entries.set(l.name, { kind: 'file', data: bytes, mode: (mode ?? 0o644) & 0o7777, mtimeMs: this.now() });
  }

  async readdir(p: string): Promise<string[]> {
    const { node } = this.existing(p, true, 'scandir');
    if (node.kind !== 'dir') throw errno('ENOTDIR', 'scandir', p);
    return [...node.entries.keys()].sort();
  }

  async stat(p: string): Promise<FileStat | undefined> {
    let l: Located;
    try {
      l = this.locate(p, false, 'lstat');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw e;
    }
    const n = l.node;
    if (n === undefined) return undefined;
    const type = n.kind === 'file' ? S_IFREG : n.kind === 'dir' ? S_IFDIR : S_IFLNK;
    const size = n.kind === 'file' ? n.data.length : n.kind === 'link' ? new TextEncoder().encode(n.target).length : 4096;
    return { isFile: n.kind === 'file', isDirectory: n.kind === 'dir', isSymbolicLink: n.kind === 'link', size, mode: type | n.mode, mtimeMs: n.mtimeMs };
  }

  async mkdir(p: string): Promise<void> {
    this.mkdirs(p);
  }

  async remove(p: string): Promise<void> {
    let l: Located;
    try {
      l = this.locate(p, false, 'rm');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw e;
    }
    if (l.node !== undefined && l.node !== this.root) l.dir.entries.delete(l.name);
  }

  async rename(from: string, to: string): Promise<void> {
    const src = this.existing(from, false, 'rename');
    const dst = this.locate(to, false, 'rename');
    if (dst.node === src.node) return;
    if (dst.node?.kind === 'dir') {
      if (src.node.kind !== 'dir') throw errno('EISDIR', 'rename', to);
      if (dst.node.entries.size) throw errno('ENOTEMPTY', 'rename', to);
    } else if (dst.node !== undefined && src.node.kind === 'dir') throw errno('ENOTDIR', 'rename', to);
    if (src.node.kind === 'dir' && (dst.real + '/').startsWith(src.real + '/')) throw errno('EINVAL', 'rename', to);
    src.dir.entries.delete(src.name);
    dst.dir.entries.set(dst.name, src.node);
  }

  async copyFile(from: string, to: string): Promise<void> {
    const { node } = this.existing(from, true, 'copyfile');
    if (node.kind !== 'file') throw errno(node.kind === 'dir' ? 'EISDIR' : 'ENOENT', 'copyfile', from);
    await this.writeFileAtomic(to, node.data, node.mode);
  }

  async chmod(p: string, mode: number): Promise<void> {
    const { node } = this.existing(p, true, 'chmod');
    node.mode = mode & 0o7777;
  }

  async setTimes(p: string, seconds: number): Promise<void> {
    const { node } = this.existing(p, false, 'lutime');
    node.mtimeMs = seconds * 1000;
  }

  async realpath(p: string): Promise<string> {
    return this.existing(p, true, 'realpath').real;
  }

  async mkdtemp(prefix: string, parent?: string): Promise<string> {
    const dir = this.mkdirs(parent ?? this.tmpdir);
    const base = path.posix.resolve('/', parent ?? this.tmpdir);
    for (;;) {
      const name = `${prefix}${(this.seq++).toString(36).padStart(6, '0').slice(-6)}`;
      if (dir.entries.has(name)) continue;
      dir.entries.set(name, { kind: 'dir', entries: new Map(), mode: 0o700, mtimeMs: this.now() });
      return path.posix.join(base, name);
    }
  }

  async symlink(target: string, p: string): Promise<void> {
    const l = this.locate(p, false, 'symlink');
    if (l.node !== undefined) throw errno('EEXIST', 'symlink', p);
    this.existing(path.posix.dirname(l.real), true, 'symlink');
    l.dir.entries.set(l.name, { kind: 'link', target, mode: 0o777, mtimeMs: this.now() });
  }

  async glob(patterns: readonly string[], cwd: string): Promise<string[]> {
    const base = path.posix.resolve('/', cwd);
    const res = patterns.map(globToRegExp);
    const found = new Set<string>();
    // Symbolic links are followed; a link back to a directory being walked (a cycle) is not entered again.
    const walk = (dir: string, rel: string, ancestors: ReadonlySet<string>): void => {
      const { node, real } = this.locate(dir, true, 'scandir');
      if (node?.kind !== 'dir' || ancestors.has(real)) return;
      const inside = new Set(ancestors).add(real);
      for (const name of [...node.entries.keys()].sort()) {
        if (name.startsWith('.')) continue;
        const p = path.posix.join(dir, name);
        const r = rel ? `${rel}/${name}` : name;
        let target: Node | undefined;
        try {
          target = this.locate(p, true, 'stat').node;
        } catch {
          continue;
        }
        if (target?.kind === 'dir') walk(p, r, inside);
        else if (target?.kind === 'file' && res.some((re) => re.test(r))) found.add(p);
      }
    };
    walk(base, '', new Set());
    return [...found].sort();
  }
}
