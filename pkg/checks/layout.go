package checks

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/pkg/distros"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// A distribution's layout, read into the shape the controls judge: the
// components a distribution embeds become processes whose arguments say
// where each came from (a k3s log line, a MicroK8s arguments file, an etcd
// config file, OpenShift's apiServerArguments); a component that runs but
// whose arguments could not be established is recorded as such, so that
// its controls are ERROR naming what is missing, never N/A "not running"
// and never a default. The layout data is pkg/distros'
// (data/distributions.yaml).

// embeddedComponents are the components k3s and MicroK8s run in one process.
var embeddedComponents = []evidence.Component{evidence.APIServer, evidence.ControllerManager, evidence.Scheduler, evidence.Kubelet, evidence.KubeProxy}

// layoutOf returns the layout of a detected distribution (nil: none).
func layoutOf(d *report.Distribution) *distros.Layout {
	if d == nil {
		return nil
	}
	dd, ok := distros.Lookup(d.ID)
	if !ok {
		return nil
	}
	return &dd.Layout
}

// applyLayout returns the evidence as the distribution's layout shapes it
// (a copy: ev is not modified) and the notes that say how it was read.
func applyLayout(ev *evidence.Node, d *report.Distribution) (*evidence.Node, []string) {
	l := layoutOf(d)
	if ev == nil || l == nil {
		return ev, nil
	}
	n := *ev
	n.Processes = maps.Clone(ev.Processes)
	if n.Processes == nil {
		n.Processes = map[evidence.Component]*evidence.Process{}
	}
	n.NotEstablished = map[evidence.Component]string{}
	n.LayoutPKIDir = l.PKIDir
	notes := []string{fmt.Sprintf("distribution %s: %s", d.Name, l.Summary)}
	argOrigins := distroArgOrigins(ev, l)
	switch l.Arguments {
	case distros.ArgumentsK3sLog:
		notes = append(notes, k3sComponents(&n, ev, l, argOrigins)...)
	case distros.ArgumentsMicroK8s:
		notes = append(notes, microk8sComponents(&n, ev)...)
	}
	// Flags a distribution's config file sets on real processes (RKE2's
	// static pods and kubelet) name that file as their origin.
	if l.Arguments == "" {
		for c, p := range n.Processes {
			if o := argOrigins[c]; len(o) > 0 {
				n.Processes[c] = withFlagOrigins(p, o)
			}
		}
	}
	if note := etcdFromConfig(&n, ev, l); note != "" {
		notes = append(notes, note)
	}
	notes = append(notes, openshiftComponents(&n, ev)...)
	return &n, notes
}

// withFlagOrigins copies p with the origins of the flags it has.
func withFlagOrigins(p *evidence.Process, origins map[string]string) *evidence.Process {
	q := *p
	q.FlagOrigins = maps.Clone(p.FlagOrigins)
	for flag, o := range origins {
		if _, set := p.Flag(flag); !set {
			continue
		}
		if q.FlagOrigins == nil {
			q.FlagOrigins = map[string]string{}
		}
		if q.Origin != "" {
			o = q.Origin + "; " + o
		}
		q.FlagOrigins[flag] = o
	}
	return &q
}

