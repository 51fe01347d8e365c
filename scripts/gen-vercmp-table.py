#!/usr/bin/python3
"""Generate src/cve/testdata/vercmp-pairs.tsv.gz: real EVR pairs answered by rpm's labelCompare.

The oracle is Debian's python3-rpm (rpm 4.18), run ONCE by hand; CI only reads the table
(src/cve/vercmp-table.test.ts), it needs no Python.

How it was run (Debian 12, from the repository root, ../shared beside it):

    apt-get install -y --no-install-recommends python3-rpm
    /usr/bin/python3 scripts/gen-vercmp-table.py ../shared src/cve/testdata/vercmp-pairs.tsv.gz

(Debian's /usr/bin/python3, not a pyenv python3 earlier on PATH, which has no `rpm` module.)

Where the versions come from (all real values, none made up):
- the AlmaLinux OSV records (corpus/osv/almalinux): every `fixed` EVR; pairs are consecutive
  advisories of the same ecosystem and package, in date order, plus neighbours in sorted order;
- the Azure Linux 3.0 OVAL feed (corpus/oval): each `less than` EVR against the source EVR that
  Debian's rpmspec gave for the spec of that package (corpus/cve-azl3/expected.json);
- the Fedora corpus (corpus/fedora-specs): literal (macro-free) `Version:` and `Release:` values,
  paired with their neighbours (1 to 3 apart) in sorted order (similar prefixes: the hard cases) and at random
  (fixed seed), as versions alone, as version-release and with and without an epoch.

Format: one pair per line, tab-separated: e1 v1 r1 e2 v2 r2 answer, where an absent epoch or
release is written `(none)` (labelCompare gets None for it) and answer is -1, 0 or 1.
"""
import glob
import gzip
import json
import os
import random
import re
import sys

import rpm

NONE = '(none)'


def parse_evr(s):
    """[epoch:]version[-release] -> (epoch|None, version, release|None), as Strata's parseEVR."""
    s = s.strip()
    epoch = None
    c = s.find(':')
    if c != -1 and re.fullmatch(r'[0-9]*', s[:c]):
        epoch, s = s[:c], s[c + 1:]
    d = s.rfind('-')
    if d != -1:
        return (epoch, s[:d], s[d + 1:])
    return (epoch, s, None)


def ok(t):
    e, v, r = t
    return v and '\t' not in v and '\n' not in v and (r is None or (r and '\t' not in r)) and NONE not in (e, v, r)


def main():
    shared, out = sys.argv[1], sys.argv[2]
    rnd = random.Random(20261204)
    pairs = []
    seen = set()

    def add(a, b):
        if not (ok(a) and ok(b)):
            return
        k = (a, b)
        if k in seen:
            return
        seen.add(k)
        pairs.append((a, b))

    # OSV fixed EVRs
    osv = {}
    everything = []
    for f in sorted(glob.glob(os.path.join(shared, 'corpus/osv/almalinux/advisories/*/*.json'))):
        with open(f, encoding='utf-8') as fh:
            rec = json.load(fh)
        for aff in rec.get('affected', []):
            pkg = aff.get('package', {})
            for rg in aff.get('ranges', []):
                for ev in rg.get('events', []):
                    if 'fixed' in ev:
                        osv.setdefault((pkg.get('ecosystem'), pkg.get('name')), []).append((rec.get('published', ''), ev['fixed']))
                        everything.append(ev['fixed'])
    for key in sorted(osv, key=lambda k: (k[0] or '', k[1] or '')):
        evs = sorted(osv[key])
        for (_, a), (_, b) in zip(evs, evs[1:]):
            add(parse_evr(a), parse_evr(b))
    uniq = sorted(set(everything))
    for gap in (1, 2, 3):
        for a, b in zip(uniq, uniq[gap:]):
            add(parse_evr(a), parse_evr(b))
    for a in uniq:
        for _ in range(2):
            add(parse_evr(a), parse_evr(rnd.choice(uniq)))

    # OVAL fixed EVRs against the spec EVRs rpmspec gave
    with open(os.path.join(shared, 'corpus/cve-azl3/expected.json'), encoding='utf-8') as fh:
        expected = json.load(fh)
    spec_evr = {}
    for spec, nevr in expected['source_nevr'].items():
        m = re.fullmatch(r'(.*)-([^-]*:[^-]*-[^-]*)', nevr)
        if m:
            spec_evr[m.group(1)] = m.group(2)
    with open(os.path.join(shared, 'corpus/oval/azurelinux-3.0-oval.xml'), encoding='utf-8') as fh:
        oval = fh.read()
    names = dict(re.findall(r'<linux-def:rpminfo_object id="([^"]+)"[^>]*>\s*<linux-def:name>([^<]+)</linux-def:name>', oval))
    states = dict(re.findall(r'<linux-def:rpminfo_state id="([^"]+)"[^>]*>\s*<linux-def:evr[^>]*>([^<]+)</linux-def:evr>', oval))
    tests = re.findall(r'<linux-def:object object_ref="([^"]+)"/>\s*<linux-def:state state_ref="([^"]+)"/>', oval)
    oval_evrs = []
    for obj, ste in tests:
        n, e = names.get(obj), states.get(ste)
        if n is None or e is None:
            continue
        oval_evrs.append(e)
        if n in spec_evr:
            add(parse_evr(spec_evr[n]), parse_evr(e))
    for e in oval_evrs:
        add(parse_evr(e), parse_evr(rnd.choice(list(spec_evr.values()))))
        add(parse_evr(e), parse_evr(rnd.choice(uniq)))

    # Fedora literal Version/Release values
    versions, releases = set(), set()
    for f in sorted(glob.glob(os.path.join(shared, 'corpus/fedora-specs/*.spec'))):
        with open(f, encoding='latin-1') as fh:
            for line in fh:
                m = re.match(r'^(Version|Release)\s*:\s*(\S+)\s*$', line, re.I)
                if m and '%' not in m.group(2):
                    (versions if m.group(1).lower() == 'version' else releases).add(m.group(2))
    versions, releases = sorted(versions), sorted(releases)
    for gap in (1, 2, 3):
        for a, b in zip(versions, versions[gap:]):
            add((None, a, None), (None, b, None))
    for a in versions:
        b = rnd.choice(versions)
        add((None, a, None), (None, b, None))
        ra, rb = rnd.choice(releases), rnd.choice(releases)
        add((None, a, ra), (rnd.choice([None, '0', '1']), a, rb))
        add((None, a, ra), (None, rnd.choice(versions), rb))
        add(('0', a, ra), (None, a, rnd.choice([None, ra])))
    for a, b in zip(releases, releases[1:]):
        v = rnd.choice(versions)
        add((None, v, a), (None, v, b))

    rnd.shuffle(pairs)
    lines = []
    for a, b in pairs:
        r = rpm.labelCompare(a, b)
        f = lambda x: NONE if x is None else x
        lines.append('\t'.join([f(a[0]), a[1], f(a[2]), f(b[0]), b[1], f(b[2]), str(r)]))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with gzip.GzipFile(out, 'wb', mtime=0) as gz:
        gz.write(('# e1\tv1\tr1\te2\tv2\tr2\trpm.labelCompare (python3-rpm %s); (none) = None\n' % rpm.__version__).encode())
        gz.write(('\n'.join(lines) + '\n').encode())
    print('%d pairs written to %s' % (len(lines), out))


if __name__ == '__main__':
    main()
