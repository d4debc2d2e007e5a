package checks

import (
	"fmt"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// CIS 1.1: control-plane configuration files. All are Level 1 in CIS 1.12.
//
// Decisions on absent files: a manifest or kubeconfig that is absent while
// its component runs is ERROR (the scan did not see the file the component
// uses; we never pass it), absent while the component does not run here is
// N/A. Admin kubeconfigs are optional: absent means N/A.

const pkiDir = "/etc/kubernetes/pki"

func manifestOf(c evidence.Component, candidates []string) locator {
	return oneFile(string(c)+" manifest", c, nil, candidates)
}

// kubeconfigFlag reads a component's --kubeconfig flag.
func kubeconfigFlag(c evidence.Component) func(*evidence.Node) (string, string) {
	return func(ev *evidence.Node) (string, string) {
		if v, ok := ev.Process(c).Flag("kubeconfig"); ok && v != "" {
			return v, string(c) + " --kubeconfig"
		}
		return "", ""
	}
}

// cniFiles are the files under the CNI configuration and state directories.
func cniFiles(ev *evidence.Node) ([]string, *Outcome, []Observation) {
	var paths []string
	seen := false
	var obs []Observation
	for _, d := range evidence.CNIDirs {
		if f := ev.File(d); f != nil && f.Error == "" {
			seen = true
		}
		obs = append(obs, fileObs(ev, d))
		paths = append(paths, filesUnder(ev, d, false, func(_ string, f *evidence.File) bool { return f.Type != "dir" })...)
	}
	if len(paths) > 0 {
		return paths, nil, nil
	}
	if !seen {
		o := errorOutcome("the CNI directories were not collected: not evaluated", obs...)
		return nil, &o, nil
	}
	o := notApplicable("no CNI configuration or state files are present under " + strings.Join(evidence.CNIDirs, ", "))
	return nil, &o, obs
}

// etcdDataDir is etcd's --data-dir (or ETCD_DATA_DIR), else the first
// existing known data directory.
func etcdDataDir(ev *evidence.Node) ([]string, *Outcome, []Observation) {
	p, na := needProcess(ev, evidence.Etcd)
	if na != nil {
		return nil, na, nil
	}
	if v, src, ok := p.EnvOrFlag("data-dir", "ETCD_DATA_DIR"); ok && v != "" {
		why := []Observation{{Location: "etcd " + src, Value: v}}
		if _, o := usable(ev, v, "etcd data directory"); o != nil {
			return nil, o, why
		}
		return []string{v}, nil, why
	}
	if d := ev.FirstExisting(evidence.EtcdDataDirs...); d != "" {
		return []string{d}, nil, []Observation{{Location: "etcd --data-dir", Value: "<unset>; using " + d + " (first existing known data directory)"}}
	}
	o := errorOutcome("etcd has no --data-dir and no known data directory exists (" + strings.Join(evidence.EtcdDataDirs, ", ") + "): not evaluated")
	return nil, &o, nil
}

// adminKubeconfigs are admin.conf and super-admin.conf, each if present.
func adminKubeconfigs(ev *evidence.Node) ([]string, *Outcome, []Observation) {
	var paths []string
	var obs []Observation
	collected := false
	for _, p := range evidence.AdminKubeconfigs {
		f := ev.File(p)
		obs = append(obs, fileObs(ev, p))
		if f != nil && f.Error != "" {
			o := errorOutcome("cannot stat "+p+": "+f.Error, obs...)
			return nil, &o, nil
		}
		if f != nil {
			collected = true
			if f.Exists {
				paths = append(paths, p)
			}
		}
	}
	if len(paths) > 0 {
		return paths, nil, nil
	}
	if !collected {
		o := errorOutcome("the admin kubeconfig paths were not collected: not evaluated", obs...)
		return nil, &o, nil
	}
	o := notApplicable("no admin kubeconfig is present on this node ("+strings.Join(evidence.AdminKubeconfigs, ", ")+" absent)", obs...)
	return nil, &o, nil
}

// pkiEntries lists the PKI tree (the directory itself and every entry)
// filtered by keep; an absent tree is ERROR on a control-plane node.
func pkiEntries(keep func(string, *evidence.File) bool, what string) locator {
	return func(ev *evidence.Node) ([]string, *Outcome, []Observation) {
		if _, o := usable(ev, pkiDir, "PKI directory"); o != nil {
			return nil, o, nil
		}
		paths := filesUnder(ev, pkiDir, keep == nil, keep)
		if len(paths) == 0 {
			o := notApplicable(fmt.Sprintf("no %s under %s", what, pkiDir), fileObs(ev, pkiDir))
			return nil, &o, nil
		}
		return paths, nil, nil
	}
}

func cis11Files() []NodeControl {
	cpRole := RoleControlPlane
	apiM := manifestOf(evidence.APIServer, evidence.APIServerManifests)
	cmM := manifestOf(evidence.ControllerManager, evidence.ControllerManagerManifests)
	schM := manifestOf(evidence.Scheduler, evidence.SchedulerManifests)
	etcdM := manifestOf(evidence.Etcd, evidence.EtcdManifests)
	schKC := oneFile("kube-scheduler kubeconfig", evidence.Scheduler, kubeconfigFlag(evidence.Scheduler), evidence.SchedulerKubeconfigs)
	cmKC := oneFile("kube-controller-manager kubeconfig", evidence.ControllerManager, kubeconfigFlag(evidence.ControllerManager), evidence.ControllerManagerKubeconfigs)
	pkiAll := pkiEntries(nil, "entries")
	pkiCrt := pkiEntries(hasExt(".crt"), "certificate files (*.crt)")
	pkiKey := pkiEntries(hasExt(".key"), "private key files (*.key)")

	modeRem := func(what string) string {
		return fmt.Sprintf("On the control-plane node run `chmod 600 <file>` for the %s shown in the evidence.", what)
	}
	ownRem := func(what string) string {
		return fmt.Sprintf("On the control-plane node run `chown root:root <file>` for the %s shown in the evidence.", what)
	}
	return []NodeControl{
		{cis("1.1.1", 1, true, cpRole, "kube-apiserver static pod manifest is mode 600 or stricter", modeRem("kube-apiserver manifest"), "stat of the kube-apiserver manifest"), modeCheck(apiM, 0o600)},
		{cis("1.1.2", 1, true, cpRole, "kube-apiserver static pod manifest is owned by root:root", ownRem("kube-apiserver manifest"), "stat of the kube-apiserver manifest", "host /etc/passwd and /etc/group"), ownerCheck(apiM, "root", "root")},
		{cis("1.1.3", 1, true, cpRole, "kube-controller-manager static pod manifest is mode 600 or stricter", modeRem("kube-controller-manager manifest"), "stat of the kube-controller-manager manifest"), modeCheck(cmM, 0o600)},
		{cis("1.1.4", 1, true, cpRole, "kube-controller-manager static pod manifest is owned by root:root", ownRem("kube-controller-manager manifest"), "stat of the kube-controller-manager manifest"), ownerCheck(cmM, "root", "root")},
		{cis("1.1.5", 1, true, cpRole, "kube-scheduler static pod manifest is mode 600 or stricter", modeRem("kube-scheduler manifest"), "stat of the kube-scheduler manifest"), modeCheck(schM, 0o600)},
		{cis("1.1.6", 1, true, cpRole, "kube-scheduler static pod manifest is owned by root:root", ownRem("kube-scheduler manifest"), "stat of the kube-scheduler manifest"), ownerCheck(schM, "root", "root")},
		{cis("1.1.7", 1, true, cpRole, "etcd static pod manifest is mode 600 or stricter", modeRem("etcd manifest"), "stat of the etcd manifest"), modeCheck(etcdM, 0o600)},
		{cis("1.1.8", 1, true, cpRole, "etcd static pod manifest is owned by root:root", ownRem("etcd manifest"), "stat of the etcd manifest"), ownerCheck(etcdM, "root", "root")},
		{cis("1.1.9", 1, false, cpRole, "CNI configuration and state files are mode 600 or stricter",
			"Run `chmod 600` on every file under /etc/cni/net.d and /var/lib/cni/networks listed in the evidence; the container runtime and CNI plugins run as root and keep working.",
			"stat of every file under /etc/cni/net.d and /var/lib/cni/networks"), modeCheck(cniFiles, 0o600)},
		{cis("1.1.10", 1, false, cpRole, "CNI configuration and state files are owned by root:root",
			"Run `chown root:root` on every file under /etc/cni/net.d and /var/lib/cni/networks listed in the evidence.",
			"stat of every file under /etc/cni/net.d and /var/lib/cni/networks"), ownerCheck(cniFiles, "root", "root")},
		{cis("1.1.11", 1, true, cpRole, "etcd data directory is mode 700 or stricter",
			"Run `chmod 700` on the etcd data directory (etcd --data-dir, by default /var/lib/etcd on kubeadm).",
			"etcd --data-dir or ETCD_DATA_DIR", "stat of the data directory"), modeCheck(etcdDataDir, 0o700)},
		{cis("1.1.12", 1, true, cpRole, "etcd data directory is owned by the etcd user and group",
			"Create a dedicated system user and group `etcd` (e.g. `useradd -r -s /sbin/nologin etcd`), run etcd as that user, and run `chown -R etcd:etcd` on the data directory. kubeadm runs etcd as root and leaves the directory root:root; moving etcd to a dedicated user needs the static pod's securityContext changed too.",
			"etcd --data-dir or ETCD_DATA_DIR", "stat of the data directory", "host /etc/passwd and /etc/group"), etcdDataDirOwner(etcdDataDir)},
		{cis("1.1.13", 1, true, cpRole, "admin kubeconfigs (admin.conf, super-admin.conf) are mode 600 or stricter", modeRem("admin kubeconfig"), "stat of /etc/kubernetes/admin.conf and super-admin.conf"), modeCheck(adminKubeconfigs, 0o600)},
		{cis("1.1.14", 1, true, cpRole, "admin kubeconfigs (admin.conf, super-admin.conf) are owned by root:root", ownRem("admin kubeconfig"), "stat of /etc/kubernetes/admin.conf and super-admin.conf"), ownerCheck(adminKubeconfigs, "root", "root")},
		{cis("1.1.15", 1, true, cpRole, "kube-scheduler kubeconfig is mode 600 or stricter", modeRem("kube-scheduler kubeconfig"), "kube-scheduler --kubeconfig", "stat of the kubeconfig"), modeCheck(schKC, 0o600)},
		{cis("1.1.16", 1, true, cpRole, "kube-scheduler kubeconfig is owned by root:root", ownRem("kube-scheduler kubeconfig"), "kube-scheduler --kubeconfig", "stat of the kubeconfig"), ownerCheck(schKC, "root", "root")},
		{cis("1.1.17", 1, true, cpRole, "kube-controller-manager kubeconfig is mode 600 or stricter", modeRem("kube-controller-manager kubeconfig"), "kube-controller-manager --kubeconfig", "stat of the kubeconfig"), modeCheck(cmKC, 0o600)},
		{cis("1.1.18", 1, true, cpRole, "kube-controller-manager kubeconfig is owned by root:root", ownRem("kube-controller-manager kubeconfig"), "kube-controller-manager --kubeconfig", "stat of the kubeconfig"), ownerCheck(cmKC, "root", "root")},
		{cis("1.1.19", 1, true, cpRole, "the Kubernetes PKI directory and everything in it is owned by root:root",
			"Run `chown -R root:root /etc/kubernetes/pki/`.", "stat of /etc/kubernetes/pki and every entry below it"), ownerCheck(pkiAll, "root", "root")},
		{cis("1.1.20", 1, false, cpRole, "PKI certificate files are mode 644 or stricter",
			"Run `chmod 644 /etc/kubernetes/pki/*.crt /etc/kubernetes/pki/*/*.crt`.", "stat of every *.crt under /etc/kubernetes/pki"), modeCheck(pkiCrt, 0o644)},
		{cis("1.1.21", 1, false, cpRole, "PKI private key files are mode 600 or stricter",
			"Run `chmod 600 /etc/kubernetes/pki/*.key /etc/kubernetes/pki/*/*.key`.", "stat of every *.key under /etc/kubernetes/pki"), modeCheck(pkiKey, 0o600)},
	}
}

// etcdDataDirOwner is 1.1.12. The owner is compared by number with the host's
// etcd user and group. When the host has no etcd user at all — the kubeadm
// layout, where etcd runs as root and kubeadm creates the directory
// root:root (kubernetes/kubeadm#2931; aquasecurity/kube-bench#842, #1275)
// — the result is FAIL, not WARN: etcd then runs as root, which is exactly
// what the control is meant to prevent. The reason names the deviation so it is recognised.
func etcdDataDirOwner(loc locator) func(*evidence.Node) Outcome {
	generic := ownerCheck(loc, "etcd", "etcd")
	return func(ev *evidence.Node) Outcome {
		if len(ev.Users) > 0 && ev.UID("etcd") < 0 {
			paths, stop, why := loc(ev)
			if stop != nil {
				stop.Evidence = append(why, stop.Evidence...)
				return *stop
			}
			f, o := usable(ev, paths[0], "etcd data directory")
			if o != nil {
				return *o
			}
			obs := append(why, fileObs(ev, paths[0]))
			if f.UID == 0 && f.GID == 0 {
				return fail("owned by root:root and the host has no etcd user: known kubeadm deviation (kubeadm runs etcd as root and creates the data directory root:root); a dedicated etcd user is required to pass", obs...)
			}
			return fail("the host has no etcd user or group, so the data directory cannot be owned by etcd:etcd", obs...)
		}
		return generic(ev)
	}
}
