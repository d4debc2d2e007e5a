package checks

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// File checks: the mode and owner of files found by a named locator.

func init() {
	// allOf reads the map, so this locator joins it here, not in its literal.
	locators["control-plane-kubeconfigs"] = allOf("admin-kubeconfigs", "scheduler-kubeconfig", "controller-manager-kubeconfig")
	locate := ParamSpec{Name: "locate", Type: "string", Required: true, Enum: locatorNames(), Doc: "how the files are found"}
	register(Check{
		ID:  "file.mode",
		Doc: "every file found by the locator has no permission bits outside max (symbolic links are skipped)",
		Params: []ParamSpec{
			locate,
			{Name: "max", Type: "octal", Required: true, Doc: "the most permissive mode allowed, e.g. 0600"},
		},
		Eval: func(p Params, ev *evidence.Node) Outcome {
			return modeCheck(locators[p.String("locate")], p.Mode("max"))(ev)
		},
	})
	register(Check{
		ID:  "file.owner",
		Doc: "every file found by the locator is owned by user:group (compared by number via the host's /etc/passwd and /etc/group)",
		Params: []ParamSpec{
			locate,
			{Name: "user", Type: "string", Required: true, Doc: "owning user"},
			{Name: "group", Type: "string", Required: true, Doc: "owning group"},
		},
		Eval: func(p Params, ev *evidence.Node) Outcome {
			return ownerCheck(locators[p.String("locate")], p.String("user"), p.String("group"))(ev)
		},
	})
	register(Check{
		ID:  "etcd.data-dir-owner",
		Doc: "etcd's data directory is owned by etcd:etcd; a host without an etcd user fails with the kubeadm deviation named",
		Eval: func(_ Params, ev *evidence.Node) Outcome {
			return etcdDataDirOwner(etcdDataDir)(ev)
		},
	})
}

// locators are the named ways to find the files of a file check.
var locators = map[string]locator{
	"apiserver-manifest":            manifestOf(evidence.APIServer, evidence.APIServerManifests),
	"controller-manager-manifest":   manifestOf(evidence.ControllerManager, evidence.ControllerManagerManifests),
	"scheduler-manifest":            manifestOf(evidence.Scheduler, evidence.SchedulerManifests),
	"etcd-manifest":                 manifestOf(evidence.Etcd, evidence.EtcdManifests),
	"cni-files":                     cniFiles,
	"etcd-data-dir":                 etcdDataDir,
	"admin-kubeconfigs":             adminKubeconfigs,
	"scheduler-kubeconfig":          oneFile("kube-scheduler kubeconfig", evidence.Scheduler, kubeconfigFlag(evidence.Scheduler), evidence.SchedulerKubeconfigs),
	"controller-manager-kubeconfig": oneFile("kube-controller-manager kubeconfig", evidence.ControllerManager, kubeconfigFlag(evidence.ControllerManager), evidence.ControllerManagerKubeconfigs),
	"pki-tree":                      pkiEntries(nil, "entries"),
	"pki-certs":                     pkiEntries(hasExt(".crt"), "certificate files (*.crt)"),
	"pki-keys":                      pkiEntries(hasExt(".key"), "private key files (*.key)"),
	// OpenShift keeps its control-plane PKI in the secrets the static pod
	// installers write under /etc/kubernetes/static-pod-resources.
	"openshift-kubeconfig": fixedFile(evidence.OpenShiftNodeKubeconfig, "OpenShift node kubeconfig"),
	"openshift-pki-tree":   openshiftSecrets(nil, "secret directories and files"),
	"openshift-pki-certs":  openshiftSecrets(hasExt(".crt"), "certificate files (*.crt) of secrets"),
	"openshift-pki-keys":   openshiftSecrets(hasExt(".key"), "private key files (*.key) of secrets"),
	// kubelet-unit treats an absent unit as ERROR, kubelet-unit-optional
	// as N/A (CIS 4.1.2's audit accepts an absent unit).
	"kubelet-unit":          kubeletUnit(StatusError),
	"kubelet-unit-optional": kubeletUnit(StatusNA),
	"proxy-kubeconfig":      oneFile("kube-proxy kubeconfig", evidence.KubeProxy, proxyKubeconfigPath, evidence.ProxyKubeconfigs),
	"kubelet-kubeconfig":    oneFile("kubelet kubeconfig", evidence.Kubelet, kubeletFlagPath("kubeconfig"), evidence.KubeletKubeconfigs),
	"kubelet-client-ca":     kubeletClientCA,
	"kubelet-config":        kubeletConfigFile,
	// static-pod-manifests are the regular files of the static pod
	// directory; control-plane-kubeconfigs are the admin, scheduler and
	// controller-manager kubeconfigs together (DISA STIG rules name them
	// as one set).
	"static-pod-manifests": staticPodManifests,
}

