# kubectl-harden node evidence collector, output format v1.
#
# POSIX sh for busybox. Runs in the debug pod with the host root mounted
# read-only at $HARDEN_HOST (default /host) and the host PID namespace, so
# that $HARDEN_PROC (default /proc) lists the host's processes.
#
# Arguments are collection targets KIND:PATH (host paths), KIND being
#   stat      stat the path (following symlinks inside the host root)
#   config    stat it and print its text (non-secret config files only)
#   cert      stat it and print the CERTIFICATE blocks it holds (never keys)
#   tree      stat the directory and every entry below it
#   certtree  like tree, and print the CERTIFICATE blocks of every *.crt
#   secretstree  stat the directory and every entry below it with a
#             "secrets" directory in its path (OpenShift's static pod
#             resources: only the installers' secrets), never read
#   kubeletconfig  config, and collect the files the kubelet config names
#   kubeletdropins tree, and config every *.conf below it that is not a
#                  directory (the kubelet's --config-dir drop-ins)
#   envfile        print only NAME=VALUE lines, values of secret-looking
#                  names and flags redacted (kubelet environment files)
#   proxyconfig    config, and stat the kubeconfig a kube-proxy config names
#   encryption     stat it and print only the encryption provider names
#   distroconfig   a distribution's config file (k3s, RKE2): print only its
#                  component-argument keys (*-arg) and hardening keys, with
#                  the values of secret-looking flags redacted
#   distroconfigdir  tree, and distroconfig every *.yaml below it
#
# Distribution processes (k3s, rke2, k0s, kubelite) are recorded as
# "proc supervisor:NAME"; when k3s runs, the newest line it logged for each
# embedded component ("Running kube-apiserver --flag ...", the only record
# of an embedded component's arguments) is read from its journal (through
# the host's journalctl, HARDEN_JOURNAL=0 disables it) or its log file and
# printed as a "logline COMPONENT SOURCE" record with the arguments.
#
# Output: a header line, records "TYPE FIELD...", a trailer "#end N" where N
# counts the records, so that a truncated log is detected. Paths are always
# the last field. Anything printed to stderr or not a known record becomes a
# "warn" record. The parser is pkg/evidence/parse.go; keep both in sync.
#
# Secrets never leave the node: private keys, kubeconfigs and token files are
# only stat-ed; certificate files are filtered to CERTIFICATE blocks; config
# files that look like they hold credentials are refused; only ETCD_*
# variables of etcd's environment are read and values of those whose name
# says KEY/PASSWORD/TOKEN/SECRET (except *_KEY_FILE) are redacted; command
# line values of flags whose name ends in password, secret or token are
# redacted unless they are true/false (--enable-bootstrap-token-auth=true
# stays readable); user:password@ in URLs of arguments and etcd variables is
# redacted too.

H=${HARDEN_HOST:-/host}
P=${HARDEN_PROC:-/proc}
MAXF=${HARDEN_MAX_FILE:-262144}
MAXT=${HARDEN_MAX_TOTAL:-4194304}
MAXTREE=${HARDEN_MAX_TREE:-2000}
JOURNAL=${HARDEN_JOURNAL:-1}
MAXLOGLINES=${HARDEN_MAX_LOG_LINES:-500000}
LOGTAIL=${HARDEN_LOG_TAIL:-20000}
NL='
'
SEEN=$NL

if command -v base64 >/dev/null 2>&1; then
	b64() { base64; }
else
	b64() { uuencode -m - | sed '1d;$d'; }
fi
b64line() { b64 | tr -d '\n'; }

seen() { # seen KEY: true if KEY was handled before, else remember it
	case $SEEN in *"$NL$1$NL"*) return 0 ;; esac
	SEEN=$SEEN$1$NL
	return 1
}

