/**
 * Verification as named steps (the shape of sigstore-js's verifier): each step takes the link
 * of the chain established so far and either passes the next link on or fails with coded
 * problems that name what broke. A `VerifyRun` records, in order, which steps passed, which
 * failed (with their codes) and which were skipped because a link they need was broken.
 *
 * A step may also report problems and still pass a link on (`report`), and a step run as a
 * check (`VerifyRun.check`) passes its input on whatever it finds: a wrong digest does not keep
 * the verifier from looking at the rest, so that every problem is reported, not only the first.
 * A link step that throws a StrataError breaks the chain there: the steps that need its output
 * are recorded as skipped.
 */
import { isStrataError, type DiagnosticCode } from '../diag/index.js';

export interface StepProblem {
  readonly code: DiagnosticCode;
  readonly message: string;
}

export type StepStatus = 'passed' | 'failed' | 'skipped';

export interface StepRecord {
  /** The step's name, e.g. `repomd signature`. */
  readonly step: string;
  /** What it looked at (a file, a package), when the run covers several. */
  readonly subject?: string;
  readonly status: StepStatus;
  readonly problems: readonly StepProblem[];
  /** Why the step did not run. */
  readonly reason?: string;
}

export interface VerifyStep<In, Out> {
  readonly name: string;
  /** The code of the problem an unexpected (uncoded) exception of this step becomes. */
  readonly fallbackCode: DiagnosticCode;
  /** The next link, or a StrataError whose diagnostics are the problems; `report` records problems without breaking the chain. */
  run(input: In, report: (code: DiagnosticCode, message: string) => void): Promise<Out> | Out;
}

/** Define a step (typed input and output). */
export function step<In, Out>(name: string, fallbackCode: DiagnosticCode, run: VerifyStep<In, Out>['run']): VerifyStep<In, Out> {
  return { name, fallbackCode, run };
}

/** Thrown by a step that has nothing to check: recorded as skipped with `reason`, and the chain ends there. */
export class StepSkipped extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StepSkipped';
  }
}

/** A broken link: the value steps get when a step before them failed. */
const BROKEN: unique symbol = Symbol('broken link');
export type Link<T> = T | typeof BROKEN;

export function isBroken<T>(link: Link<T>): link is typeof BROKEN {
  return link === BROKEN;
}

export class VerifyRun {
  private readonly list: StepRecord[] = [];

  /** Every step run so far, in order. */
  get records(): readonly StepRecord[] {
    return this.list;
  }

  /** The problems of every failed step, in order. */
  get problems(): StepProblem[] {
    return this.list.flatMap((r) => r.problems);
  }

  get ok(): boolean {
    return this.list.every((r) => r.status !== 'failed');
  }

  /**
   * Run `s` on `input`: its output is the next link. A broken `input` skips the step; a thrown
   * StrataError (or StepSkipped) breaks the chain.
   */
  async run<In, Out>(s: VerifyStep<In, Out>, input: Link<In>, subject?: string): Promise<Link<Out>> {
    return this.record(s, input, subject);
  }

  /**
   * Run `s` as a check of `input`: whether it passes or fails, the chain goes on with `input`
   * (a wrong digest is recorded, and the steps after it still look at the package).
   */
  async check<In>(s: VerifyStep<In, unknown>, input: Link<In>, subject?: string): Promise<Link<In>> {
    await this.record(s, input, subject);
    return input;
  }

  /** Record that step `name` does not apply here (`reason`); the chain goes on. */
  skip(name: string, reason: string, subject?: string): void {
    this.list.push({ step: name, ...(subject === undefined ? {} : { subject }), status: 'skipped', problems: [], reason });
  }

  private async record<In, Out>(s: VerifyStep<In, Out>, input: Link<In>, subject?: string): Promise<Link<Out>> {
    const at = subject === undefined ? {} : { subject };
    if (isBroken(input)) {
      this.list.push({ step: s.name, ...at, status: 'skipped', problems: [], reason: 'a step before it failed' });
      return BROKEN;
    }
    const reported: StepProblem[] = [];
    try {
      const out = await s.run(input, (code, message) => reported.push({ code, message }));
      this.list.push({ step: s.name, ...at, status: reported.length ? 'failed' : 'passed', problems: reported });
      return out;
    } catch (e) {
      if (e instanceof StepSkipped) {
        this.list.push({ step: s.name, ...at, status: reported.length ? 'failed' : 'skipped', problems: reported, reason: e.reason });
        return BROKEN;
      }
      const thrown: StepProblem[] = isStrataError(e) ? e.diagnostics.map((d) => ({ code: d.code, message: d.message })) : [{ code: s.fallbackCode, message: e instanceof Error ? e.message : String(e) }];
      this.list.push({ step: s.name, ...at, status: 'failed', problems: [...reported, ...thrown] });
      return BROKEN;
    }
  }
}