func staticPodManifests(ev *evidence.Node) ([]string, *Outcome, []Observation) {
	var paths []string
	for _, d := range evidence.StaticPodDirs {
		if _, o := usable(ev, d, "static pod directory"); o != nil {
			return nil, o, nil
		}
		paths = append(paths, filesUnder(ev, d, false, func(_ string, f *evidence.File) bool { return f.Type != "dir" })...)
	}
	if len(paths) == 0 {
		o := notApplicable("no static pod manifest under " + strings.Join(evidence.StaticPodDirs, ", "))
		return nil, &o, nil
	}
	return paths, nil, nil
}

// allOf joins locators: their paths together; a locator that finds
// nothing applicable (N/A) is skipped, any other stop ends the decision.
func allOf(names ...string) locator {
	parts := make([]locator, len(names))
	for i, n := range names {
		parts[i] = locators[n]
	}
	return func(ev *evidence.Node) ([]string, *Outcome, []Observation) {
		var paths []string
		var why []Observation
		for _, l := range parts {
			ps, stop, w := l(ev)
			why = append(why, w...)
			if stop != nil {
				if stop.Status == StatusNA {
					continue
				}
				return nil, stop, why
			}
			paths = append(paths, ps...)
		}
		if len(paths) == 0 {
			o := notApplicable("none of the files is present on this node")
			return nil, &o, why
		}
		return paths, nil, why
	}
}

func locatorNames() []string {
	return slices.Sorted(maps.Keys(locators))
}

// Locators: the named ways a file check (file.mode, file.owner) finds the
// files it judges.
//
// Decisions on absent files: a manifest or kubeconfig that is absent while
// its component runs is ERROR (the scan did not see the file the component
// uses; we never pass it), absent while the component does not run here is
// N/A. Admin kubeconfigs are optional: absent means N/A.

const pkiDir = "/etc/kubernetes/pki"

// pkiDirOf is the node's Kubernetes PKI directory: the distribution's
// (k3s /var/lib/rancher/k3s/server/tls, ...) or kubeadm's.
func pkiDirOf(ev *evidence.Node) string {
	if ev.LayoutPKIDir != "" {
		return ev.LayoutPKIDir
	}
	return pkiDir
}

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
		pkiDir := pkiDirOf(ev)
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

// fixedFile locates one file at a path of the distribution's layout that
// no process flag names: not collected or absent is ERROR (the file the
// control is about was not seen).
func fixedFile(p, what string) locator {
	return func(ev *evidence.Node) ([]string, *Outcome, []Observation) {
		if _, o := usable(ev, p, what); o != nil {
			return nil, o, nil
		}
		return []string{p}, nil, nil
	}
}

// openshiftSecrets locates the entries of OpenShift's static pod secrets:
// every path below evidence.OpenShiftStaticPodResources with a "secrets"
// directory in it (<revision or certs dir>/secrets/<secret>/<file>, as
// openshift/library-go pkg/operator/staticpod/installerpod/cmd.go writes
// them), kept by keep. A tree the collector cut at its bound is ERROR: the
// entries it did not list could fail.
func openshiftSecrets(keep func(string, *evidence.File) bool, what string) locator {
	root := evidence.OpenShiftStaticPodResources
	return func(ev *evidence.Node) ([]string, *Outcome, []Observation) {
		if _, o := usable(ev, root, "OpenShift static pod resources directory"); o != nil {
			return nil, o, nil
		}
		if w := treeCut(ev, root); w != "" {
			o := errorOutcome("the collector listed only part of "+root+" ("+w+"): not evaluated", fileObs(ev, root))
			return nil, &o, nil
		}
		paths := filesUnder(ev, root, false, func(p string, f *evidence.File) bool {
			return inSecrets(p) && (keep == nil || keep(p, f))
		})
		if len(paths) == 0 {
			o := notApplicable(fmt.Sprintf("no %s under %s", what, root), fileObs(ev, root))
			return nil, &o, nil
		}
		return paths, nil, nil
	}
}

// inSecrets says whether a path has a "secrets" directory among its
// components (the directory itself included).
func inSecrets(p string) bool {
	return strings.Contains(p+"/", "/secrets/")
}

// treeCut is the collector's warning that it cut the tree of dir at its
// bound, "" when it did not.
func treeCut(ev *evidence.Node, dir string) string {
	prefix := "tree " + dir + " has more than "
	for _, w := range ev.Warnings {
		if strings.HasPrefix(w, prefix) {
			return w
		}
	}
	return ""
}