// k3sComponents makes processes of the components k3s embeds from the
// newest line it logged for each; a component k3s runs without a line
// read is not established.
func k3sComponents(n, ev *evidence.Node, l *distros.Layout, argOrigins map[evidence.Component]map[string]string) []string {
	sup := ev.Supervisors[evidence.SupervisorK3s]
	server := sup != nil && len(sup.Args) > 1 && sup.Args[1] == "server"
	disabled := k3sDisabled(ev, l, sup)
	var notes []string
	for _, c := range embeddedComponents {
		if n.Processes[c] != nil {
			continue // a component run as its own process (k3s with an external one)
		}
		if why := disabled[c]; why != "" && ev.Logged[c] == nil {
			notes = append(notes, fmt.Sprintf("k3s: %s is disabled (%s): it does not run on this node", c, why))
			continue
		}
		if lp := ev.Logged[c]; lp != nil && len(lp.Args) > 0 {
			p := &evidence.Process{Args: append([]string{string(c)}, lp.Args[1:]...), Root: "host", Origin: "k3s log line " + lp.Origin}
			if sup != nil {
				p.PID = sup.PID
			}
			n.Processes[c] = withFlagOrigins(p, argOrigins[c])
			continue
		}
		runs := sup != nil && (server || c == evidence.Kubelet || c == evidence.KubeProxy)
		if !runs {
			continue
		}
		n.NotEstablished[c] = fmt.Sprintf("k3s (pid %d) runs %s embedded; its arguments are known only from the \"Running %s\" line k3s logs at start, and no such line was read (see the collector's warnings): the setting is not established", sup.PID, c, c)
	}
	if len(n.NotEstablished) > 0 {
		var missing []string
		for c := range n.NotEstablished {
			missing = append(missing, string(c))
		}
		sort.Strings(missing)
		notes = append(notes, "k3s: no log line read for "+strings.Join(missing, ", ")+": their controls are ERROR")
	}
	return notes
}

// k3sDisableKeys are the k3s server options that keep a component from
// running (k3s-io/k3s pkg/cli/cmds/server.go: --disable-apiserver,
// --disable-controller-manager, --disable-scheduler,
// --disable-kube-proxy), as flags or config-file keys.
var k3sDisableKeys = map[evidence.Component]string{
	evidence.APIServer: "disable-apiserver", evidence.ControllerManager: "disable-controller-manager",
	evidence.Scheduler: "disable-scheduler", evidence.KubeProxy: "disable-kube-proxy",
}

// k3sDisabled says which embedded components k3s was told not to run, and
// where: its command line, else its config file and drop-ins (a later
// file wins).
func k3sDisabled(ev *evidence.Node, l *distros.Layout, sup *evidence.Process) map[evidence.Component]string {
	out := map[evidence.Component]string{}
	for _, f := range distroConfigFiles(ev, l) {
		var doc map[string]any
		if yaml.Unmarshal([]byte(ev.Configs[f]), &doc) != nil {
			continue
		}
		for c, key := range k3sDisableKeys {
			switch v := doc[key].(type) {
			case bool:
				out[c] = ""
				if v {
					out[c] = f + " " + key + ": true"
				}
			}
		}
	}
	for c, key := range k3sDisableKeys {
		if v, ok := sup.Flag(key); ok {
			out[c] = ""
			if v == "true" {
				out[c] = "k3s --" + key
			}
		}
	}
	return out
}

// microk8sComponents makes processes of the components kubelite runs from
// their arguments files.
func microk8sComponents(n, ev *evidence.Node) []string {
	sup := ev.Supervisors[evidence.SupervisorKubelite]
	var notes []string
	// A node joined as a worker runs kubelite with
	// --start-control-plane=false (canonical/microk8s
	// microk8s-resources/wrappers/run-kubelite-with-args writes it to
	// args/kubelite, whose flags kubelite is started with).
	controlPlane := true
	kubeliteArgs := sup
	if kubeliteArgs == nil {
		if text, ok := ev.Configs[evidence.MicroK8sKubeliteArgs]; ok {
			kubeliteArgs = &evidence.Process{Args: append([]string{"kubelite"}, ParseArgsFile(text)...)}
		}
	}
	if v, ok := kubeliteArgs.Flag("start-control-plane"); ok && v == "false" {
		controlPlane = false
		notes = append(notes, "MicroK8s: kubelite runs with --start-control-plane=false: a worker, its control-plane arguments files are not in use")
	}
	for _, c := range embeddedComponents {
		if n.Processes[c] != nil {
			continue
		}
		if !controlPlane && c != evidence.Kubelet && c != evidence.KubeProxy {
			continue
		}
		f := evidence.MicroK8sArgsFiles[c]
		text, ok := ev.Configs[f]
		if !ok {
			if sup != nil && (c == evidence.Kubelet || c == evidence.KubeProxy) {
				n.NotEstablished[c] = fmt.Sprintf("kubelite (pid %d) runs %s; its arguments file %s was not collected: the setting is not established", sup.PID, c, f)
			}
			continue
		}
		p := &evidence.Process{Args: append([]string{string(c)}, ParseArgsFile(text)...), Root: "host", Origin: "MicroK8s arguments file " + f}
		if sup != nil {
			p.PID = sup.PID
		}
		n.Processes[c] = p
	}
	if sup == nil {
		notes = append(notes, "MicroK8s: no kubelite process seen; the arguments files were read as the components' arguments")
	}
	return notes
}

