package fix

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// Files renders the plan directory: path (relative, slash-separated) to
// content. Scripts are the files whose name ends in .sh.
func (p *Plan) Files() map[string]string {
	out := map[string]string{}
	byNode := map[string][]Item{}
	var nodes []string
	for _, it := range p.Items {
		if it.TargetKind != report.TargetNode {
			continue
		}
		if _, ok := byNode[it.Target]; !ok {
			nodes = append(nodes, it.Target)
		}
		byNode[it.Target] = append(byNode[it.Target], it)
	}
	sort.Strings(nodes)
	for _, n := range nodes {
		if !safeName.MatchString(n) {
			continue // a node name is a DNS subdomain: anything else is not written as a path
		}
		nc := collect(byNode[n])
		if len(nc.files)+len(nc.pods)+len(nc.kubelet) == 0 {
			continue
		}
		dir := path.Join("nodes", n)
		out[dir+"/apply.sh"] = applyScript(n, p.Source, nc)
		out[dir+"/rollback.sh"] = rollbackScript(n, p.Source, nc)
	}
	for k, v := range p.durableFiles() {
		out[k] = v
	}
	for k, v := range p.Cluster {
		out[k] = v
	}
	out["PLAN.md"] = p.markdown(out)
	return out
}

// durableFiles are the sources that keep the fixes across a kubeadm
// upgrade or node join, or a distribution's restart.
func (p *Plan) durableFiles() map[string]string {
	out := map[string]string{}
	extra := map[string]map[string]string{} // ClusterConfiguration field -> flag -> value
	kubelet := map[string]string{}
	distro := map[string]map[string][]string{} // file -> key -> args
	eks := map[string]string{}
	openshift := map[string]string{}
	mounts := map[string][]Change{}
	lists := map[string]bool{}
	for _, it := range p.Items {
		for _, d := range it.Fix.Durable {
			if d.List {
				lists[d.Name] = true
			}
			switch {
			case strings.HasPrefix(d.Target, "kubeadm ClusterConfiguration "):
				f := strings.TrimSuffix(strings.TrimPrefix(d.Target, "kubeadm ClusterConfiguration "), ".extraArgs")
				if extra[f] == nil {
					extra[f] = map[string]string{}
				}
				if cur := extra[f][d.Name]; d.List && cur != "" && !slices.Contains(strings.Split(cur, ","), d.Value) {
					extra[f][d.Name] = cur + "," + d.Value
				} else if !d.List || cur == "" {
					extra[f][d.Name] = d.Value
				}
			case strings.HasPrefix(d.Target, "kubelet-config ConfigMap"):
				kubelet[d.Name] = d.Value
			case strings.HasPrefix(d.Target, "OpenShift KubeletConfig"):
				openshift[d.Name] = d.Value
			case strings.HasPrefix(d.Target, "nodeadm"):
				eks[d.Name] = d.Value
			case strings.HasPrefix(d.Target, "/etc/rancher/"):
				file, key, _ := strings.Cut(d.Target, " ")
				if distro[file] == nil {
					distro[file] = map[string][]string{}
				}
				merged := false
				for i, a := range distro[file][key] {
					if name, cur, _ := strings.Cut(a, "="); d.List && name == d.Name {
						if !slices.Contains(strings.Split(cur, ","), d.Value) {
							distro[file][key][i] = a + "," + d.Value
						}
						merged = true
					}
				}
				if !merged {
					distro[file][key] = appendUnique(distro[file][key], d.Name+"="+d.Value)
				}
			}
		}
		for _, c := range it.Fix.Changes {
			if c.Kind == Mount && it.Fix.Disposition == Fixed {
				if f, ok := clusterConfigField[c.Component]; ok && !containsVolume(mounts[f], c.Volume) {
					mounts[f] = append(mounts[f], c)
				}
			}
		}
	}
	if len(extra) > 0 {
		var b strings.Builder
		b.WriteString("# Merge into the ClusterConfiguration of the kubeadm-config ConfigMap\n# (kubectl -n kube-system edit configmap kubeadm-config), so that\n# `kubeadm upgrade` and new control-plane joins keep these flags.\n# kubeadm.k8s.io/v1beta4 format: extraArgs is a list of name/value.\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n")
		for _, f := range slices.Sorted(maps.Keys(extra)) {
			ind := ""
			if f == "etcd.local" {
				b.WriteString("etcd:\n  local:\n")
				ind = "    "
			} else {
				b.WriteString(f + ":\n")
				ind = "  "
			}
			b.WriteString(ind + "extraArgs:\n")
			for _, k := range slices.Sorted(maps.Keys(extra[f])) {
				if lists[k] {
					fmt.Fprintf(&b, "%s# add these to the list already there (kubeadm's own: NodeRestriction)\n", ind)
				}
				fmt.Fprintf(&b, "%s- name: %s\n%s  value: %q\n", ind, k, ind, extra[f][k])
			}
			if ms := mounts[f]; len(ms) > 0 {
				b.WriteString(ind + "extraVolumes:\n")
				for _, m := range ms {
					fmt.Fprintf(&b, "%s- name: %s\n%s  hostPath: %s\n%s  mountPath: %s\n%s  pathType: %s\n%s  readOnly: %t\n", ind, m.Volume, ind, m.Path, ind, m.MountPath, ind, m.HostPathType, ind, m.ReadOnly)
				}
			}
		}
		out["durable/kubeadm/clusterconfiguration.yaml"] = b.String()
	}
	// KubeletConfiguration keys, as each source that keeps them writes them.
	for _, d := range []struct {
		keys         map[string]string
		file, indent string
		head         string
	}{
		{kubelet, "durable/kubeadm/patches/kubeletconfiguration+strategic.yaml", "",
			"# kubeadm patch for the kubelet configuration: keep it beside the other\n# --patches files and pass `--patches DIR` to kubeadm init, join and\n# upgrade node. Add the same keys to the kubelet-config ConfigMap\n# (kubectl -n kube-system edit configmap kubelet-config, data.kubelet),\n# which kubeadm writes to every joining or upgraded node.\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"},
		{eks, "durable/eks/nodeconfig.yaml", "      ",
			"# Amazon EKS (AL2023): put this NodeConfig in the launch template's user\n# data so that every new node starts with these kubelet settings.\napiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n"},
		{openshift, "durable/openshift/kubeletconfig.yaml", "    ",
			"# OpenShift: the Machine Config Operator renders this into the pool's\n# kubelet configuration and reboots the pool's nodes one by one. Adjust the\n# pool selector (worker here; master for control-plane nodes).\napiVersion: machineconfiguration.openshift.io/v1\nkind: KubeletConfig\nmetadata:\n  name: kubectl-harden\nspec:\n  machineConfigPoolSelector:\n    matchLabels:\n      pools.operator.machineconfiguration.openshift.io/worker: \"\"\n  kubeletConfig:\n"},
	} {
		if len(d.keys) > 0 {
			out[d.file] = d.head + nested(d.keys, d.indent)
		}
	}
	for _, file := range slices.Sorted(maps.Keys(distro)) {
		var b strings.Builder
		fmt.Fprintf(&b, "# Add to %s on every server (and agent, for kubelet-arg), then\n# restart the service: the distribution writes its components' flags from it.\n", file)
		for _, k := range slices.Sorted(maps.Keys(distro[file])) {
			b.WriteString(k + ":\n")
			for _, a := range distro[file][k] {
				fmt.Fprintf(&b, "- %q\n", a)
			}
		}
		name := strings.Split(strings.TrimPrefix(file, "/etc/rancher/"), "/")[0]
		out["durable/"+name+"/config.yaml"] = b.String()
	}
	return out
}

