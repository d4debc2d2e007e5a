package fix

import (
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
)

//go:embed script_lib.sh
var scriptLib string

// podOrder changes etcd first and the API server before its clients, one
// at a time, each waited for.
var podOrder = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"}

// nodeChanges are the changes of one node, de-duplicated and grouped.
type nodeChanges struct {
	files    []Change            // chmod, chown, write-file
	pods     map[string][]Change // by component
	manifest map[string]string
	kubelet  []Change // kubelet-setting
}

// components are the static pods the changes edit, in podOrder.
func (nc nodeChanges) components() []string {
	var out []string
	for _, comp := range podOrder {
		if _, ok := nc.pods[comp]; ok {
			out = append(out, comp)
		}
	}
	return out
}

func collect(items []Item) nodeChanges {
	nc := nodeChanges{pods: map[string][]Change{}, manifest: map[string]string{}}
	seen := map[string]bool{}
	for _, it := range items {
		if it.Fix.Disposition != Fixed {
			continue
		}
		for _, c := range it.Fix.Changes {
			k := fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s", c.Kind, c.Component, c.Flag, c.Value, c.Key, c.Path, c.Volume)
			if seen[k] {
				continue
			}
			seen[k] = true
			switch c.Kind {
			case SetFlag, AddToFlagList, Mount:
				nc.pods[c.Component] = append(nc.pods[c.Component], c)
				nc.manifest[c.Component] = c.Manifest
			case KubeletSetting:
				nc.kubelet = append(nc.kubelet, c)
			default:
				nc.files = append(nc.files, c)
			}
		}
	}
	// Files other changes reference come first (an audit policy before the
	// flag that names it); mode and owner fixes after them.
	sort.SliceStable(nc.files, func(i, j int) bool {
		return nc.files[i].Kind == WriteFile && nc.files[j].Kind != WriteFile
	})
	return nc
}

