#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Usage: scripts/guide-blocks.py GUIDE.rst --check
#        scripts/guide-blocks.py GUIDE.rst KIND OUTDIR
#
# The administrator guide never shows a command that no test runs: every
# literal block ("::" on a line of its own, then the indented text) must
# follow a comment that says who runs it:
#   .. run: KIND     shell commands, run by the test that owns KIND:
#                    debs-build, debs-install, host, debs-remove
#                    (selftests/pkg/debs.sh), source (selftests/pkg/
#                    install_test.sh), vm (VM test 99-admin-guide)
#   .. file: PATH    the text of an installed file, compared with PATH
#                    (VM test 99-admin-guide)
# --check fails on a block without such a comment or with an unknown KIND.
# KIND OUTDIR writes each block of KIND to OUTDIR/NNN-lLINE (NNN: order in
# the guide; for "file", the first line is the path, then the text).
import os
import re
import sys

KINDS = {'debs-build', 'debs-install', 'host', 'debs-remove', 'source', 'vm',
         'file'}


def blocks(path):
    lines = open(path).read().split('\n')
    out, marker, i = [], None, 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r'^\.\. (run|file): *(\S+)\s*$', line)
        if m:
            marker = ('file', m.group(2)) if m.group(1) == 'file' \
                else (m.group(2), None)
            marker_line = i + 1
            i += 1
            continue
        if line.rstrip().endswith('::') and not line.lstrip().startswith('..'):
            start = i + 1
            j = start
            while j < len(lines) and not lines[j].strip():
                j += 1
            body = []
            indent = None
            while j < len(lines) and (not lines[j].strip() or
                                      lines[j].startswith((' ', '\t'))):
                if lines[j].strip() and indent is None:
                    indent = len(lines[j]) - len(lines[j].lstrip())
                body.append(lines[j])
                j += 1
            while body and not body[-1].strip():
                body.pop()
            text = '\n'.join(l[indent:] if l.strip() else '' for l in body)
            ok = marker is not None and marker_line >= i - 2 and \
                line.strip() == '::'
            out.append((start, marker if ok else None, text))
            marker = None
            i = j
            continue
        if line.strip():
            marker = None if not line.startswith('..') else marker
        i += 1
    return out


def main():
    if len(sys.argv) == 3 and sys.argv[2] == '--check':
        bad = 0
        found = blocks(sys.argv[1])
        for line, marker, _ in found:
            if marker is None or marker[0] not in KINDS:
                print('%s:%d: a literal block without ".. run: KIND" or '
                      '".. file: PATH" before its "::" line' %
                      (sys.argv[1], line))
                bad += 1
        print('guide-blocks: %d literal blocks, %d unmarked' %
              (len(found), bad))
        return 1 if bad else 0
    if len(sys.argv) != 4:
        print(__doc__ if __doc__ else 'usage: see the script', file=sys.stderr)
        return 2
    kind, outdir = sys.argv[2], sys.argv[3]
    os.makedirs(outdir, exist_ok=True)
    n = 0
    for line, marker, text in blocks(sys.argv[1]):
        if marker is None or marker[0] != kind:
            continue
        n += 1
        with open(os.path.join(outdir, '%03d-l%d' % (n, line)), 'w') as f:
            if kind == 'file':
                f.write(marker[1] + '\n')
            f.write(text + '\n')
    return 0


sys.exit(main())
