#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: unit-exec UNIT_FILE NOTIFY_SOCKET PIDFILE
#
# Start a Type=notify service the way systemd would, where systemd does not
# run (the test VM boots busybox init): read the [Service] section of the
# installed UNIT_FILE and apply what shapes the process itself —
# EnvironmentFile (the "-" prefix: optional), User, Group and the user's
# supplementary groups, CapabilityBoundingSet, AmbientCapabilities,
# NoNewPrivileges, UMask, LimitNOFILE, RuntimeDirectory (+Mode) — then run
# ExecStart, with $VAR words expanded from the environment file, under
# notify-wait, which returns once the service sent READY=1 (pid in
# PIDFILE). A directive it does not know fails the start, so the unit
# cannot drift from what the test exercises; the sandboxing directives
# (Protect*, Private*, Device*, Restrict*, ...) need systemd's namespaces
# and cgroups and are listed as not applied (systemd-analyze verify checks
# them on the host).
set -eu

unit=$1 notify=$2 pidfile=$3
here=$(cd "$(dirname "$0")" && pwd)

declare -A kv
section=
while IFS= read -r line || [ -n "$line" ]; do
	case $line in
	'' | '#'* | ';'*) continue ;;
	'['*']') section=$line; continue ;;
	esac
	[ "$section" = "[Service]" ] || continue
	key=${line%%=*} val=${line#*=}
	kv[$key]=$val
done < "$unit"

skipped=()
for key in "${!kv[@]}"; do
	case $key in
	Type | EnvironmentFile | ExecStart | User | Group | CapabilityBoundingSet | \
	AmbientCapabilities | NoNewPrivileges | UMask | LimitNOFILE | \
	RuntimeDirectory | RuntimeDirectoryMode)
		;;
	RuntimeDirectoryPreserve | Restart | RestartSec | FileDescriptorStoreMax | Protect* | Private* | \
	Device* | Restrict* | LockPersonality | SystemCallArchitectures | \
	MemoryDenyWriteExecute)
		skipped+=("$key") ;;
	*)
		echo "unit-exec: $unit: [Service] $key is not handled here" >&2
		exit 1 ;;
	esac
done
[ "${kv[Type]:-}" = notify ] || { echo "unit-exec: Type=${kv[Type]:-} is not notify" >&2; exit 1; }
echo "# unit-exec: not applied without systemd: $(printf '%s\n' "${skipped[@]}" | sort | tr '\n' ' ')"

# EnvironmentFile: KEY=VALUE lines, values optionally in double quotes.
envf=${kv[EnvironmentFile]:-}
declare -A env
if [ -n "$envf" ]; then
	optional=0
	[ "${envf#-}" != "$envf" ] && optional=1 envf=${envf#-}
	if [ -f "$envf" ]; then
		while IFS= read -r line || [ -n "$line" ]; do
			case $line in '' | '#'* | ';'*) continue ;; esac
			k=${line%%=*} v=${line#*=}
			v=${v#\"} v=${v%\"}
			env[$k]=$v
		done < "$envf"
	elif [ $optional = 0 ]; then
		echo "unit-exec: $envf missing" >&2
		exit 1
	fi
fi

# ExecStart: "$VAR" expands to one word, $VAR to its words (systemd.service(5)).
read -r -a words <<< "${kv[ExecStart]}"
cmd=()
for w in "${words[@]}"; do
	if [[ $w =~ ^\$([A-Za-z_][A-Za-z0-9_]*)$ ]]; then
		read -r -a more <<< "${env[${BASH_REMATCH[1]}]:-}"
		cmd+=("${more[@]}")
	elif [[ $w =~ ^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$ ]]; then
		cmd+=("${env[${BASH_REMATCH[1]}]:-}")
	else
		cmd+=("$w")
	fi
done

user=${kv[User]:-root} group=${kv[Group]:-}
[ -n "$group" ] || group=$(id -gn "$user")
if [ -n "${kv[RuntimeDirectory]:-}" ]; then
	for d in ${kv[RuntimeDirectory]}; do
		install -d -o "$user" -g "$group" -m "${kv[RuntimeDirectoryMode]:-0755}" "/run/$d"
	done
fi

caps() {	# CAP_A CAP_B -> -all,+a,+b
	local out=-all c
	for c in "$@"; do
		c=${c#CAP_}
		out+=",+${c,,}"
	done
	echo "$out"
}
# shellcheck disable=SC2086 # capability lists are words
setpriv=(setpriv --reuid="$user" --regid="$group" --init-groups
	--bounding-set="$(caps ${kv[CapabilityBoundingSet]:-})"
	--inh-caps="$(caps ${kv[AmbientCapabilities]:-})"
	--ambient-caps="$(caps ${kv[AmbientCapabilities]:-})")
case ${kv[NoNewPrivileges]:-no} in yes | true | 1 | on) setpriv+=(--no-new-privs) ;; esac
[ -n "${kv[UMask]:-}" ] && umask "${kv[UMask]}"
if [ -n "${kv[LimitNOFILE]:-}" ] && ! ulimit -n "${kv[LimitNOFILE]}" 2>/dev/null; then
	echo "# unit-exec: LimitNOFILE=${kv[LimitNOFILE]} above this machine's hard limit: not applied"
fi

echo "# unit-exec: ${setpriv[*]} ${cmd[*]}"
exec "$here/notify-wait" "$notify" 30 "$pidfile" "${setpriv[@]}" "${cmd[@]}"
