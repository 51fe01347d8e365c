/**
 * Corpus verdicts against an explicit list of cases expected to fail: every case off the list must
 * pass, and every case on the list must still fail (a listed case that passes is a stale entry and
 * fails the check too), so one regression, or one fix left unrecorded, turns the test red.
 */

export interface CaseVerdict {
  readonly name: string;
  /** Empty when the case passes. */
  readonly problems: readonly string[];
}

/** The complaints of a corpus run measured against `expectedFailures`; empty when it is as expected. */
export function checkExpectedFailures(verdicts: readonly CaseVerdict[], expectedFailures: readonly string[]): string[] {
  const byName = new Map(verdicts.map((v) => [v.name, v]));
  const out: string[] = [];
  for (const name of expectedFailures) {
    const v = byName.get(name);
    if (v === undefined) out.push(`${name}: on the expected-failure list but not in the corpus`);
    else if (v.problems.length === 0) out.push(`${name}: on the expected-failure list but passes (remove it from the list)`);
  }
  const expected = new Set(expectedFailures);
  for (const v of verdicts) {
    if (v.problems.length > 0 && !expected.has(v.name)) out.push(`${v.name}: ${v.problems.join(' | ').slice(0, 600)}`);
  }
  return out;
}