# resolve ROOT PATH: print the path (inside ROOT) that PATH names on the
# host, resolving every symlink the way the host kernel would: component by
# component, intermediate and final links, relative targets against the
# link's directory and absolute targets against ROOT (never against this
# container's root, which is what readlink -f would do). ".." stops at ROOT,
# so nothing escapes it. At most 40 links are followed (Linux's limit):
# beyond that it prints the path reached and returns 1 (a loop).
resolve() {
	rs_todo=$2
	rs_done=
	rs_n=0
	while :; do
		while :; do
			case $rs_todo in /*) rs_todo=${rs_todo#/} ;; *) break ;; esac
		done
		[ -n "$rs_todo" ] || break
		rs_c=${rs_todo%%/*}
		case $rs_todo in */*) rs_todo=${rs_todo#*/} ;; *) rs_todo= ;; esac
		case $rs_c in
		.) continue ;;
		..)
			rs_done=${rs_done%/*}
			continue
			;;
		esac
		if [ -L "$1$rs_done/$rs_c" ]; then
			rs_n=$((rs_n + 1))
			if [ $rs_n -gt 40 ]; then
				printf '%s\n' "$rs_done/$rs_c"
				return 1
			fi
			rs_t=$(readlink "$1$rs_done/$rs_c") || rs_t=
			case $rs_t in /*) rs_done= ;; esac
			rs_todo=$rs_t/$rs_todo
		else
			rs_done=$rs_done/$rs_c
		fi
	done
	printf '%s\n' "${rs_done:-/}"
}

# statp ROOT VIA PATH: print a file/missing record; sets Q to the path
# (inside ROOT) of the resolved target. Returns 1 when absent. The mode and
# owner are the target's; a "target" record follows when PATH went through
# a symlink (at any component). A dangling link is reported as itself
# (type symlink) with the target it names.
statp() {
	if ! Q=$(resolve "$1" "$3"); then
		echo "staterr $2 $3"
		echo "warn $3: more than 40 symbolic links (a loop): not evaluated"
		return 1
	fi
	if [ ! -e "$1$Q" ]; then
		lp=$(resolve "$1" "${3%/*}")
		lp=${lp%/}/${3##*/}
		if [ "$lp" != "$Q" ] && [ -L "$1$lp" ]; then
			s=$(stat -c '%f %u %g %s' "$1$lp" 2>/dev/null) && echo "file $s $2 $3" && echo "target $Q"
		else
			echo "missing $2 $3"
		fi
		return 1
	fi
	if ! s=$(stat -c '%f %u %g %s' "$1$Q" 2>/dev/null); then
		echo "staterr $2 $3"
		return 1
	fi
	echo "file $s $2 $3"
	[ "$Q" = "$3" ] || echo "target $Q"
	return 0
}

do_stat() { seen "s $2 $3" || statp "$1" "$2" "$3"; }

toobig() { # toobig FILE: warn when FILE exceeds the per-file bound
	sz=$(stat -c %s "$1" 2>/dev/null) || return 0
	[ "$sz" -gt "$MAXF" ] && echo "warn file $2 is $sz bytes; only the first $MAXF were read"
	return 0
}

# regular_file KEY ROOT VIA PATH: true the first time a record of kind KEY
# is asked for PATH when PATH is a regular file (its stat record written,
# $Q its resolved path).
regular_file() {
	seen "$1 $3 $4" && return 1
	statp "$2" "$3" "$4" || return 1
	[ -f "$2$Q" ]
}

# begin KEY RECORD ROOT VIA PATH: the header of a RECORD for PATH when
# regular_file KEY holds, with a warning when the file is larger than the
# bound; false when the file is not to be read.
begin() {
	regular_file "$1" "$3" "$4" "$5" || return 1
	toobig "$3$Q" "$5"
	echo "$2 $4 $5"
}

do_config() {
	regular_file c "$1" "$2" "$3" || return 0
	if head -c "$MAXF" "$1$Q" | grep -qiE 'PRIVATE KEY|client-key-data|client-certificate-data|(^|[[:space:]{,"])(token|password|secret|bearerToken)"?[[:space:]]*:'; then
		echo "warn config $3 looks like it holds credentials; its content was not collected"
		return 0
	fi
	toobig "$1$Q" "$3"
	echo "config $2 $3"
	head -c "$MAXF" "$1$Q" | b64 | sed 's/^/data /'
	echo end
}

do_cert() {
	begin x cert "$1" "$2" "$3" || return 0
	head -c "$MAXF" "$1$Q" | awk '
		{ sub(/\r$/, "") }
		$0 == "-----BEGIN CERTIFICATE-----" { inb = 1; print "pem " $0; next }
		$0 == "-----END CERTIFICATE-----" { if (inb) print "pem " $0; inb = 0; next }
		inb && /^[A-Za-z0-9+\/=]+$/ { print "pem " $0 }'
	echo end
}