// q quotes a word for sh: in single quotes, each single quote inside
// closed, escaped and reopened.
func q(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// header starts both scripts.
func header(name, node, source, what string) string {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	// The node name and the report's source end up in a comment: a line
	// break in them would start a line of code (a report's source is an
	// evidence file's path, which may hold one).
	fmt.Fprintf(&b, "# %s for node %s, written by kubectl-harden fix", name, safetext.Inert(node))
	if source != "" {
		fmt.Fprintf(&b, " from %s", safetext.Inert(source))
	}
	b.WriteString(".\n")
	b.WriteString(what)
	b.WriteString("KH_SCRIPT=" + name + "\n")
	b.WriteString(scriptLib)
	b.WriteString("\n[ \"$(id -u)\" = 0 ] || kh_die \"run as root on the node\"\n")
	return b.String()
}

// applyScript renders a node's apply.sh.
func applyScript(node, source string, nc nodeChanges) string {
	var b strings.Builder
	b.WriteString(header("apply.sh", node, source, `# Run as root on that node. It is idempotent: a second run changes nothing.
# Every file it changes is backed up first (content, mode, owner) under
# $KH_BACKUP; rollback.sh restores them. Static pod manifests are edited in
# place (the kubelet restarts the static pod by itself, and the script waits
# for it); the kubelet is restarted only when its configuration changed.
`))
	b.WriteString("\n# Preconditions, checked before anything changes.\n")
	for _, comp := range nc.components() {
		m := nc.manifest[comp]
		fmt.Fprintf(&b, "[ -f %s ] || kh_die %s\n", q(m), q(m+" does not exist: nothing was changed"))
		fmt.Fprintf(&b, "grep -q %s %s || kh_die %s\n", q("^ *- "+comp+"$"), q(m), q(m+" has no '- "+comp+"' command line this plan can edit: nothing was changed"))
		mounts := false
		for _, c := range nc.pods[comp] {
			if c.Guard {
				fmt.Fprintf(&b, "kh_guard %s %s %s\n", q(m), q(c.Flag), q(c.Value))
			}
			mounts = mounts || c.Kind == Mount
		}
		if mounts {
			fmt.Fprintf(&b, "grep -q '^ *volumeMounts:$' %s && grep -q '^ *volumes:$' %s || kh_die %s\n", q(m), q(m), q(m+" has no volumeMounts/volumes lists to add the plan's mounts to: nothing was changed"))
		}
	}
	for _, c := range nc.kubelet {
		if !strings.HasSuffix(c.Path, "/"+dropInName) {
			fmt.Fprintf(&b, "[ -f %s ] || kh_die %s\n", q(c.Path), q(c.Path+" does not exist: nothing was changed"))
		}
	}
	owners := map[string]bool{}
	for _, c := range nc.files {
		if c.Kind == Chown && !owners[c.User+":"+c.Group] {
			owners[c.User+":"+c.Group] = true
			fmt.Fprintf(&b, "id -u %s > /dev/null 2>&1 || kh_die %s\n", q(c.User), q("no user "+c.User+" on this host: nothing was changed"))
			fmt.Fprintf(&b, "grep -q %s /etc/group || kh_die %s\n", q("^"+c.Group+":"), q("no group "+c.Group+" on this host: nothing was changed"))
		}
	}
	if len(nc.files) > 0 {
		b.WriteString("\n# Files.\n")
	}
	for _, c := range nc.files {
		switch c.Kind {
		case Chmod:
			fmt.Fprintf(&b, "kh_chmod %s %04o\n", q(c.Path), c.Mode)
		case Chown:
			fmt.Fprintf(&b, "kh_chown %s %s %s\n", q(c.Path), q(c.User), q(c.Group))
		case WriteFile:
			fmt.Fprintf(&b, "kh_write %s %04o <<'KH_EOF'\n%sKH_EOF\n", q(c.Path), c.Mode, c.Content)
		}
	}
	for _, comp := range nc.components() {
		cs := nc.pods[comp]
		fmt.Fprintf(&b, "\n# Static pod %s.\n", comp)
		fmt.Fprintf(&b, "kh_pod_begin %s %s\n", q(nc.manifest[comp]), q(comp))
		for _, c := range cs {
			switch c.Kind {
			case Mount:
				fmt.Fprintf(&b, "kh_mount %s %s %s %s %t\n", q(c.Volume), q(c.Path), q(c.MountPath), q(c.HostPathType), c.ReadOnly)
			case SetFlag:
				fmt.Fprintf(&b, "kh_set %s %s\n", q(c.Flag), q(c.Value))
			case AddToFlagList:
				fmt.Fprintf(&b, "kh_add %s %s\n", q(c.Flag), q(c.Value))
			}
		}
		b.WriteString("kh_pod_commit\n")
	}
	if len(nc.kubelet) > 0 {
		b.WriteString("\n# Kubelet configuration.\n")
		if dropIn := dropInChanges(nc.kubelet); dropIn != "" {
			fmt.Fprintf(&b, "kh_write %s 0600 <<'KH_EOF'\n%sKH_EOF\n", q(dropInPath(nc.kubelet)), dropIn)
			b.WriteString("if [ \"$KH_WRITTEN\" = 1 ]; then KH_KUBELET_CHANGED=1; fi\n")
		}
		for _, c := range nc.kubelet {
			if !strings.HasSuffix(c.Path, "/"+dropInName) {
				fmt.Fprintf(&b, "kh_kubelet %s %s %s\n", q(c.Key), q(c.Value), q(c.Path))
			}
		}
		b.WriteString("kh_kubelet_restart\n")
	}
	b.WriteString("\nkh_say \"done: $KH_CHANGES change(s)\"\n")
	return b.String()
}

func dropInPath(cs []Change) string {
	for _, c := range cs {
		if strings.HasSuffix(c.Path, "/"+dropInName) {
			return c.Path
		}
	}
	return ""
}

// dropInChanges renders the kubelet drop-in: a KubeletConfiguration with
// every key the plan sets, nested as the kubelet reads it.
func dropInChanges(cs []Change) string {
	type node struct {
		keys []string
		kids map[string]*node
		val  map[string]string
	}
	root := &node{kids: map[string]*node{}, val: map[string]string{}}
	n := 0
	for _, c := range cs {
		if !strings.HasSuffix(c.Path, "/"+dropInName) {
			continue
		}
		n++
		parts := strings.Split(c.Key, ".")
		cur := root
		for _, p := range parts[:len(parts)-1] {
			k, ok := cur.kids[p]
			if !ok {
				k = &node{kids: map[string]*node{}, val: map[string]string{}}
				cur.kids[p] = k
				cur.keys = append(cur.keys, p)
			}
			cur = k
		}
		last := parts[len(parts)-1]
		if _, ok := cur.val[last]; !ok {
			cur.keys = append(cur.keys, last)
		}
		cur.val[last] = c.Value
	}
	if n == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("# Written by kubectl-harden fix.\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n")
	var walk func(*node, string)
	walk = func(nd *node, ind string) {
		keys := append([]string(nil), nd.keys...)
		sort.Strings(keys)
		for _, k := range keys {
			if v, ok := nd.val[k]; ok {
				fmt.Fprintf(&b, "%s%s: %s\n", ind, k, v)
			} else {
				fmt.Fprintf(&b, "%s%s:\n", ind, k)
				walk(nd.kids[k], ind+"  ")
			}
		}
	}
	walk(root, "")
	return b.String()
}

// rollbackScript renders a node's rollback.sh: every file apply.sh may
// change, restored from its backup; static pods first (so no component is
// left referencing a removed file), waited for; the kubelet last.
func rollbackScript(node, source string, nc nodeChanges) string {
	var b strings.Builder
	b.WriteString(header("rollback.sh", node, source, `# Run as root on that node after apply.sh: it restores every file apply.sh
# changed (content, mode, owner) from the backups under $KH_BACKUP, waits for
# the static pods it restored and restarts the kubelet if its configuration
# was restored. It is idempotent.
`))
	b.WriteString("[ -d \"$KH_BACKUP/files\" ] || { kh_say \"no backup under $KH_BACKUP: nothing to restore\"; exit 0; }\n")
	for _, comp := range nc.components() {
		m := nc.manifest[comp]
		fmt.Fprintf(&b, "\nold=$(kh_cid %s)\nkh_restore %s\n", q(comp), q(m))
		fmt.Fprintf(&b, "if [ \"$KH_RESTORED\" = 1 ]; then kh_wait %s \"$old\" \"$(kh_health %s %s)\"; fi\n", q(comp), q(comp), q(m))
	}
	// Then every other file: written ones, mode and owner changes, the
	// kubelet's configuration (whose restore restarts the kubelet).
	kubeletFile := map[string]bool{}
	var paths []string
	for _, c := range nc.kubelet {
		kubeletFile[c.Path] = true
	}
	for _, c := range append(append([]Change(nil), nc.files...), nc.kubelet...) {
		if !slices.Contains(paths, c.Path) {
			paths = append(paths, c.Path)
		}
	}
	if len(paths) > 0 {
		b.WriteString("\n")
	}
	for _, p := range paths {
		fmt.Fprintf(&b, "kh_restore %s\n", q(p))
		if kubeletFile[p] {
			b.WriteString("if [ \"$KH_RESTORED\" = 1 ]; then KH_KUBELET_CHANGED=1; fi\n")
		}
	}
	b.WriteString("kh_kubelet_restart\n")
	b.WriteString("\n# The backups are kept aside: a new apply.sh starts a new backup.\nmv \"$KH_BACKUP\" \"$KH_BACKUP.restored.$(date +%Y%m%d%H%M%S)\"\n")
	b.WriteString("kh_say \"done: $KH_CHANGES file(s) restored\"\n")
	return b.String()
}