// microk8sSnapData is $SNAP_DATA and microk8sSnap $SNAP of the MicroK8s snap,
// which its arguments files name (canonical/microk8s
// microk8s-resources/default-args).
const (
	microk8sSnapData = "/var/snap/microk8s/current"
	microk8sSnap     = "/snap/microk8s/current"
	// microk8sSnapCommon is $SNAP_COMMON.
	microk8sSnapCommon = "/var/snap/microk8s/common"
)

// ParseArgsFile reads a MicroK8s arguments file: one flag a line
// ("--name=value" or "--name value"), '#' comments, ${SNAP_DATA},
// ${SNAP_COMMON} and ${SNAP} expanded, quotes around a value removed.
func ParseArgsFile(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.NewReplacer("${SNAP_DATA}", microk8sSnapData, "$SNAP_DATA", microk8sSnapData,
			"${SNAP_COMMON}", microk8sSnapCommon, "$SNAP_COMMON", microk8sSnapCommon, "${SNAP}", microk8sSnap, "$SNAP", microk8sSnap).Replace(line)
		name, val, hasVal := strings.Cut(line, "=")
		if !hasVal {
			name, val, hasVal = strings.Cut(line, " ")
		}
		if !hasVal {
			out = append(out, name)
			continue
		}
		val = strings.Trim(strings.TrimSpace(val), `"'`)
		out = append(out, name+"="+val)
	}
	return out
}

// distroArgOrigins reads the *-arg keys of a distribution's config file and
// drop-ins (k3s, RKE2: in order, a later file replacing a key unless the
// key ends in "+", which appends) and returns per component the flags they
// set and where: "/etc/rancher/k3s/config.yaml kube-apiserver-arg".
func distroArgOrigins(ev *evidence.Node, l *distros.Layout) map[evidence.Component]map[string]string {
	if l.Config == "" {
		return nil
	}
	files := distroConfigFiles(ev, l)
	keys := map[string]evidence.Component{
		"kube-apiserver-arg": evidence.APIServer, "kube-controller-manager-arg": evidence.ControllerManager,
		"kube-scheduler-arg": evidence.Scheduler, "kubelet-arg": evidence.Kubelet, "kube-proxy-arg": evidence.KubeProxy, "etcd-arg": evidence.Etcd,
	}
	out := map[evidence.Component]map[string]string{}
	for _, f := range files {
		text, ok := ev.Configs[f]
		if !ok {
			continue
		}
		var doc map[string]any
		if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
			continue
		}
		for k, v := range doc {
			key, appends := strings.CutSuffix(k, "+")
			c, ok := keys[key]
			if !ok {
				continue
			}
			if out[c] == nil || !appends {
				// A later file's key replaces the earlier values (k3s-io/k3s
				// pkg/configfilearg: "key+" appends).
				out[c] = map[string]string{}
			}
			for _, item := range argItems(v) {
				name, _, _ := strings.Cut(strings.TrimLeft(item, "-"), "=")
				out[c][normalizeFlagName(name)] = "set by " + f + " " + k
			}
		}
	}
	return out
}

// distroConfigFiles are a distribution's config file and its drop-ins
// (*.yaml of the drop-in directory) in the order the distribution reads
// them: the file, then the drop-ins in lexical order (k3s-io/k3s
// pkg/configfilearg).
func distroConfigFiles(ev *evidence.Node, l *distros.Layout) []string {
	var drop []string
	for p := range ev.Configs {
		if l.ConfigDir != "" && path.Dir(p) == l.ConfigDir && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			drop = append(drop, p)
		}
	}
	sort.Strings(drop)
	return append([]string{l.Config}, drop...)
}