# do_encryption ROOT VIA PATH: provider names only, in order of appearance.
do_encryption() {
	regular_file e "$1" "$2" "$3" || return 0
	echo "encryption $2 $3"
	head -c "$MAXF" "$1$Q" | awk '{
		s = $0
		while (match(s, /(^|[^A-Za-z0-9_])"?(aescbc|aesgcm|secretbox|kms|identity)"?[ \t]*:/)) {
			m = substr(s, RSTART, RLENGTH)
			gsub(/[^a-z]/, "", m)
			print "provider " m
			s = substr(s, RSTART + RLENGTH)
		}
	}'
	echo end
}

# do_tree ROOT VIA DIR [certs|secrets]
do_tree() {
	seen "t $2 $3" && return 0
	statp "$1" "$2" "$3" || return 0
	tq=$Q
	[ -d "$1$tq" ] || return 0
	# Entries that are symlinks are resolved inside ROOT and reported with
	# their target's mode and owner (a "link" line from awk); a symlinked
	# subdirectory is stat-ed as its target but not walked (find -P).
	# "secrets": only the entries with a "secrets" directory in their path.
	if [ "$4" = secrets ]; then
		find "$1$tq/" -mindepth 1 -maxdepth 6 \( -path '*/secrets' -o -path '*/secrets/*' \) -exec stat -c '%f %u %g %s %n' {} + 2>/dev/null
	else
		find "$1$tq/" -mindepth 1 -maxdepth 6 -exec stat -c '%f %u %g %s %n' {} + 2>/dev/null
	fi |
		awk -v pre="$1$tq" -v real="$tq" -v dir="$3" -v via="$2" -v max="$MAXTREE" '
		match($0, /^[0-9a-f]+ [0-9]+ [0-9]+ [0-9]+ /) {
			p = substr($0, RLENGTH + 1)
			if (index(p, pre) != 1) next
			p = substr(p, length(pre) + 1)
			sub(/^\/+/, "/", p)
			if (++n > max) { if (n == max + 1) print "warn tree " dir " has more than " max " entries; the rest was not collected"; next }
			if ($1 ~ /^a[0-9a-f][0-9a-f][0-9a-f]$/) { print "link " dir p; next }
			print "file " substr($0, 1, RLENGTH) via " " dir p
			if (real != dir) print "target " real p
		}' | while IFS= read -r tl; do
		case $tl in
		"link "*) statp "$1" "$2" "${tl#link }" ;;
		*) printf '%s\n' "$tl" ;;
		esac
	done
	[ "$4" = certs ] || return 0
	crts=$(find "$1$tq/" -maxdepth 6 \( -type f -o -type l \) -name '*.crt' 2>/dev/null | head -n "$MAXTREE")
	while IFS= read -r f; do
		[ -n "$f" ] || continue
		f=${f#"$1$tq"}
		do_cert "$1" "$2" "$3/${f#/}"
	done <<CRTS
$crts
CRTS
}

