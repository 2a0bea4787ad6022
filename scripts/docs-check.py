#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Usage: scripts/docs-check.py DOCDIR OUTDIR
#
# Render every reStructuredText file under DOCDIR to HTML in OUTDIR with
# docutils, stopping at the first warning. Sphinx-only markup the kernel's
# documentation style uses (toctree, kernel-doc, :c:func: and friends) is
# accepted; toctree entries must name existing documents and every document
# must be reachable from a toctree in index.rst.
import os
import sys

from docutils import nodes
from docutils.core import publish_file
from docutils.parsers.rst import Directive, directives, roles

toc_entries = {}  # document -> toctree entries


class TocTree(Directive):
    has_content = True
    optional_arguments = 0
    option_spec = {'maxdepth': directives.nonnegative_int,
                   'caption': directives.unchanged,
                   'numbered': directives.flag,
                   'hidden': directives.flag}

    def run(self):
        src = self.state.document.current_source
        base = os.path.dirname(src)
        entries = [e.strip() for e in self.content if e.strip()]
        for e in entries:
            if not os.path.isfile(os.path.join(base, e + '.rst')):
                raise self.error('toctree entry "%s" has no %s.rst' % (e, e))
        toc_entries.setdefault(os.path.abspath(src), []).extend(
            os.path.abspath(os.path.join(base, e + '.rst')) for e in entries)
        items = nodes.bullet_list()
        for e in entries:
            items += nodes.list_item('', nodes.paragraph(text=e))
        return [items]


class KernelDoc(Directive):
    required_arguments = 1
    has_content = False
    option_spec = {'doc': directives.unchanged,
                   'functions': directives.unchanged,
                   'identifiers': directives.unchanged,
                   'internal': directives.flag,
                   'export': directives.flag}

    def run(self):
        path = self.arguments[0]
        top = os.path.dirname(os.path.dirname(
            os.path.abspath(self.state.document.current_source)))
        if not os.path.isfile(os.path.join(top, path)):
            raise self.error('kernel-doc source "%s" does not exist' % path)
        return [nodes.paragraph(text='(kernel-doc of %s)' % path)]


def literal_role(name, rawtext, text, lineno, inliner, options=None,
                 content=None):
    return [nodes.literal(rawtext, text)], []


def main():
    docdir, outdir = sys.argv[1], sys.argv[2]
    directives.register_directive('toctree', TocTree)
    directives.register_directive('kernel-doc', KernelDoc)
    for r in ('c:func', 'c:type', 'c:macro', 'c:member', 'c:struct',
              'c:enum', 'c:data', 'ref', 'doc', 'manpage', 'file'):
        roles.register_local_role(r, literal_role)
    settings = {'halt_level': 2, 'report_level': 2,
                'syntax_highlight': 'none', 'output_encoding': 'utf-8',
                'embed_stylesheet': False, 'traceback': True}
    docs = []
    for d, _, files in os.walk(docdir):
        docs += [os.path.join(d, f) for f in sorted(files)
                 if f.endswith('.rst')]
    if not docs:
        print('docs-check: no .rst files in %s' % docdir, file=sys.stderr)
        return 1
    bad = 0
    for src in sorted(docs):
        rel = os.path.relpath(src, docdir)
        out = os.path.join(outdir, rel[:-4] + '.html')
        os.makedirs(os.path.dirname(out), exist_ok=True)
        try:
            publish_file(source_path=src, destination_path=out,
                         writer_name='html', settings_overrides=settings)
            print('  DOC     %s' % rel)
        except Exception as e:  # docutils raises SystemMessage on halt
            print('docs-check: %s: %s' % (rel, e), file=sys.stderr)
            bad = 1
    index = os.path.abspath(os.path.join(docdir, 'index.rst'))
    reached = {index}
    todo = [index]
    while todo:
        for e in toc_entries.get(todo.pop(), []):
            if e not in reached:
                reached.add(e)
                todo.append(e)
    for src in sorted(docs):
        if os.path.abspath(src) not in reached:
            print('docs-check: %s is in no toctree reachable from index.rst'
                  % os.path.relpath(src, docdir), file=sys.stderr)
            bad = 1
    return bad


if __name__ == '__main__':
    sys.exit(main())