// kubeletUnit locates the kubelet's systemd unit: the first existing known
// unit or drop-in. When none exists the outcome is absent: ERROR for
// locator kubelet-unit (the file the control is about was not seen), N/A
// for kubelet-unit-optional, for a benchmark whose own audit accepts an
// absent unit (CIS 4.1.2): we follow it without calling it a pass.
func kubeletUnit(absent Status) locator {
	return func(ev *evidence.Node) ([]string, *Outcome, []Observation) {
		if p := ev.FirstExisting(evidence.KubeletUnits...); p != "" {
			return []string{p}, nil, nil
		}
		var obs []Observation
		collected := false
		for _, u := range evidence.KubeletUnits {
			obs = append(obs, fileObs(ev, u))
			if f := ev.File(u); f != nil && f.Error == "" {
				collected = true
			}
		}
		if !collected {
			o := errorOutcome("the kubelet unit paths were not collected: not evaluated", obs...)
			return nil, &o, nil
		}
		reason := "no kubelet systemd unit at any known path (" + strings.Join(evidence.KubeletUnits, ", ") + ")"
		o := Outcome{Status: absent, Evidence: obs}
		if absent == StatusNA {
			o.Reason = reason + "; the benchmark accepts an absent unit file for this control"
		} else {
			o.Reason = reason + ": not evaluated; if the kubelet is started another way, check that file by hand"
		}
		return nil, &o, nil
	}
}

// kubeletFlagPath reads a path flag of the kubelet.
func kubeletFlagPath(flag string) func(*evidence.Node) (string, string) {
	return func(ev *evidence.Node) (string, string) {
		if v, ok := ev.Process(evidence.Kubelet).Flag(flag); ok && v != "" {
			return v, "kubelet --" + flag
		}
		return "", ""
	}
}

// proxyKubeconfigPath is kube-proxy's --kubeconfig, else
// clientConnection.kubeconfig of its --config file. Paths are as the
// process sees them; the collector records files under those paths.
func proxyKubeconfigPath(ev *evidence.Node) (string, string) {
	p := ev.Process(evidence.KubeProxy)
	if v, ok := p.Flag("kubeconfig"); ok && v != "" {
		return v, "kube-proxy --kubeconfig"
	}
	if cfg, _ := proxyConfigPath(ev); cfg != "" {
		if doc, err := parseComponentConfig(ev, cfg, "KubeProxyConfiguration"); err == nil {
			if v, ok := lookup(doc, "clientConnection.kubeconfig"); ok && renderValue(v) != "" {
				return renderValue(v), cfg + " clientConnection.kubeconfig"
			}
		}
	}
	return "", ""
}

// kubeletClientCA is the kubelet's effective client CA file. Unlike the
// benchmark's audit, it never falls back to a default path: a kubelet
// without a client CA has no such file (N/A here; check kubelet.client-ca-set fails it), and an
// unreadable kubelet config means the file is unknown (ERROR).
func kubeletClientCA(ev *evidence.Node) ([]string, *Outcome, []Observation) {
	s, err := KubeletSetting(ev, "authentication.x509.clientCAFile")
	if err != nil {
		o := errorOutcome("cannot resolve the kubelet's client CA file: " + err.Error())
		return nil, &o, nil
	}
	why := []Observation{s.Observation()}
	if s.Value == "" {
		o := notApplicable("the kubelet has no client CA file (authentication.x509.clientCAFile is unset)")
		return nil, &o, why
	}
	if _, o := usable(ev, s.Value, "kubelet client CA file"); o != nil {
		return nil, o, why
	}
	return []string{s.Value}, nil, why
}

// kubeletConfigFile is the config file the kubelet reads (--config). A
// kubelet without --config reads no file: a known config file present on
// the host is still checked (it may be used after a restart), and the
// evidence says the kubelet does not read it; with no file at all the
// controls are N/A.
func kubeletConfigFile(ev *evidence.Node) ([]string, *Outcome, []Observation) {
	kc := loadKubeletConfig(ev)
	switch {
	case kc.proc == nil && ev.NotEstablished[evidence.Kubelet] != "":
		// An embedded kubelet whose flags are unknown: whether it reads
		// a config file is unknown too.
		o := errorOutcome(ev.NotEstablished[evidence.Kubelet])
		return nil, &o, nil
	case kc.path != "":
		why := []Observation{{Location: "kubelet --config", Value: kc.path}}
		if _, o := usable(ev, kc.path, "kubelet config file"); o != nil {
			return nil, o, why
		}
		return []string{kc.path}, nil, why
	case kc.unused != "":
		return []string{kc.unused}, nil, []Observation{{Location: "kubelet --config", Value: "<unset>; " + kc.unused + " exists but the kubelet does not read it"}}
	}
	o := notApplicable("the kubelet has no --config flag and no known kubelet config file exists: it runs on flags only", Observation{Location: "kubelet --config", Value: "<unset>"})
	return nil, &o, nil
}

// etcdDataDirOwner decides check etcd.data-dir-owner. The owner is compared by number with the host's
// etcd user and group. When the host has no etcd user at all — the kubeadm
// layout, where etcd runs as root and kubeadm creates the directory
// root:root (kubernetes/kubeadm#2931; aquasecurity/kube-bench#842, #1275) — the result is FAIL,
// not WARN: etcd then runs as root, which is exactly what the control is
// meant to prevent. The reason names the deviation so it is recognised.
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
