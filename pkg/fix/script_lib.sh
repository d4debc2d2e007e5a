set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
KH_BACKUP=${KH_BACKUP:-/var/lib/kubectl-harden/backup}
KH_TIMEOUT=${KH_TIMEOUT:-300}
# KH_NO_WAIT=1 edits the files only: no component is waited for and the
# kubelet is not restarted (for a node image or a host being prepared).
KH_CHANGES=0
KH_KUBELET_CHANGED=0

kh_die() { echo "$KH_SCRIPT: $*" >&2; exit 1; }
kh_say() { echo "$KH_SCRIPT: $*"; }

# kh_backup FILE: keep FILE as it was before this plan first changed it
# (content, mode, owner), or that it did not exist. A later run keeps the
# first backup: rollback.sh restores the state before the first apply.
kh_backup() {
	b="$KH_BACKUP/files$1"
	[ -e "$b.kh-meta" ] || [ -e "$b.kh-absent" ] && return 0
	mkdir -p "$(dirname "$b")"
	chmod 700 "$KH_BACKUP"
	if [ -e "$1" ]; then
		cp -p "$1" "$b"
		stat -c '%a %u %g' "$1" > "$b.kh-meta"
	else
		: > "$b.kh-absent"
	fi
}

# kh_replace TMP FILE: put TMP in FILE's place atomically, with FILE's mode
# and owner (a static pod manifest is never seen half written: the temporary
# file is hidden, which the kubelet ignores).
kh_replace() {
	d=$(dirname "$2")
	t="$d/.kh-$(basename "$2").tmp"
	cp "$1" "$t"
	if [ -e "$2" ]; then
		chmod "$(stat -c %a "$2")" "$t"
		chown "$(stat -c %u:%g "$2")" "$t"
	fi
	mv -f "$t" "$2"
}

kh_same() { [ -e "$1" ] && [ -e "$2" ] && [ "$(cat "$1"; echo x)" = "$(cat "$2"; echo x)" ]; }

# kh_chmod FILE MAX: remove the permission bits outside MAX.
kh_chmod() {
	kh_present "$1" || return 0
	cur=$(stat -c %a "$1")
	kh_attr "$1" chmod "$cur" "$(printf '%o' $((0$cur & 0$2)))" ""
}

# kh_chown FILE USER GROUP
kh_chown() {
	kh_present "$1" || return 0
	kh_attr "$1" chown "$(stat -c %U:%G "$1")" "$2:$3" "owned by "
}

# kh_present FILE: fails, saying so, when FILE is missing or a symlink.
kh_present() {
	if [ ! -e "$1" ] || [ -L "$1" ]; then kh_say "skipped: $1 is not a regular file on this host"; return 1; fi
}

# kh_attr FILE CMD CUR NEW WHAT: `CMD NEW FILE` (chmod, chown), FILE backed
# up first, unless its attribute CUR is NEW already.
kh_attr() {
	if [ "$3" = "$4" ]; then kh_say "unchanged: $1 is $5$3"; return 0; fi
	kh_backup "$1"
	"$2" "$4" "$1"
	KH_CHANGES=$((KH_CHANGES + 1))
	kh_say "changed: $2 $1 $3 -> $4"
}

# kh_write FILE MODE: write stdin to FILE (mode MODE, root:root).
kh_write() {
	KH_WRITTEN=0
	mkdir -p "$KH_BACKUP/staging"
	cat > "$KH_BACKUP/staging/new"
	if kh_same "$KH_BACKUP/staging/new" "$1"; then kh_say "unchanged: $1"; return 0; fi
	kh_backup "$1"
	mkdir -p "$(dirname "$1")"
	t="$(dirname "$1")/.kh-$(basename "$1").tmp"
	cp "$KH_BACKUP/staging/new" "$t"
	chmod "$2" "$t"
	chown 0:0 "$t"
	mv -f "$t" "$1"
	KH_CHANGES=$((KH_CHANGES + 1))
	KH_WRITTEN=1
	kh_say "changed: wrote $1"
}

# kh_flag MANIFEST FLAG: the value of --FLAG in a static pod manifest.
kh_flag() { sed -n "s/^ *- --$2=//p" "$1" | head -n 1; }

# kh_guard MANIFEST FLAG VALUE: stop before any change when FLAG is
# already set to another value.
kh_guard() {
	cur=$(kh_flag "$1" "$2")
	[ -z "$cur" ] || [ "$cur" = "$3" ] || kh_die "$1 already sets --$2=$cur: the plan does not replace it (nothing was changed)"
}

# kh_pod_begin MANIFEST COMPONENT: start editing a static pod manifest on a
# work copy.
kh_pod_begin() {
	KH_M=$1 KH_COMP=$2
	mkdir -p "$KH_BACKUP/staging"
	KH_W="$KH_BACKUP/staging/$KH_COMP.yaml"
	cp "$KH_M" "$KH_W"
	grep -q "^ *- $KH_COMP\$" "$KH_W" || kh_die "$KH_M: no '- $KH_COMP' command line found: not a manifest this plan can edit"
}