// argItems is a *-arg value: a list of "name=value" strings or one string.
func argItems(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func normalizeFlagName(n string) string { return strings.ReplaceAll(strings.TrimSpace(n), "_", "-") }

// etcdFromConfig makes etcd's arguments those of the etcd config file a
// distribution writes (etcd ignores its other flags and variables when
// started with --config-file; k3s's embedded etcd is configured by the same
// file), with the file as their origin.
func etcdFromConfig(n, ev *evidence.Node, l *distros.Layout) string {
	if l.EtcdConfig == "" {
		return ""
	}
	text, ok := ev.Configs[l.EtcdConfig]
	p := ev.Process(evidence.Etcd)
	embedded := p == nil && ev.Supervisors[evidence.SupervisorK3s] != nil
	switch {
	case p != nil:
		cf, set := p.Flag("config-file")
		if !set || cf != l.EtcdConfig {
			return ""
		}
		if !ok {
			delete(n.Processes, evidence.Etcd)
			n.NotEstablished[evidence.Etcd] = fmt.Sprintf("etcd runs with --config-file %s, which was not collected: its settings are not established", cf)
			return ""
		}
	case embedded && ok:
	default:
		return ""
	}
	args, err := EtcdConfigArgs(text)
	if err != nil {
		n.NotEstablished[evidence.Etcd] = fmt.Sprintf("etcd config file %s could not be read: %v", l.EtcdConfig, err)
		delete(n.Processes, evidence.Etcd)
		return ""
	}
	q := &evidence.Process{Args: append([]string{"etcd", "--config-file=" + l.EtcdConfig}, args...), Root: "host", Origin: "etcd config file " + l.EtcdConfig}
	if p != nil {
		q.PID, q.Root = p.PID, p.Root
		q.Origin = "etcd --config-file " + l.EtcdConfig
	} else {
		q.PID = ev.Supervisors[evidence.SupervisorK3s].PID
		q.Origin = "k3s embedded etcd, config file " + l.EtcdConfig
	}
	n.Processes[evidence.Etcd] = q
	return "etcd: settings read from " + l.EtcdConfig
}

// etcdTransportKeys maps the nested keys of etcd's config file to flags.
var etcdTransportKeys = map[string]map[string]string{
	"client-transport-security": {"cert-file": "cert-file", "key-file": "key-file", "client-cert-auth": "client-cert-auth", "trusted-ca-file": "trusted-ca-file", "auto-tls": "auto-tls"},
	"peer-transport-security":   {"cert-file": "peer-cert-file", "key-file": "peer-key-file", "client-cert-auth": "peer-client-cert-auth", "trusted-ca-file": "peer-trusted-ca-file", "auto-tls": "peer-auto-tls"},
}

// EtcdConfigArgs renders an etcd YAML config file as the flags it stands
// for (go.etcd.io/etcd server/embed config: top-level keys are flag names,
// the transport-security blocks hold the TLS flags).
func EtcdConfigArgs(text string) ([]string, error) {
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, err
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(doc)) {
		v := doc[k]
		if m, ok := v.(map[string]any); ok {
			flags := etcdTransportKeys[k]
			for _, sk := range slices.Sorted(maps.Keys(m)) {
				if f, ok := flags[sk]; ok {
					out = append(out, "--"+f+"="+renderValue(m[sk]))
				}
			}
			continue
		}
		out = append(out, "--"+k+"="+renderValue(v))
	}
	return out, nil
}

// openshiftConfigArgs are the keys of OpenShift's component configs
// (--openshift-config) that carry command-line flags: the
// KubeAPIServerConfig's apiServerArguments and the
// KubeControllerManagerConfig's extendedArguments
// (openshift/api kubecontrolplane/v1 types.go).
var openshiftConfigArgs = map[evidence.Component]string{
	evidence.APIServer:         "apiServerArguments",
	evidence.ControllerManager: "extendedArguments",
}