func containsVolume(cs []Change, v string) bool {
	for _, c := range cs {
		if c.Volume == v {
			return true
		}
	}
	return false
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// nested renders dotted keys as nested YAML.
func nested(kv map[string]string, ind string) string {
	var cs []Change
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		cs = append(cs, Change{Key: k, Value: kv[k], Path: "/" + dropInName})
	}
	s := dropInChanges(cs)
	_, body, _ := strings.Cut(s, "kind: KubeletConfiguration\n")
	if ind == "" {
		return body
	}
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	for i := range lines {
		lines[i] = ind + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}

// md makes report text safe inside a Markdown table cell or line.
func md(s string) string {
	return strings.ReplaceAll(safetext.Inert(s), "|", `\|`)
}

// markdown renders PLAN.md.
func (p *Plan) markdown(files map[string]string) string {
	var b strings.Builder
	b.WriteString("# Remediation plan\n\n")
	if p.Source != "" {
		fmt.Fprintf(&b, "Made by `kubectl harden fix` from a report (source: %s)", md(p.Source))
	} else {
		b.WriteString("Made by `kubectl harden fix`")
	}
	fmt.Fprintf(&b, " (benchmark %s). Nothing has been changed: this directory is a plan to review.\n\n", md(p.Benchmark))
	count := map[Disposition]int{}
	for _, it := range p.Items {
		count[it.Fix.Disposition]++
	}
	fmt.Fprintf(&b, "%d finding(s): %d fixed by the plan, %d need a decision, %d manual, %d managed by the provider", len(p.Items), count[Fixed], count[Decision], count[Manual], count[Managed])
	if p.Accepted > 0 {
		fmt.Fprintf(&b, "; %d accepted by an exception (not fixed)", p.Accepted)
	}
	b.WriteString(".\n\n")
	if p.Platform != nil && p.Platform.Managed {
		fmt.Fprintf(&b, "The control plane is managed by %s: its settings have no user fix here (they are N/A in the report); set them through the provider where it offers a setting.\n\n", md(p.Platform.Provider))
	}

	b.WriteString("## How to apply\n\n")
	var nodeDirs []string
	for _, f := range slices.Sorted(maps.Keys(files)) {
		if strings.HasSuffix(f, "/apply.sh") {
			nodeDirs = append(nodeDirs, path.Dir(f))
		}
	}
	if len(nodeDirs) == 0 {
		b.WriteString("No node change: nothing to run on the nodes.\n\n")
	} else {
		b.WriteString("For each node, one at a time (control-plane nodes first), copy its directory to the node and run `sh apply.sh` as root there, or run `kubectl harden fix --from-report REPORT --apply node/NAME --yes`. Each script backs up every file it changes under /var/lib/kubectl-harden/backup; `sh rollback.sh` on the same node restores them.\n\n")
		for _, d := range nodeDirs {
			fmt.Fprintf(&b, "- `%s/apply.sh`, `%s/rollback.sh`\n", d, d)
		}
		b.WriteString("\n")
	}
	listFiles(&b, files, "durable/", "Durable sources (so that the next `kubeadm upgrade`, node join or service restart does not undo the fixes): apply them in the cluster's own configuration, after the node fixes:")
	listFiles(&b, files, "cluster/", "API objects (review, then `kubectl apply --server-side --field-manager kubectl-harden-fix -f FILE`; each .dryrun.txt holds the server dry run's result and warnings; cluster/decisions/ holds templates that need a decision first):")

	sections := []struct {
		d     Disposition
		title string
	}{
		{Fixed, "Fixed by this plan"},
		{Decision, "Needs a decision (not written: the fix can break the cluster or needs a choice)"},
		{Manual, "Cannot be fixed automatically"},
		{Managed, "Managed by the provider: no user fix"},
	}
	for _, s := range sections {
		var its []Item
		for _, it := range p.Items {
			if it.Fix.Disposition == s.d {
				its = append(its, it)
			}
		}
		if len(its) == 0 {
			continue
		}
		fmt.Fprintf(&b, "## %s\n\n", s.title)
		shown := map[string]string{}
		for _, it := range its {
			fmt.Fprintf(&b, "### %s %s — %s\n\n", md(it.ControlID), md(it.Target), md(it.Title))
			fmt.Fprintf(&b, "- Finding (%s): %s\n", it.Status, md(it.Reason))
			label := "Fix"
			if s.d != Fixed {
				label = "Why"
			}
			fmt.Fprintf(&b, "- %s: %s\n", label, md(it.Fix.Why))
			if it.Fix.Suggested != "" {
				fmt.Fprintf(&b, "- Suggested change once decided: `%s`\n", md(it.Fix.Suggested))
			}
			if it.Fix.Impact != "" {
				fmt.Fprintf(&b, "- Impact: %s\n", md(it.Fix.Impact))
			}
			key := it.Target + "\x00" + fmt.Sprint(it.Fix.Changes, it.Fix.Durable)
			if first, ok := shown[key]; ok && len(it.Fix.Changes)+len(it.Fix.Durable) > 0 {
				fmt.Fprintf(&b, "- Changes: the same as %s above\n", md(first))
			} else {
				shown[key] = it.ControlID
				for _, c := range it.Fix.Changes {
					fmt.Fprintf(&b, "- Change: %s\n", md(describe(c)))
				}
				for _, d := range it.Fix.Durable {
					fmt.Fprintf(&b, "- Durable: %s: %s=%s\n", md(d.Target), md(d.Name), md(d.Value))
				}
			}
			if s.d != Fixed && it.Remediation != "" {
				fmt.Fprintf(&b, "- Remediation: %s\n", md(it.Remediation))
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("## Verify\n\n")
	ids := map[string]bool{}
	for _, it := range p.Items {
		if it.Fix.Disposition == Fixed {
			ids[it.ControlID] = true
		}
	}
	if len(ids) == 0 {
		b.WriteString("Nothing is fixed by this plan.\n")
		return b.String()
	}
	var ctl []string
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		ctl = append(ctl, "--control "+id)
	}
	sort.SliceStable(ctl, func(i, j int) bool {
		return report.CompareIDs(strings.TrimPrefix(ctl[i], "--control "), strings.TrimPrefix(ctl[j], "--control ")) < 0
	})
	fmt.Fprintf(&b, "After applying, re-scan only the fixed controls:\n\n    kubectl harden all --benchmark %s %s\n", md(p.Benchmark), strings.Join(ctl, " "))
	return b.String()
}

// listFiles lists the plan's files under prefix, after intro.
func listFiles(b *strings.Builder, files map[string]string, prefix, intro string) {
	var list []string
	for _, f := range slices.Sorted(maps.Keys(files)) {
		if strings.HasPrefix(f, prefix) {
			list = append(list, f)
		}
	}
	if len(list) == 0 {
		return
	}
	b.WriteString(intro + "\n\n")
	for _, f := range list {
		fmt.Fprintf(b, "- `%s`\n", f)
	}
	b.WriteString("\n")
}

// describe says what one change does, for PLAN.md.
func describe(c Change) string {
	switch c.Kind {
	case SetFlag:
		return fmt.Sprintf("%s: --%s=%s (%s)", c.Component, c.Flag, c.Value, c.Manifest)
	case AddToFlagList:
		return fmt.Sprintf("%s: add %s to --%s (%s)", c.Component, c.Value, c.Flag, c.Manifest)
	case Mount:
		ro := ""
		if c.ReadOnly {
			ro = ", read-only"
		}
		return fmt.Sprintf("%s: mount host %s at %s%s (%s)", c.Component, c.Path, c.MountPath, ro, c.Manifest)
	case WriteFile:
		return "write " + c.Path
	case KubeletSetting:
		return fmt.Sprintf("kubelet: %s: %s in %s", c.Key, c.Value, c.Path)
	case Chmod:
		return fmt.Sprintf("chmod %s to at most %04o", c.Path, c.Mode)
	case Chown:
		return fmt.Sprintf("chown %s:%s %s", c.User, c.Group, c.Path)
	}
	return string(c.Kind)
}
