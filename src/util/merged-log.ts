/**
 * One log from a child's stdout and stderr, merged a whole line at a time.
 *
 * The two streams are separate pipes, read as chunks arrive, and a writer with unbuffered stderr
 * (the shell's `set -x` trace, rpmbuild's own messages) can send half a line: appending chunks as
 * they come can glue a line of one stream into the middle of a line of the other. Here each
 * stream keeps its unfinished line (and an unfinished UTF-8 character) until its newline arrives
 * or the process ends; notes of our own go in between complete lines.
 */
import { StringDecoder } from 'node:string_decoder';

export type LogStream = 'stdout' | 'stderr';

export class MergedLog {
  private readonly parts: string[] = [];
  private readonly pending = new Map<LogStream, { decoder: StringDecoder; rest: string }>();

  /** A chunk of a child's output. */
  write(stream: LogStream, chunk: Uint8Array): void {
    let p = this.pending.get(stream);
    if (!p) this.pending.set(stream, (p = { decoder: new StringDecoder('utf8'), rest: '' }));
    const text = p.rest + p.decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const end = text.lastIndexOf('\n') + 1;
    if (end > 0) this.parts.push(text.slice(0, end));
    p.rest = text.slice(end);
  }

  /** The unfinished lines of both streams (the process has ended), each closed with a newline. */
  flush(): void {
    for (const p of this.pending.values()) {
      const rest = p.rest + p.decoder.end();
      if (rest) this.parts.push(`${rest}\n`);
    }
    this.pending.clear();
  }

  /** A note of our own (should end with a newline); unfinished output lines are closed first. */
  note(text: string): void {
    this.flush();
    this.parts.push(text);
  }

  /** Where the log is now: a mark for `since`. */
  mark(): number {
    return this.parts.length;
  }

  /** The text written since `mark` (after closing unfinished lines). */
  since(mark: number): string {
    this.flush();
    return this.parts.slice(mark).join('');
  }

  /** The whole log (unfinished lines closed). */
  text(): string {
    return this.since(0);
  }
}
