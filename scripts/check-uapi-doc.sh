#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that the UAPI reference and the UAPI header agree:
#  - every ioctl of the header has a section titled with its name, and the
#    section quotes its definition (direction, number, argument) exactly;
#  - every other VUB_* constant (macros and enumerators) and every struct
#    vub_* is documented, and
#    every field of every struct is named in the document;
#  - the document names no VUB_* identifier, struct vub_* or ioctl section
#    that the header does not have.
#
# Usage: scripts/check-uapi-doc.sh [HEADER [DOC]]
# Exit status 0 if they agree, 1 (listing every disagreement) otherwise.
set -eu -o pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
hdr=${1:-$top/uapi/linux/vubridge.h}
doc=${2:-$top/Documentation/userspace-api/vubridge.rst}

for f in "$hdr" "$doc"; do
	if [ ! -r "$f" ]; then
		echo "check-uapi-doc: cannot read $f" >&2
		exit 1
	fi
done

bad=0
fail() {
	echo "check-uapi-doc: $*"
	bad=1
}

# The header without comments, continuation lines joined.
code=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$hdr" |
	awk '
	{
		line = $0
		out = ""
		while (line != "") {
			if (incomment) {
				i = index(line, "*/")
				if (!i) { line = ""; break }
				line = substr(line, i + 2)
				incomment = 0
			} else {
				i = index(line, "/*")
				if (!i) { out = out line; line = ""; break }
				out = out substr(line, 1, i - 1)
				line = substr(line, i + 2)
				incomment = 1
			}
		}
		print out
	}')

# ioctls: NAME<TAB>_IOxx(VUB_IOCTL_MAGIC, 0xNN, TYPE) with single spaces
ioctls=$(printf '%s\n' "$code" |
	sed -n -E 's/^#define[[:space:]]+(VUB_[A-Z0-9_]+)[[:space:]]+(_IO[RW]*\(.*\))[[:space:]]*$/\1\t\2/p' |
	awk -F '\t' '{ d = $2; gsub(/[[:space:]]+/, " ", d); gsub(/\( /, "(", d);
		       gsub(/ \)/, ")", d); gsub(/ ,/, ",", d); print $1 "\t" d }')
# all VUB_* macros, ioctl or not
macros=$(printf '%s\n' "$code" |
	sed -n -E 's/^#define[[:space:]]+(VUB_[A-Z0-9_]+)([[:space:]].*)?$/\1/p' | sort -u)
# enumerators (the generic-netlink commands, attributes and events) count as
# constants; so do the __*_MAX sentinels' public *_MAX macros
enums=$(printf '%s\n' "$code" | awk '
	/^enum vub_[a-z0-9_]+[ \t]*\{/ { inenum = 1; next }
	inenum && /^\};/ { inenum = 0; next }
	inenum && match($0, /^[ \t]*VUB_[A-Z0-9_]+/) {
		name = substr($0, RSTART, RLENGTH)
		gsub(/[ \t]/, "", name)
		print name
	}')
macros=$(printf '%s\n%s\n' "$macros" "$enums" | sed '/^$/d' | sort -u)
# the include guard and the __*_MAX sentinels are not part of the interface
macros=$(printf '%s\n' "$macros" | grep -v '^_' || true)
structs=$(printf '%s\n' "$code" |
	sed -n -E 's/^struct[[:space:]]+(vub_[a-z0-9_]+)[[:space:]]*\{.*$/\1/p' | sort -u)

if [ -z "$ioctls" ] || [ -z "$structs" ]; then
	echo "check-uapi-doc: found no ioctls or no structs in $hdr" >&2
	exit 1
fi

# Section titles of the document: a line followed by a line of '-' as long.
sections=$(awk 'prev != "" && $0 ~ /^-+$/ && length($0) == length(prev) { print prev }
		{ prev = $0 }' "$doc" | sort -u)

# 1. every ioctl has its section, quoting the definition
while IFS=$'\t' read -r name def; do
	if ! grep -qx "$name" <<<"$sections"; then
		fail "ioctl $name has no section in $doc"
		continue
	fi
	if ! grep -qF "\`\`$def\`\`" "$doc"; then
		fail "ioctl $name: the document does not quote its definition \`\`$def\`\`"
	fi
done <<<"$ioctls"

# 2. every constant and struct is documented
for m in $macros; do
	grep -qE "(^|[^A-Za-z0-9_])$m([^A-Za-z0-9_]|$)" "$doc" ||
		fail "constant $m is not documented"
done
for s in $structs; do
	grep -qF "struct $s" "$doc" || fail "struct $s is not documented"
done

# 3. every field of every struct is named in the document as ``field``
fields=$(printf '%s\n' "$code" | awk '
	/^struct vub_[a-z0-9_]+[ \t]*\{/ { s = $2; infield = 1; next }
	infield && /^\};/ { infield = 0; next }
	infield {
		line = $0
		sub(/;.*/, "", line)
		sub(/\[.*/, "", line)
		n = split(line, w, /[ \t*]+/)
		if (n > 0 && w[n] != "")
			print s ":" w[n]
	}')
for sf in $fields; do
	grep -qF "\`\`${sf#*:}\`\`" "$doc" ||
		fail "field ${sf#*:} of struct ${sf%%:*} is not documented"
done

# 4. nothing in the document that the header lacks
# (VUB_FOO_* stands for every constant starting with VUB_FOO_)
# shellcheck disable=SC2013 # identifiers, one per word
for m in $(grep -oE '(^|[^A-Za-z0-9_])VUB_[A-Z0-9_]+\*?' "$doc" |
	   sed -E 's/^[^V]//' | sort -u); do
	case $m in
	*\*)
		grep -q "^${m%\*}" <<<"$macros" ||
			fail "the document names $m, but no constant of the header matches"
		;;
	*)
		grep -qx "$m" <<<"$macros" ||
			fail "the document names $m, which the header does not define"
		;;
	esac
done
# shellcheck disable=SC2013 # identifiers, one per word
for s in $(grep -oE 'struct vub_[a-z0-9_]+' "$doc" | awk '{ print $2 }' |
	   sort -u); do
	grep -qx "$s" <<<"$structs" ||
		fail "the document names struct $s, which the header does not define"
done
for sec in $(printf '%s\n' "$sections" | grep -E '^VUB_[A-Z0-9_]+$' || true); do
	cut -f1 <<<"$ioctls" | grep -x "$sec" >/dev/null ||
		fail "section $sec is not an ioctl of the header"
done

if [ "$bad" = 0 ]; then
	echo "check-uapi-doc: $(printf '%s\n' "$ioctls" | wc -l) ioctls," \
	     "$(printf '%s\n' "$structs" | wc -l) structs and" \
	     "$(printf '%s\n' "$macros" | wc -l) constants agree"
fi
exit "$bad"
