/**
 * Signing packages in place with rpmsign, with the project key that `loadGpgKey`
 * (src/trust/gpg-signer.ts) holds in an isolated GnuPG home. Signature times are pinned so that
 * publishing the same packages twice gives the same bytes.
 */
import { StrataError, error } from '../diag/index.js';
import type { ProcessRunner } from '../adapters/types.js';
import type { GpgKeyHome } from '../trust/gpg-signer.js';

/**
 * Split `files` into consecutive batches of at most `maxFiles` names and `maxBytes` bytes of
 * argument text each (a name longer than the budget gets a batch of its own), in order, so that
 * one command per batch stays far below the kernel's argument-length limit (ARG_MAX, and
 * MAX_ARG_STRLEN per string) however many packages a channel holds.
 */
export function batchArgs(files: readonly string[], maxFiles = 200, maxBytes = 64 * 1024): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let bytes = 0;
  for (const f of files) {
    const n = Buffer.byteLength(f) + 1;
    if (cur.length && (cur.length >= maxFiles || bytes + n > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(f);
    bytes += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Sign packages in place with rpmsign (header signature), at a pinned signature time. One
 * rpmsign call per batch of `batchArgs(files)`, in the given order: the result does not depend
 * on the batching (each package's signature depends only on that package, the key and the time).
 */
export async function signRpms(proc: ProcessRunner, key: GpgKeyHome, files: readonly string[], signTime: number): Promise<void> {
  if (!files.length) return;
  const t = Math.max(signTime, key.created);
  for (const batch of batchArgs(files)) {
    const r = await proc.run(
      'rpmsign',
      [
        '--addsign',
        '--define', '__gpg /usr/bin/gpg',
        '--define', `_gpg_name ${key.fingerprint}`,
        '--define', `_gpg_path ${key.gpgHome}`,
        '--define', '_gpg_digest_algo sha256',
        '--define', `_gpg_sign_cmd_extra_args --faked-system-time ${t}! --pinentry-mode loopback --passphrase ''`,
        ...batch,
      ],
      { env: { GNUPGHOME: key.gpgHome, LC_ALL: 'C' } },
    );
    if (r.code !== 0) {
      throw new StrataError(error('SIGN_RPM_FAILED', `rpmsign failed: ${r.stderr.trim().split('\n').filter((l) => /error/i.test(l)).join('; ') || r.stderr.trim()}`, { hint: 'the signing key must be usable without a passphrase; rpmsign uses /usr/bin/gpg' }));
    }
  }
}