# kh_set FLAG VALUE
kh_set() {
	if grep -q "^ *- --$1=" "$KH_W"; then
		cur=$(kh_flag "$KH_W" "$1")
		if [ "$cur" = "$2" ]; then kh_say "unchanged: $KH_COMP --$1=$2"; return 0; fi
		sed "s|^\( *- --$1=\).*\$|\1$2|" "$KH_W" > "$KH_W.n"
		kh_say "change: $KH_COMP --$1: $cur -> $2"
	else
		awk -v c="$KH_COMP" -v l="--$1=$2" '{ print } !d && $0 ~ ("^ *- " c "$") { match($0, /^ */); printf "%s- %s\n", substr($0, 1, RLENGTH), l; d = 1 }' "$KH_W" > "$KH_W.n"
		kh_say "change: $KH_COMP --$1=$2 (was unset)"
	fi
	mv -f "$KH_W.n" "$KH_W"
}

# kh_add FLAG ITEM: add ITEM to the comma list of FLAG.
kh_add() {
	cur=$(kh_flag "$KH_W" "$1")
	case ",$cur," in *",$2,"*) kh_say "unchanged: $KH_COMP --$1 has $2"; return 0 ;; esac
	if [ -z "$cur" ]; then kh_set "$1" "$2"; else kh_set "$1" "$cur,$2"; fi
}

# kh_mount VOLUME HOSTPATH MOUNTPATH TYPE READONLY: add a hostPath volume
# and its mount to the static pod.
kh_mount() {
	if grep -q "^ *name: $1\$" "$KH_W"; then kh_say "unchanged: $KH_COMP mounts $2"; return 0; fi
	awk -v n="$1" -v h="$2" -v m="$3" -v t="$4" -v ro="$5" '
		{ print }
		!vm && /^ *volumeMounts:$/ { match($0, /^ */); i = substr($0, 1, RLENGTH); printf "%s- mountPath: %s\n%s  name: %s\n", i, m, i, n; if (ro == "true") printf "%s  readOnly: true\n", i; vm = 1 }
		!v && /^ *volumes:$/ { match($0, /^ */); i = substr($0, 1, RLENGTH); printf "%s- hostPath:\n%s    path: %s\n%s    type: %s\n%s  name: %s\n", i, i, h, i, t, i, n; v = 1 }' "$KH_W" > "$KH_W.n"
	[ "$(grep -c "^ *name: $1\$" "$KH_W.n")" = 2 ] || kh_die "$KH_M: no volumeMounts/volumes list to add $2 to (nothing of $KH_COMP was changed)"
	mv -f "$KH_W.n" "$KH_W"
	kh_say "change: $KH_COMP mounts $2 at $3"
}

# kh_cid COMPONENT: the ID of its running container ("" without crictl).
# The table is read rather than filtered with crictl's flags, which older
# crictl releases do not all honour: the first column of the line that
# names the component.
kh_cid() {
	command -v crictl > /dev/null 2>&1 || return 0
	crictl ps 2> /dev/null | awk -v n="$1" 'NR > 1 { for (i = 2; i <= NF; i++) if ($i == n) { print $1; exit } }'
}

kh_healthy() {
	[ -n "$1" ] || return 0
	if command -v curl > /dev/null 2>&1; then curl -ksf --max-time 5 -o /dev/null "$1"; else wget -q -T 5 --no-check-certificate -O /dev/null "$1"; fi
}

# kh_health COMPONENT MANIFEST: the URL that answers when COMPONENT is
# healthy, from the port and address its manifest sets (defaults: the
# components' own, which kubeadm keeps). Empty when it serves none without
# credentials (--secure-port=0; etcd without an http:// metrics listener):
# then only its new container is waited for.
kh_health() {
	case "$1" in
	kube-apiserver) kh_secure_url "$2" 6443 /livez ;;
	kube-controller-manager) kh_secure_url "$2" 10257 /healthz ;;
	kube-scheduler) kh_secure_url "$2" 10259 /healthz ;;
	etcd)
		u=$(kh_flag "$2" listen-metrics-urls | tr -d "\"'" | cut -d, -f1)
		case "$u" in
		http://*) echo "${u%/}/health" | sed 's|^http://0\.0\.0\.0:|http://127.0.0.1:|; s|^http://\[::\]:|http://127.0.0.1:|' ;;
		esac
		;;
	esac
}

# kh_secure_url MANIFEST DEFAULT-PORT PATH: https://ADDRESS:PORT/PATH of a
# component's --secure-port and --bind-address (any address: 127.0.0.1).
kh_secure_url() {
	port=$(kh_flag "$1" secure-port | tr -d "\"'")
	addr=$(kh_flag "$1" bind-address | tr -d "\"'")
	port=${port:-$2}
	[ "$port" != 0 ] || return 0
	case "$addr" in
	"" | 0.0.0.0 | :: | "[::]") addr=127.0.0.1 ;;
	\[*) ;;
	*:*) addr="[$addr]" ;;
	esac
	echo "https://$addr:$port$3"
}

