package checks

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// Checks are reusable decisions over a node's evidence. A benchmark profile
// (profiles.go, benchmarks/*.yaml) names, for each of its controls, one
// check and its parameters; the same check serves several benchmarks (CIS
// 1.12 4.2.4, EKS 3.2.4 with "must be set explicitly", STIG V-242387 with
// "no command-line flag"). A check is pure: func(params, evidence) Outcome.

// Params are the parameters a profile gives a check.
type Params map[string]any

// ParamSpec describes one parameter of a check.
type ParamSpec struct {
	// Name is the key in the profile's params map.
	Name string `json:"name"`
	// Type is "string", "bool" or "octal" (a file mode such as "0644").
	Type string `json:"type"`
	// Required parameters must be present.
	Required bool `json:"required,omitempty"`
	// Enum lists the accepted values of a string parameter.
	Enum []string `json:"enum,omitempty"`
	// Doc says what the parameter does.
	Doc string `json:"doc"`
}

// Check is a reusable decision.
type Check struct {
	// ID names the check, e.g. "file.mode" or "kubelet.read-only-port-off".
	ID string `json:"id"`
	// Doc says what the check decides.
	Doc string `json:"doc"`
	// Params is the parameter schema.
	Params []ParamSpec `json:"params,omitempty"`
	// Eval decides one node. Params were validated against the schema.
	Eval func(p Params, ev *evidence.Node) Outcome `json:"-"`
}

var registry = map[string]Check{}

// CheckAPIControl is the check of profile controls decided from API
// objects: its params name an engine (APIEngines) and one of its controls.
const CheckAPIControl = "api.control"

// APIEngines are the engines that decide cluster-role controls: pkg/rbac
// and pkg/workloads.
var APIEngines = []string{"rbac", "workloads"}

func register(c Check) {
	if _, dup := registry[c.ID]; dup {
		panic("duplicate check " + c.ID)
	}
	registry[c.ID] = c
}

// LookupCheck returns the check of an ID.
func LookupCheck(id string) (Check, bool) {
	c, ok := registry[id]
	return c, ok
}