# do_dropins ROOT VIA DIR: the kubelet reads every non-directory entry
# named *.conf below its --config-dir, recursively, without following
# symlinked directories (filepath.WalkDir); collect each as a kubelet config
# (and the files it names: relative paths stay relative to the kubelet's
# working directory, $cwd, as the kubelet does not resolve them).
do_dropins() {
	do_tree "$1" "$2" "$3"
	dq=$(resolve "$1" "$3")
	[ -d "$1$dq" ] || return 0
	confs=$(find "$1$dq/" -mindepth 1 -maxdepth 6 ! -type d -name '*.conf' 2>/dev/null | sort | head -n "$MAXTREE")
	while IFS= read -r f; do
		[ -n "$f" ] || continue
		f=${f#"$1$dq"}
		do_config "$1" "$2" "${3%/}/${f#/}"
		config_refs "$1" "$2" "${3%/}/${f#/}" "${cwd:-/}"
	done <<CONFS
$confs
CONFS
}

# do_envfile ROOT VIA PATH: an EnvironmentFile of the kubelet's unit, as a
# config record holding only its NAME=VALUE lines; the value of a name that
# says KEY/PASSWORD/TOKEN/SECRET is redacted, and so is the value of every
# --*password/secret/token flag inside a value.
do_envfile() {
	begin v config "$1" "$2" "$3" || return 0
	head -c "$MAXF" "$1$Q" | awk '
		{ sub(/\r$/, ""); sub(/^[ \t]*export[ \t]+/, "") }
		!match($0, /^[A-Za-z_][A-Za-z0-9_]*=/) { next }
		{
			n = substr($0, 1, RLENGTH - 1); v = substr($0, RLENGTH + 1)
			if (toupper(n) ~ /KEY|PASSWORD|TOKEN|SECRET/) { print n "=<redacted>"; next }
			gsub(/:\/\/[^\/@:]+:[^\/@]+@/, "://<redacted>@", v)
			out = ""
			while (match(v, /--?[A-Za-z0-9-]*([Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]|[Ss][Ee][Cc][Rr][Ee][Tt]|[Tt][Oo][Kk][Ee][Nn])[= ][^ "\047]*/)) {
				rs = RSTART; rl = RLENGTH
				m = substr(v, rs, rl)
				sep = match(m, /[= ]/)
				out = out substr(v, 1, rs - 1) substr(m, 1, sep) "<redacted>"
				v = substr(v, rs + rl)
			}
			print n "=" out v
		}' | b64 | sed 's/^/data /'
	echo end
}

# do_distroconfig ROOT VIA PATH: a k3s/RKE2 config file (YAML), as a config
# record holding only its top-level keys that pass component arguments
# (*-arg) or harden the node, with their list items; every other key (the
# join token, datastore credentials, ...) is left out, and the value of a
# secret-looking flag inside an argument is redacted.
do_distroconfig() {
	begin d config "$1" "$2" "$3" || return 0
	head -c "$MAXF" "$1$Q" | awk '
		{ sub(/\r$/, "") }
		/^#/ || /^---/ { next }
		/^[A-Za-z0-9_"\047+-]+[ \t]*:/ {
			k = $0; sub(/[ \t]*:.*/, "", k); gsub(/["\047]/, "", k); sub(/\+$/, "", k)
			keep = (k ~ /-arg$/ || k ~ /^(protect-kernel-defaults|secrets-encryption|profile|selinux|write-kubeconfig-mode|cluster-init|disable-apiserver|disable-controller-manager|disable-scheduler|disable-etcd|disable-agent|disable-kube-proxy|kubelet-path)$/)
		}
		!keep { next }
		{
			v = $0; out = ""
			while (match(v, /([Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]|[Ss][Ee][Cc][Rr][Ee][Tt]|[Tt][Oo][Kk][Ee][Nn])[=:][ \t]*[^] "\047,]+/)) {
				rs = RSTART; rl = RLENGTH
				m = substr(v, rs, rl)
				sep = match(m, /[=:]/)
				out = out substr(v, 1, rs - 1) substr(m, 1, sep) "<redacted>"
				v = substr(v, rs + rl)
			}
			print out v
		}' | b64 | sed 's/^/data /'
	echo end
}

# do_distroconfigdir ROOT VIA DIR: k3s and RKE2 read DIR/*.yaml after
# config.yaml, in lexical order.
do_distroconfigdir() {
	do_tree "$1" "$2" "$3"
	dq=$(resolve "$1" "$3")
	[ -d "$1$dq" ] || return 0
	for f in "$1$dq"/*.yaml "$1$dq"/*.yml; do
		[ -f "$f" ] || continue
		do_distroconfig "$1" "$2" "${3%/}/${f##*/}"
	done
}

# loglines SOURCE: stdin is a k3s log, newest line first; print a logline
# record with the arguments of the first (newest) "Running COMPONENT" line
# of each component, up to the newest "Starting k3s" line (the start of the
# running k3s: older lines are of earlier runs).
loglines() {
	awk -v max="$MAXLOGLINES" '
		++n > max { exit }
		{
			for (i = 1; i <= 5; i++) {
				c = comps[i]
				p = index($0, "Running " c " ")
				if (p == 0 || (c in got)) continue
				got[c] = 1
				m = substr($0, p + 9 + length(c))
				sub(/"[ \t]*$/, "", m)
				gsub(/\\"/, "\"", m)
				print c "\t" m
			}
			if (index($0, "Starting k3s ") > 0) exit
		}
		BEGIN { split("kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy", comps, " ") }' |
		while IFS='	' read -r lc lm; do
			[ -n "$lc" ] || continue
			echo "logline $lc $1"
			ARGS=$( (set -f; printf '%s\n' "$lc" $lm) | redact_args)
			printf '%s\n' "$ARGS" | tr '\n' '\0' | b64 | sed 's/^/argv /'
			# The files the embedded component's flags name, on the host.
			R=$H VIA=host cwd=/ ENVS=
			do_flagfiles "$lc"
		done
}

# k3s_logs: the embedded components' arguments of a running k3s, from its
# log file when it writes one (OpenRC installs, --log), else its journal
# through the host's journalctl (the journal's files are not text).
k3s_logs() {
	for lf in /var/log/k3s.log /var/log/k3s-agent.log; do
		[ -f "$H$lf" ] || continue
		tail -n "$LOGTAIL" "$H$lf" 2>/dev/null | awk '{ l[NR] = $0 } END { for (i = NR; i > 0; i--) print l[i] }' | loglines "file:$lf"
		return 0
	done
	[ "$JOURNAL" = 1 ] || {
		echo "warn k3s runs but its journal was not read (HARDEN_JOURNAL=0): its embedded components' arguments are not established"
		return 0
	}
	for jc in /usr/bin/journalctl /bin/journalctl; do
		[ -x "$H$jc" ] || continue
		out=$(chroot "$H" "$jc" -q -r -o cat --no-pager -u k3s -u k3s-agent 2>/dev/null | loglines "journal:k3s.service,k3s-agent.service")
		if [ -n "$out" ]; then
			printf '%s\n' "$out"
		else
			echo "warn k3s runs but no \"Running <component>\" line was read from its journal (journalctl -u k3s -u k3s-agent): its embedded components' arguments are not established"
		fi
		return 0
	done
	echo "warn k3s runs but neither a k3s log file nor the host's journalctl was found: its embedded components' arguments are not established"
}

do_target() { # do_target ROOT VIA KIND PATH
	case $3 in
	stat) do_stat "$1" "$2" "$4" ;;
	config) do_config "$1" "$2" "$4" ;;
	cert) do_cert "$1" "$2" "$4" ;;
	tree) do_tree "$1" "$2" "$4" ;;
	certtree) do_tree "$1" "$2" "$4" certs ;;
	secretstree) do_tree "$1" "$2" "$4" secrets ;;
	encryption) do_encryption "$1" "$2" "$4" ;;
	kubeletconfig)
		do_config "$1" "$2" "$4"
		config_refs "$1" "$2" "$4"
		;;
	kubeletdropins) do_dropins "$1" "$2" "$4" ;;
	envfile) do_envfile "$1" "$2" "$4" ;;
	distroconfig) do_distroconfig "$1" "$2" "$4" ;;
	distroconfigdir) do_distroconfigdir "$1" "$2" "$4" ;;
	proxyconfig)
		do_config "$1" "$2" "$4"
		v=$(confval "$1$(resolve "$1" "$4")" kubeconfig)
		[ -z "$v" ] || do_stat "$1" "$2" "$(absol "${4%/*}" "$v")"
		;;
	*) echo "warn unknown target kind $3" ;;
	esac
}

# flagval NAME: last value of --NAME in $ARGS (newline-separated argv).
flagval() {
	printf '%s\n' "$ARGS" | awk -v n="$1" '
		NR == 1 { next }
		want { want = 0; if ($0 !~ /^-/) { v = $0; f = 1; next } }
		{ a = $0; sub(/^--?/, "", a) }
		index(a, n "=") == 1 { v = substr(a, length(n) + 2); f = 1; next }
		a == n { want = 1 }
		END { if (f) print v; else exit 1 }'
}

# envval NAME: value of NAME in $ENVS (filtered etcd environment).
envval() {
	printf '%s\n' "$ENVS" | awk -v n="$1" 'index($0, n "=") == 1 { v = substr($0, length(n) + 2); f = 1 } END { if (f) print v; else exit 1 }'
}

# confval FILE KEY: value of a scalar KEY in a YAML or JSON config file
# (JSON may hold several keys on one line, as a one-line config.json does).
confval() {
	head -c "$MAXF" "$1" 2>/dev/null | awk -v k="$2" '
		{ if (match($0, "(^|[{,])[ \t]*\"?" k "\"?[ \t]*:[ \t]*")) {
			v = substr($0, RSTART + RLENGTH)
			if (substr(v, 1, 1) == "\"") {
				v = substr(v, 2); sub(/".*$/, "", v)
			} else {
				sub(/[ \t]+#.*$/, "", v); sub(/[,}].*$/, "", v); sub(/[ \t]*$/, "", v)
				gsub(/^\047|\047$/, "", v)
			}
			if (v != "") { print v; exit }
		} }'
}

absol() { # absol BASE VALUE: make VALUE absolute against directory BASE
	case $2 in
	/*) printf '%s\n' "$2" ;;
	*) printf '%s/%s\n' "${1%/}" "$2" ;;
	esac
}

# component flags whose files are collected, as FLAG:KIND, from the lines
# "COMPONENT FLAG:KIND..." of $HARDEN_TARGET_FLAGS (rendered from
# evidence.FlagFiles by debugpod.FlagTargets).
flags_for() {
	printf '%s\n' "$HARDEN_TARGET_FLAGS" | awk -v c="$1" '$1 == c { for (i = 2; i <= NF; i++) print $i }'
}

# component NAME from argv[0] (and argv[1] for hyperkube); empty if none.
component() {
	b=${1##*/}
	case $b in
	hyperkube) b=${2##*/} ;;
	esac
	case $b in
	kube-apiserver | apiserver) echo kube-apiserver ;;
	kube-controller-manager | controller-manager) echo kube-controller-manager ;;
	kube-scheduler | scheduler) echo kube-scheduler ;;
	etcd) echo etcd ;;
	kubelet) echo kubelet ;;
	kube-proxy | proxy) echo kube-proxy ;;
	esac
}