// openshiftComponents applies openshiftConfig to every component whose
// flags OpenShift keeps in its config file.
func openshiftComponents(n, ev *evidence.Node) []string {
	var notes []string
	for _, c := range []evidence.Component{evidence.APIServer, evidence.ControllerManager} {
		if note := openshiftConfig(n, ev, c, openshiftConfigArgs[c]); note != "" {
			notes = append(notes, note)
		}
	}
	return notes
}

// openshiftConfig puts the flags of the config file named by OpenShift's
// --openshift-config (its key holds flag name -> values) before the
// component's own flags (which, given later, win), each naming the file.
func openshiftConfig(n, ev *evidence.Node, c evidence.Component, key string) string {
	p := ev.Process(c)
	cf, ok := p.Flag("openshift-config")
	if p == nil || !ok || cf == "" {
		return ""
	}
	text, collected := ev.Configs[cf]
	if !collected {
		n.NotEstablished[c] = fmt.Sprintf("%s takes most of its flags from the %s of --openshift-config %s, which was not collected: its settings are not established", c, key, cf)
		delete(n.Processes, c)
		return ""
	}
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		n.NotEstablished[c] = fmt.Sprintf("the --openshift-config %s of %s could not be read: %v", cf, c, err)
		delete(n.Processes, c)
		return ""
	}
	flags, _ := doc[key].(map[string]any)
	args := []string{p.Args[0]}
	origins := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(flags)) {
		vals, _ := flags[k].([]any)
		for _, v := range vals {
			args = append(args, "--"+k+"="+renderValue(v))
		}
		origins[normalizeFlagName(k)] = cf + " " + key + "." + k
	}
	args = append(args, p.Args[1:]...)
	q := *p
	q.Args = args
	q.FlagOrigins = map[string]string{}
	for k, o := range origins {
		// A flag also on the command line is the command line's.
		if !hasFlagArg(p, k) {
			q.FlagOrigins[k] = o
		}
	}
	n.Processes[c] = &q
	return fmt.Sprintf("%s: %d flag(s) read from the %s of %s", c, len(flags), key, cf)
}

// hasFlagArg reports whether the process's own command line sets flag.
func hasFlagArg(p *evidence.Process, flag string) bool {
	_, ok := p.Flag(flag)
	return ok
}

// kubeletByDesign judges the worker controls of a node without a kubelet
// whose distribution's supervisor starts one only when told to
// (Layout.KubeletOnlyWith): N/A with the layout's reason when the
// supervisor runs a controller without those flags, ERROR naming the flag
// when it was given one (a kubelet is then expected). ok is false when the
// layout says nothing about this node.
func kubeletByDesign(ev *evidence.Node, l *distros.Layout, r Role) (Outcome, bool) {
	if r != RoleWorker || ev == nil || l == nil || l.KubeletOnlyWith == nil {
		return Outcome{}, false
	}
	k := l.KubeletOnlyWith
	sup := ev.Supervisors[l.Supervisor]
	if sup == nil || len(sup.Args) == 0 {
		return Outcome{}, false
	}
	cmd := ""
	for _, a := range sup.Args[1:] {
		if !strings.HasPrefix(a, "-") {
			cmd = a
			break
		}
	}
	if !slices.Contains(k.Commands, cmd) {
		return Outcome{}, false
	}
	at := fmt.Sprintf("%s (pid %d) %s", l.Supervisor, sup.PID, cmd)
	for _, f := range k.Flags {
		if v, ok := sup.Flag(f); ok && v != "false" {
			return errorOutcome(fmt.Sprintf("%s was started with --%s, so a kubelet is expected on this node, and none was found: worker controls not evaluated", at, f),
				Observation{Location: at + " --" + f, Value: v}), true
		}
	}
	obs := make([]Observation, 0, len(k.Flags))
	for _, f := range k.Flags {
		obs = append(obs, Observation{Location: at + " --" + f, Value: "<unset>"})
	}
	return notApplicable(k.Reason, obs...), true
}