// Checks returns every registered check sorted by ID.
func Checks() []Check {
	out := make([]Check, 0, len(registry))
	for _, c := range registry {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Validate checks params against the schema: unknown keys, missing
// required keys, wrong types and values outside an enum are errors.
func (c Check) Validate(p Params) error {
	known := map[string]ParamSpec{}
	for _, s := range c.Params {
		known[s.Name] = s
	}
	for k := range p {
		if _, ok := known[k]; !ok {
			return fmt.Errorf("check %s has no parameter %q", c.ID, k)
		}
	}
	for _, s := range c.Params {
		v, ok := p[s.Name]
		if !ok {
			if s.Required {
				return fmt.Errorf("check %s needs parameter %q", c.ID, s.Name)
			}
			continue
		}
		switch s.Type {
		case "bool":
			if _, ok := v.(bool); !ok {
				return fmt.Errorf("check %s parameter %q must be a boolean, not %v", c.ID, s.Name, v)
			}
		case "string", "octal":
			str, ok := v.(string)
			if !ok {
				return fmt.Errorf("check %s parameter %q must be a string, not %v", c.ID, s.Name, v)
			}
			if s.Type == "octal" {
				if _, err := strconv.ParseUint(str, 8, 32); err != nil {
					return fmt.Errorf("check %s parameter %q=%q is not an octal mode", c.ID, s.Name, str)
				}
			}
			if len(s.Enum) > 0 && !contains(s.Enum, str) {
				return fmt.Errorf("check %s parameter %q=%q is not one of %s", c.ID, s.Name, str, strings.Join(s.Enum, ", "))
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p Params) str(k string) string {
	s, _ := p[k].(string)
	return s
}

func (p Params) flag(k string) bool {
	b, _ := p[k].(bool)
	return b
}

func (p Params) mode(k string) uint32 {
	m, _ := strconv.ParseUint(p.str(k), 8, 32)
	return uint32(m)
}

// ---- file checks ----

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

func init() {
	locators["control-plane-kubeconfigs"] = allOf("admin-kubeconfigs", "scheduler-kubeconfig", "controller-manager-kubeconfig")
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
	out := make([]string, 0, len(locators))
	for k := range locators {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ---- kubelet checks ----

// kubeletNamed are the bespoke kubelet decisions of CIS 4.2, by check ID,
// with the settings they read (for the explicit/noFlag options).
var kubeletNamed = []struct {
	id, cis string
	keys    []string
}{
	{"kubelet.anonymous-auth-off", "4.2.1", []string{"authentication.anonymous.enabled"}},
	{"kubelet.authorization-not-always-allow", "4.2.2", []string{"authorization.mode"}},
	{"kubelet.client-ca-set", "4.2.3", []string{"authentication.x509.clientCAFile"}},
	{"kubelet.read-only-port-off", "4.2.4", []string{"readOnlyPort"}},
	{"kubelet.streaming-idle-timeout", "4.2.5", []string{"streamingConnectionIdleTimeout"}},
	{"kubelet.iptables-util-chains", "4.2.6", []string{"makeIPTablesUtilChains"}},
	{"kubelet.no-hostname-override", "4.2.7", nil},
	{"kubelet.event-qps", "4.2.8", []string{"eventRecordQPS"}},
	{"kubelet.serving-cert", "4.2.9", []string{"tlsCertFile", "tlsPrivateKeyFile"}},
	{"kubelet.rotate-certificates", "4.2.10", []string{"rotateCertificates"}},
	{"kubelet.serving-cert-rotation", "4.2.11", []string{"featureGates.RotateKubeletServerCertificate"}},
	{"kubelet.tls-ciphers", "4.2.12", []string{"tlsCipherSuites"}},
	{"kubelet.pod-pids-limit", "4.2.13", []string{"podPidsLimit"}},
	{"kubelet.seccomp-default", "4.2.14", []string{"seccompDefault"}},
}

var kubeletOptions = []ParamSpec{
	{Name: "explicit", Type: "bool", Doc: "the setting must be set explicitly (flag or config file); the kubelet's default does not pass"},
	{Name: "noFlag", Type: "bool", Doc: "the setting must come from the config file; a command-line flag is a finding (DISA STIG)"},
}

// stricter applies the explicit/noFlag options to an outcome that passed.
func stricter(p Params, ev *evidence.Node, keys []string, o Outcome) Outcome {
	if o.Status != StatusPass || (!p.flag("explicit") && !p.flag("noFlag")) {
		return o
	}
	for _, k := range keys {
		s, err := KubeletSetting(ev, k)
		if err != nil {
			return errorOutcome(fmt.Sprintf("cannot resolve kubelet setting %s: %v", k, err), o.Evidence...)
		}
		if p.flag("explicit") && !s.Set {
			return fail(fmt.Sprintf("%s is not set explicitly (the kubelet default %q applies); this benchmark requires it set", k, s.Value), o.Evidence...)
		}
		if p.flag("noFlag") && s.Source == "flag" {
			return fail(fmt.Sprintf("%s is set by the command-line flag %s; this benchmark requires it in the config file and no flag", k, s.Location), o.Evidence...)
		}
	}
	return o
}

// kubeletOps are the operators of the generic kubelet.setting check.
var kubeletOps = []string{"eq", "ne", "set", "unset", "minDuration"}

func kubeletSetting(p Params, ev *evidence.Node) Outcome {
	if _, na := needProcess(ev, evidence.Kubelet); na != nil {
		return *na
	}
	key, want := p.str("key"), p.str("value")
	s, err := KubeletSetting(ev, key)
	if err != nil {
		return errorOutcome(fmt.Sprintf("cannot resolve kubelet setting %s: %v", key, err))
	}
	obs := s.Observation()
	var ok bool
	var why string
	switch p.str("op") {
	case "eq":
		ok, why = s.Value == want, fmt.Sprintf("%s is %q%s (want %q)", key, s.Value, from(s), want)
	case "ne":
		ok, why = s.Value != want, fmt.Sprintf("%s is %q%s (must not be %q)", key, s.Value, from(s), want)
	case "set":
		ok, why = s.Value != "", fmt.Sprintf("%s is %q%s (must be set)", key, s.Value, from(s))
	case "unset":
		ok, why = s.Value == "", fmt.Sprintf("%s is %q%s (must not be set)", key, s.Value, from(s))
	case "minDuration":
		d, err := time.ParseDuration(s.Value)
		min, _ := time.ParseDuration(want)
		if err != nil {
			return errorOutcome(fmt.Sprintf("%s=%q is not a duration", key, s.Value), obs)
		}
		ok, why = d >= min, fmt.Sprintf("%s is %s%s (must be at least %s)", key, d, from(s), min)
	}
	if s.Value == "" && p.str("op") != "unset" {
		why = fmt.Sprintf("%s is not set%s", key, from(s))
	}
	return stricter(p, ev, []string{key}, verdict(ok, why, why, obs))
}

// ---- component flags ----

// flagComponents are the components a component.flag check can read.
var flagComponents = map[string]evidence.Component{
	"kube-apiserver": evidence.APIServer, "kube-controller-manager": evidence.ControllerManager,
	"kube-scheduler": evidence.Scheduler, "etcd": evidence.Etcd, "kubelet": evidence.Kubelet, "kube-proxy": evidence.KubeProxy,
}

var flagOps = []string{"eq", "ne", "set", "unset", "in", "has", "lacks"}

// componentFlag decides one command-line flag of a component. Ops: eq/ne
// compare the value; set/unset test presence of a non-empty value; in
// passes when the value is one of a comma list; has passes when the flag's
// comma list contains every listed item; lacks when it contains none.
func componentFlag(p Params, ev *evidence.Node) Outcome {
	c := flagComponents[p.str("component")]
	proc, na := needProcess(ev, c)
	if na != nil {
		return *na
	}
	flag, want := p.str("flag"), p.str("value")
	v, set := proc.Flag(flag)
	obs := flagObs(proc, c, flag, p.str("default"))
	if !set && p.str("default") != "" {
		v, set = p.str("default"), true
	}
	items := splitList(v)
	var ok bool
	var why string
	switch p.str("op") {
	case "eq":
		ok, why = set && v == want, fmt.Sprintf("--%s must be %q", flag, want)
	case "ne":
		ok, why = !set || v != want, fmt.Sprintf("--%s must not be %q", flag, want)
	case "set":
		ok, why = set && v != "", fmt.Sprintf("--%s must be set", flag)
	case "unset":
		ok, why = !set || v == "", fmt.Sprintf("--%s must not be set", flag)
	case "in":
		ok, why = set && contains(splitList(want), v), fmt.Sprintf("--%s must be one of %s", flag, want)
	case "has":
		ok, why = set, fmt.Sprintf("--%s must include %s", flag, want)
		for _, w := range splitList(want) {
			ok = ok && contains(items, w)
		}
	case "lacks":
		ok, why = true, fmt.Sprintf("--%s must not include %s", flag, want)
		for _, w := range splitList(want) {
			ok = ok && !contains(items, w)
		}
	}
	got := "unset"
	if set {
		got = fmt.Sprintf("%q", v)
	}
	return verdict(ok, fmt.Sprintf("--%s is %s (%s)", flag, got, why), fmt.Sprintf("--%s is %s: %s", flag, got, why), obs)
}

// ---- manual ----

func manualCheck(p Params, ev *evidence.Node) Outcome {
	return warn("manual review: " + p.str("review"))
}

func init() {
	register(Check{
		ID:  "file.mode",
		Doc: "every file found by the locator has no permission bits outside max (symbolic links are skipped)",
		Params: []ParamSpec{
			{Name: "locate", Type: "string", Required: true, Enum: locatorNames(), Doc: "how the files are found"},
			{Name: "max", Type: "octal", Required: true, Doc: "the most permissive mode allowed, e.g. 0600"},
		},
		Eval: func(p Params, ev *evidence.Node) Outcome {
			return modeCheck(locators[p.str("locate")], p.mode("max"))(ev)
		},
	})
	register(Check{
		ID:  "file.owner",
		Doc: "every file found by the locator is owned by user:group (compared by number via the host's /etc/passwd and /etc/group)",
		Params: []ParamSpec{
			{Name: "locate", Type: "string", Required: true, Enum: locatorNames(), Doc: "how the files are found"},
			{Name: "user", Type: "string", Required: true, Doc: "owning user"},
			{Name: "group", Type: "string", Required: true, Doc: "owning group"},
		},
		Eval: func(p Params, ev *evidence.Node) Outcome {
			return ownerCheck(locators[p.str("locate")], p.str("user"), p.str("group"))(ev)
		},
	})
	register(Check{
		ID:  "etcd.data-dir-owner",
		Doc: "etcd's data directory is owned by etcd:etcd; a host without an etcd user fails with the kubeadm deviation named",
		Eval: func(_ Params, ev *evidence.Node) Outcome {
			return etcdDataDirOwner(etcdDataDir)(ev)
		},
	})
	keys := make([]string, 0, len(kubeletKeys))
	for k := range kubeletKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	register(Check{
		ID:  "kubelet.setting",
		Doc: "one effective kubelet setting (flag, else --config file, else the kubelet default) compared with a value",
		Params: append([]ParamSpec{
			{Name: "key", Type: "string", Required: true, Enum: keys, Doc: "KubeletConfiguration key"},
			{Name: "op", Type: "string", Required: true, Enum: kubeletOps, Doc: "eq/ne compare with value; set/unset test presence of a non-empty value"},
			{Name: "value", Type: "string", Doc: "the value for eq/ne"},
		}, kubeletOptions...),
		Eval: kubeletSetting,
	})
	comps := make([]string, 0, len(flagComponents))
	for k := range flagComponents {
		comps = append(comps, k)
	}
	sort.Strings(comps)
	register(Check{
		ID:  "component.flag",
		Doc: "one command-line flag of a component process compared with a value (N/A where the component does not run)",
		Params: []ParamSpec{
			{Name: "component", Type: "string", Required: true, Enum: comps, Doc: "the process"},
			{Name: "flag", Type: "string", Required: true, Doc: "flag name without dashes"},
			{Name: "op", Type: "string", Required: true, Enum: flagOps, Doc: "eq, ne, set, unset, in (value is a comma list), has/lacks (the flag's comma list contains all/none of value)"},
			{Name: "value", Type: "string", Doc: "the value or comma list"},
			{Name: "default", Type: "string", Doc: "the component's default when the flag is unset"},
		},
		Eval: componentFlag,
	})
	register(Check{
		ID:  "manual",
		Doc: "cannot be decided from the evidence: always WARN, with what a human must check",
		Params: []ParamSpec{
			{Name: "review", Type: "string", Required: true, Doc: "what a human must check"},
			{Name: "engine", Type: "string", Enum: APIEngines, Doc: "for a cluster-role control: the report that lists it (default rbac)"},
		},
		Eval: manualCheck,
	})
	register(Check{
		ID: CheckAPIControl,
		Doc: "decided from API objects with the decision of one control of the rbac or workloads engine (a CIS 1.12 section 5 control or a KH- control); " +
			"evaluated by kubectl harden rbac, workloads and all, never on a node",
		Params: []ParamSpec{
			{Name: "engine", Type: "string", Required: true, Enum: APIEngines, Doc: "rbac (kubectl harden rbac) or workloads (kubectl harden workloads)"},
			{Name: "control", Type: "string", Required: true, Doc: "the engine's control whose decision is used, e.g. 5.1.1 or KH-RBAC-3"},
			{Name: "subjects", Type: "string", Doc: "KH-RBAC-3 only: comma list of the broad subjects considered (system:anonymous, system:unauthenticated, system:authenticated, system:serviceaccounts)"},
		},
		Eval: func(p Params, _ *evidence.Node) Outcome {
			return Outcome{Status: StatusError, Reason: "decided from API objects by kubectl harden " + p.str("engine") + ", not from a node's evidence"}
		},
	})

	legacy := map[string]NodeControl{}
	for _, c := range legacyCIS112() {
		if !strings.HasPrefix(c.ID, "1.1.") && !strings.HasPrefix(c.ID, "4.1.") {
			legacy[c.ID] = c
		}
	}
	for _, k := range kubeletNamed {
		decide, keys := legacy[k.cis].Check, k.keys
		delete(legacy, k.cis)
		params := kubeletOptions
		if keys == nil {
			params = nil
		}
		register(Check{
			ID:     k.id,
			Doc:    "the decision of CIS 1.12 " + k.cis + " on the effective kubelet configuration",
			Params: params,
			Eval: func(p Params, ev *evidence.Node) Outcome {
				return stricter(p, ev, keys, decide(ev))
			},
		})
	}
	// The remaining bespoke CIS 1.12 decisions keep their CIS number in
	// their name: "<component>.cis-<ID>".
	for id, c := range legacy {
		decide := c.Check
		register(Check{
			ID:   legacyComponent(id) + ".cis-" + id,
			Doc:  "the decision of CIS 1.12 " + id + ": " + c.Title,
			Eval: func(_ Params, ev *evidence.Node) Outcome { return decide(ev) },
		})
	}
}

func legacyComponent(id string) string {
	switch {
	case strings.HasPrefix(id, "1.2."), strings.HasPrefix(id, "3."):
		return "apiserver"
	case strings.HasPrefix(id, "1.3."):
		return "controller-manager"
	case strings.HasPrefix(id, "1.4."):
		return "scheduler"
	case strings.HasPrefix(id, "2."):
		return "etcd"
	case strings.HasPrefix(id, "4.3."):
		return "kube-proxy"
	}
	return "node"
}