redact_args() {
	awk '
	function secret(n) { n = tolower(n); return n ~ /(password|secret|token)$/ }
	{ gsub(/:\/\/[^\/@:]+:[^\/@]+@/, "://<redacted>@") }
	next_secret { next_secret = 0; if ($0 !~ /^-/) { print "<redacted>"; next } }
	/^-/ {
		a = $0; sub(/^--?/, "", a)
		if (index(a, "=") > 0) {
			k = substr(a, 1, index(a, "=") - 1)
			v = tolower(substr(a, index(a, "=") + 1))
			if (secret(k) && v != "true" && v != "false") { print substr($0, 1, index($0, "=")) "<redacted>"; next }
		} else if (secret(a)) next_secret = 1
	}
	{ print }'
}

do_proc() { # do_proc PIDDIR COMPONENT
	d=$1
	pid=${d##*/}
	hr=$(stat -L -c '%d:%i' "$H/" 2>/dev/null)
	pr=$(stat -L -c '%d:%i' "$d/root/" 2>/dev/null)
	if [ -z "$pr" ]; then
		R=$H VIA=host rk=unknown
	elif [ "$pr" = "$hr" ]; then
		R=$H VIA=host rk=host
	else
		R=$d/root VIA=proc:$pid rk=container
	fi
	echo "proc $2 $pid $rk"
	printf '%s\n' "$ARGS" | tr '\n' '\0' | b64 | sed 's/^/argv /'
	ENVS=
	if [ "$2" = etcd ]; then
		ENVS=$(tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -E '^ETCD_[A-Z0-9_]*=')
		printf '%s\n' "$ENVS" | while IFS= read -r e; do
			[ -n "$e" ] || continue
			k=${e%%=*}
			v=${e#*=}
			case $k in
			*_KEY_FILE) ;;
			*KEY* | *PASSWORD* | *TOKEN* | *SECRET*)
				echo "env $k -"
				continue
				;;
			esac
			v=$(printf '%s\n' "$v" | sed 's#://[^/@:]*:[^/@]*@#://<redacted>@#g')
			echo "env $k $(printf '%s' "$v" | b64line)"
		done
	fi
	cwd=$(readlink "$d/cwd" 2>/dev/null)
	[ -n "$cwd" ] || cwd=/
	do_flagfiles "$2"
}