# kh_wait COMPONENT OLD-CONTAINER HEALTH-URL: wait until a new container of
# the component runs and answers its health endpoint (with no URL: runs).
kh_wait() {
	if [ "${KH_NO_WAIT:-0}" = 1 ]; then kh_say "not waiting for $1 (KH_NO_WAIT=1)"; return 0; fi
	if [ -n "$3" ]; then kh_say "waiting for $1 to answer $3"; else kh_say "waiting for a new $1 container (it serves no health endpoint without credentials)"; fi
	n=0
	while [ "$n" -lt "$KH_TIMEOUT" ]; do
		c=$(kh_cid "$1")
		if [ "$1" = kubelet ] || { [ -n "$c" ] && [ "$c" != "$2" ]; } || { [ -z "$2" ] && [ "$n" -ge 30 ]; }; then
			if kh_healthy "$3"; then kh_say "$1 is running and healthy"; return 0; fi
		fi
		sleep 2
		n=$((n + 2))
	done
	kh_die "$1 did not come back healthy within ${KH_TIMEOUT}s: run rollback.sh"
}

# kh_pod_commit: put the edited manifest in place (the kubelet restarts
# the static pod by itself) and wait for the component.
kh_pod_commit() {
	if kh_same "$KH_W" "$KH_M"; then kh_say "unchanged: $KH_M"; return 0; fi
	old=$(kh_cid "$KH_COMP")
	kh_backup "$KH_M"
	kh_replace "$KH_W" "$KH_M"
	KH_CHANGES=$((KH_CHANGES + 1))
	kh_say "changed: $KH_M (the kubelet restarts $KH_COMP)"
	kh_wait "$KH_COMP" "$old" "$(kh_health "$KH_COMP" "$KH_M")"
}

# kh_kubelet KEY VALUE FILE: set a top-level key of the kubelet's config file.
kh_kubelet() {
	mkdir -p "$KH_BACKUP/staging"
	w="$KH_BACKUP/staging/kubelet-config"
	if grep -q "^$1:" "$3"; then
		cur=$(sed -n "s/^$1: *//p" "$3" | head -n 1)
		if [ "$cur" = "$2" ]; then kh_say "unchanged: kubelet $1: $2"; return 0; fi
		sed "s|^$1:.*\$|$1: $2|" "$3" > "$w"
		kh_say "changed: kubelet $1: $cur -> $2 in $3"
	else
		cp "$3" "$w"
		printf '%s: %s\n' "$1" "$2" >> "$w"
		kh_say "changed: kubelet $1: $2 in $3 (was unset)"
	fi
	kh_backup "$3"
	kh_replace "$w" "$3"
	KH_CHANGES=$((KH_CHANGES + 1))
	KH_KUBELET_CHANGED=1
}

# kh_kubelet_restart: restart the kubelet when its configuration changed,
# and wait for its health endpoint.
kh_kubelet_restart() {
	[ "$KH_KUBELET_CHANGED" = 1 ] || return 0
	if [ "${KH_NO_WAIT:-0}" = 1 ]; then kh_say "the kubelet's configuration changed: restart the kubelet (KH_NO_WAIT=1)"; return 0; fi
	kh_say "restarting the kubelet"
	systemctl restart kubelet
	kh_wait kubelet "" http://127.0.0.1:10248/healthz
}

# kh_restore FILE: put back a file as kh_backup kept it; KH_RESTORED says
# whether that changed anything.
kh_restore() {
	KH_RESTORED=0
	b="$KH_BACKUP/files$1"
	if [ -e "$b.kh-absent" ]; then
		if [ -e "$1" ]; then
			rm -f "$1"
			KH_RESTORED=1 KH_CHANGES=$((KH_CHANGES + 1))
			kh_say "restored: removed $1"
		fi
		return 0
	fi
	if [ ! -e "$b.kh-meta" ]; then kh_say "unchanged: $1 (no backup)"; return 0; fi
	read -r mode uid gid < "$b.kh-meta"
	if kh_same "$b" "$1" && [ "$(stat -c '%a %u %g' "$1")" = "$mode $uid $gid" ]; then kh_say "unchanged: $1"; return 0; fi
	if kh_same "$b" "$1"; then
		# Only the mode or owner changed: the file itself is left alone.
		chmod "$mode" "$1"
		chown "$uid:$gid" "$1"
	else
		t="$(dirname "$1")/.kh-$(basename "$1").tmp"
		cp -p "$b" "$t"
		chmod "$mode" "$t"
		chown "$uid:$gid" "$t"
		mv -f "$t" "$1"
	fi
	KH_RESTORED=1 KH_CHANGES=$((KH_CHANGES + 1))
	kh_say "restored: $1 (mode $mode, owner $uid:$gid)"
}