# do_flagfiles COMPONENT: collect the files the component's flags in $ARGS
# name, inside root $R (read as $VIA), relative to $cwd.
do_flagfiles() {
	for fk in $(flags_for "$1"); do
		f=${fk%%:*}
		k=${fk#*:}
		v=$(flagval "$f") || v=
		if [ -z "$v" ] && [ "$1" = etcd ]; then
			v=$(envval "ETCD_$(echo "$f" | tr 'a-z-' 'A-Z_')") || v=
		fi
		[ -n "$v" ] && [ "$v" != "-" ] || continue
		v=$(absol "$cwd" "$v")
		do_target "$R" "$VIA" "$k" "$v"
	done
}

# config_refs ROOT VIA FILE [BASE]: files named by a kubelet config file
# (relative paths are relative to BASE, by default the file's directory, as
# the kubelet reads its main --config file).
config_refs() {
	cf=$1$(resolve "$1" "$3")
	[ -f "$cf" ] || return 0
	for ck in clientCAFile:cert tlsCertFile:cert tlsPrivateKeyFile:stat staticPodPath:tree; do
		v=$(confval "$cf" "${ck%%:*}")
		[ -n "$v" ] || continue
		do_target "$1" "$2" "${ck#*:}" "$(absol "${4:-${3%/*}}" "$v")"
	done
}

main() {
	echo "time $(date +%s)"
	# host targets first: when a path is also seen through a process root,
	# the host's record is the one kept.
	for a in "$@"; do
		do_target "$H" host "${a%%:*}" "${a#*:}"
	done
	for d in "$P"/[0-9]*; do
		[ -r "$d/cmdline" ] || continue
		c=
		read -r c <"$d/comm" 2>/dev/null
		case $c in kube* | etcd* | hyperkube* | apiserver | scheduler | controller-* | proxy | k3s* | rke2 | k0s) ;; *) continue ;; esac
		ARGS=$(tr '\0' '\n' <"$d/cmdline" 2>/dev/null | redact_args)
		[ -n "$ARGS" ] || continue
		sup=
		case $c in
		k3s*) sup=k3s ;;
		rke2) sup=rke2 ;;
		k0s) sup=k0s ;;
		kubelite) sup=kubelite ;;
		esac
		if [ -n "$sup" ]; then
			seen "sup $sup" && continue
			echo "proc supervisor:$sup ${d##*/} host"
			printf '%s\n' "$ARGS" | tr '\n' '\0' | b64 | sed 's/^/argv /'
			[ "$sup" = k3s ] && K3S=1
			continue
		fi
		a0=${ARGS%%"$NL"*}
		rest=${ARGS#*"$NL"}
		a1=${rest%%"$NL"*}
		comp=$(component "$a0" "$a1")
		[ -n "$comp" ] || continue
		do_proc "$d" "$comp"
	done
	[ -z "$K3S" ] || k3s_logs
	awk -F: '$1 ~ /^[A-Za-z0-9._-]+$/ && $3 ~ /^[0-9]+$/ { print "user " $3 " " $1 }' "$H/etc/passwd" 2>/dev/null
	awk -F: '$1 ~ /^[A-Za-z0-9._-]+$/ && $3 ~ /^[0-9]+$/ { print "group " $3 " " $1 }' "$H/etc/group" 2>/dev/null
	[ -r "$H/etc/passwd" ] || echo "warn host /etc/passwd is not readable; owners are numeric only"
}

main "$@" 2>&1 | awk -v max="$MAXT" '
	BEGIN { print "#kubectl-harden-evidence v1" }
	{
		if (done) next
		t = $1
		if (t !~ /^(time|proc|argv|env|file|target|missing|staterr|config|data|cert|pem|encryption|provider|end|user|group|warn|logline)$/) $0 = "warn stderr: " $0
		if (bytes + length($0) + 1 > max) { print "truncated " bytes; n++; done = 1; next }
		bytes += length($0) + 1
		print
		n++
	}
	END { print "#end " n }'
