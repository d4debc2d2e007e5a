// Package evidence holds what was seen on a node: process command lines,
// file modes and owners, non-secret configuration files and public
// certificates. The debug pod's collector prints it in a framed text format
// (see Parse); controls in package checks read it through the accessors
// below. Evidence can be saved as JSON and evaluated again offline.
package evidence

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// SchemaVersion is the version of the JSON form of Node.
const SchemaVersion = "harden.kubectl.io/evidence/v1"

// Component names a Kubernetes component process.
type Component string

// The components the collector looks for.
const (
	APIServer         Component = "kube-apiserver"
	ControllerManager Component = "kube-controller-manager"
	Scheduler         Component = "kube-scheduler"
	Etcd              Component = "etcd"
	Kubelet           Component = "kubelet"
	KubeProxy         Component = "kube-proxy"
)

// Components lists every component in a stable order.
var Components = []Component{APIServer, ControllerManager, Scheduler, Etcd, Kubelet, KubeProxy}

// Node is all the evidence collected from one node.
type Node struct {
	// Schema is SchemaVersion.
	Schema string `json:"schema"`
	// NodeName is the Kubernetes node name.
	NodeName string `json:"nodeName"`
	// CollectedAt is when the collector ran.
	CollectedAt time.Time `json:"collectedAt"`
	// CollectorVersion is the version of the collector script's format.
	CollectorVersion string `json:"collectorVersion"`
	// Processes maps a component to its running process. A component that
	// is not running is absent.
	Processes map[Component]*Process `json:"processes"`
	// Files maps an absolute host path (without the /host prefix) to what
	// stat said about it. A path that was looked for but does not exist
	// has Exists=false. A path never looked for is absent from the map.
	Files map[string]*File `json:"files"`
	// Users and Groups map numeric ids to names from the host's /etc/passwd
	// and /etc/group.
	Users  map[int]string `json:"users,omitempty"`
	Groups map[int]string `json:"groups,omitempty"`
	// Configs maps a host path to the text of a configuration file that
	// carries no secrets (kubelet config, kube-proxy config). Kubeconfigs,
	// keys and token files are never read.
	Configs map[string]string `json:"configs,omitempty"`
	// EncryptionProviders maps the path of an encryption provider config
	// to the provider names it lists, in order (names only, never keys).
	EncryptionProviders map[string][]string `json:"encryptionProviders,omitempty"`
	// Certificates maps a host path to the public facts of a PEM
	// certificate found there.
	Certificates map[string]*Certificate `json:"certificates,omitempty"`
	// KubeletConfigz is the kubelet's live configuration as its /configz
	// endpoint serves it through the API server
	// (/api/v1/nodes/<node>/proxy/configz: {"kubeletconfig": {...}}),
	// fetched by the scan when the user may get nodes/proxy; header values
	// of staticPodURLHeader are Redacted. Empty when not fetched.
	KubeletConfigz json.RawMessage `json:"kubeletConfigz,omitempty"`
	// KubeletConfigzNote says why KubeletConfigz is empty (no permission,
	// fetch error); "" when it was fetched or never attempted.
	KubeletConfigzNote string `json:"kubeletConfigzNote,omitempty"`
	// Warnings are collection problems that did not stop collection
	// (an unreadable file, output truncated at the size bound, ...).
	Warnings []string `json:"warnings,omitempty"`
	// TruncatedAt is the size in bytes after which the collector's output
	// reached its bound and stopped (a node can fill it, for example with
	// certificates); 0 when the output is complete.
	TruncatedAt int64 `json:"truncatedAt,omitempty"`
	// Distribution is the distribution the scan detected on the cluster
	// when it collected this evidence (nil: none); evaluating saved
	// evidence reads the node over that distribution's layout.
	Distribution *report.Distribution `json:"distribution,omitempty"`
	// Supervisors are the processes of a distribution that runs or starts
	// the Kubernetes components itself (k3s, rke2, k0s, kubelite), by
	// name (Supervisor*). Their arguments are the distribution's own
	// flags, never a component's.
	Supervisors map[string]*Process `json:"supervisors,omitempty"`
	// Logged are the arguments a distribution logged when it started an
	// embedded component (k3s: "Running kube-apiserver --flag=value ..."),
	// the newest line per component: Args[0] is the component's name and
	// Origin says which log it was read from. They are the only record of
	// an embedded component's command line.
	Logged map[Component]*Process `json:"logged,omitempty"`

	// NotEstablished says, per component, why its arguments could not be
	// established although the node runs it (embedded in a distribution's
	// process whose log holds no line for it). It is derived at evaluation
	// time from the evidence and the distribution, never collected.
	NotEstablished map[Component]string `json:"-"`
	// LayoutPKIDir is the Kubernetes PKI directory of the node's layout,
	// derived at evaluation time ("": kubeadm's /etc/kubernetes/pki).
	LayoutPKIDir string `json:"-"`
}

// Supervisor process names (Node.Supervisors).
const (
	SupervisorK3s      = "k3s"
	SupervisorRKE2     = "rke2"
	SupervisorK0s      = "k0s"
	SupervisorKubelite = "kubelite"
)

// SupervisorNames lists the supervisors the collector records.
var SupervisorNames = []string{SupervisorK3s, SupervisorRKE2, SupervisorK0s, SupervisorKubelite}

// Process is one running component.
type Process struct {
	PID int `json:"pid"`
	// Args is the full argv, Args[0] being the executable.
	Args []string `json:"args"`
	// Env holds only ETCD_* variables of etcd's environment; nil for others.
	// Values of variables whose name says KEY, PASSWORD, TOKEN or SECRET
	// (except *_KEY_FILE) are Redacted. Command-line values of flags whose
	// name ends in password, secret or token are Redacted as well, unless
	// they are "true" or "false".
	Env map[string]string `json:"env,omitempty"`
	// Root says where the process's files were read: "host" (the process
	// sees the host's root), "container" (paths named by its flags were
	// read through /proc/<pid>/root) or "unknown" (its root could not be
	// compared; the host root was used).
	Root string `json:"root,omitempty"`
	// Origin says where Args were read when they are not the component's
	// own /proc cmdline: a distribution's log line, an arguments file or
	// a config file ("" for a process's own command line).
	Origin string `json:"origin,omitempty"`
	// FlagOrigins says, per flag name (without dashes), where a flag's
	// value came from when that is more precise than Origin (a flag a
	// distribution's config file sets, a value from a component's config
	// file). Derived at evaluation time.
	FlagOrigins map[string]string `json:"flagOrigins,omitempty"`
}

// FlagOrigin says where a flag's value came from ("" for the process's
// own command line).
func (p *Process) FlagOrigin(name string) string {
	if p == nil {
		return ""
	}
	if o := p.FlagOrigins[normalizeFlagName(name)]; o != "" {
		return o
	}
	return p.Origin
}

// Redacted replaces a secret value the collector refused to print.
const Redacted = "<redacted>"

// File is what stat said about one path on the host.
type File struct {
	Path   string `json:"path"`
	Exists bool   `json:"exists"`
	// Type is "file", "dir", "symlink" or "other".
	Type string `json:"type,omitempty"`
	// Mode is the permission bits (e.g. 0o600), without the type bits.
	Mode uint32 `json:"mode"`
	UID  int    `json:"uid"`
	GID  int    `json:"gid"`
	// Size in bytes.
	Size int64 `json:"size,omitempty"`
	// Error is set when stat failed for another reason than absence.
	Error string `json:"error,omitempty"`
	// ReadVia is "" when the path was read on the host's root, or
	// "/proc/<pid>/root" when it was named by a containerized component's
	// flag and read inside that process's mount namespace.
	ReadVia string `json:"readVia,omitempty"`
	// Target is set when Path, or one of its directories, is a symlink: the
	// path it resolves to on the host (inside the same root, never outside
	// it), whose type, mode and owner are the ones reported. A dangling
	// link is reported as itself (Type "symlink") with the Target it names;
	// a symlink loop is a stat error.
	Target string `json:"target,omitempty"`
}

// Certificate holds the public facts of one X.509 certificate.
type Certificate struct {
	Path      string    `json:"path"`
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	IsCA      bool      `json:"isCA"`
	// KeyAlgorithm is "RSA", "ECDSA" or "Ed25519".
	KeyAlgorithm string `json:"keyAlgorithm"`
	// KeyBits is the RSA modulus size or the curve size.
	KeyBits int `json:"keyBits"`
	// SignedBy is the path of the certificate (among those collected on the
	// node) whose key verifies this one's signature; "" if none does.
	SignedBy string `json:"signedBy,omitempty"`
	// SelfSigned is true when the certificate verifies with its own key.
	SelfSigned bool `json:"selfSigned,omitempty"`
	// SignatureUnchecked says why the certificate's signature was not
	// checked against every possible signer (the node's bounded budget of
	// checks, a key too large to check): SignedBy and SelfSigned are then
	// unknown, not false.
	SignatureUnchecked string `json:"signatureUnchecked,omitempty"`
	// Count is the number of certificates in the file (a bundle has more
	// than one); the facts above are those of the first.
	Count int `json:"count,omitempty"`
	// Error is set when the file could not be parsed as a certificate.
	Error string `json:"error,omitempty"`
}

// Process returns the running process of a component, or nil.
func (n *Node) Process(c Component) *Process {
	if n == nil || n.Processes == nil {
		return nil
	}
	return n.Processes[c]
}

// Has reports whether a component is running on the node.
func (n *Node) Has(c Component) bool { return n.Process(c) != nil }

// File returns what was seen of a path, or nil if it was never looked for.
func (n *Node) File(path string) *File {
	if n == nil || n.Files == nil {
		return nil
	}
	return n.Files[path]
}

// UserName resolves a uid against the host's /etc/passwd ("" if unknown).
func (n *Node) UserName(uid int) string { return n.Users[uid] }

// GroupName resolves a gid against the host's /etc/group ("" if unknown).
func (n *Node) GroupName(gid int) string { return n.Groups[gid] }

// UID returns the uid of a user name on the host, or -1.
func (n *Node) UID(name string) int {
	for id, u := range n.Users {
		if u == name {
			return id
		}
	}
	return -1
}

// GID returns the gid of a group name on the host, or -1.
func (n *Node) GID(name string) int {
	for id, g := range n.Groups {
		if g == name {
			return id
		}
	}
	return -1
}

// Flag returns the effective value of a command-line flag given as
// "--name=value", "--name value" or a bare boolean "--name" (value "true"),
// the way the component's own flag parsing sees it. name is given without
// dashes.
//
// The Kubernetes components parse with pflag (k8s.io/component-base): "_"
// and "-" in a flag name are the same (cliflag.WordSepNormalizeFunc), "--"
// ends the flags, and a repeated flag is Set again for every occurrence:
// for a string, bool or number the last occurrence wins; for the
// list-typed and map-typed flags in accumulatingFlags every occurrence
// adds to the value, and Flag returns them joined with "," in command-line
// order (a later key of a map-typed flag such as --feature-gates
// overrides an earlier one when the value is read as "k=v,...").
// etcd parses with Go's flag package, where every flag we read is last-wins.
//
// Where Flag deviates from pflag: a word after "--name" that starts with
// "--" is read as the next flag, never as the value (pflag would take it
// when name is not a boolean); a value that starts with a single dash
// ("-" for stdout, "-1") is taken.
func (p *Process) Flag(name string) (string, bool) {
	if p == nil || len(p.Args) == 0 {
		return "", false
	}
	comp := Component(filepath.Base(p.Args[0]))
	pflagSyntax := comp != Etcd
	if pflagSyntax {
		name = normalizeFlagName(name)
	}
	accumulate := accumulates(comp, name)
	var vals []string
	args := p.Args
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break // the flag parsers stop here; the rest are arguments
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if a == "" || a[0] == '-' || a[0] == '=' {
			continue // bad flag syntax: the component would not have started
		}
		k, v, hasValue := strings.Cut(a, "=")
		if pflagSyntax {
			k = normalizeFlagName(k)
		}
		if k != name {
			continue
		}
		switch {
		case hasValue:
		case knownBoolFlags[name]:
			// A boolean takes its value only with "="; bare, it is true.
			v = "true"
		case i+1 < len(args) && !strings.HasPrefix(args[i+1], "--"):
			v = args[i+1]
			i++
		default:
			// A bare "--name" at the end or before another flag: a
			// non-boolean would have failed with "flag needs an argument",
			// so the running component's flag is a boolean.
			v = "true"
		}
		if accumulate {
			vals = append(vals, v)
		} else {
			vals = append(vals[:0], v)
		}
	}
	if len(vals) == 0 {
		return "", false
	}
	return strings.Join(vals, ","), true
}

// normalizeFlagName is component-base's cliflag.WordSepNormalizeFunc.
func normalizeFlagName(name string) string { return strings.ReplaceAll(name, "_", "-") }

// accumulatingFlags are the flags, read by the controls or naming their
// inputs, whose pflag value accumulates over repeated occurrences instead of
// being replaced, by component (verified against the flag definitions of
// Kubernetes v1.34: k8s.io/apiserver/pkg/server/options,
// k8s.io/kubernetes/pkg/kubeapiserver/options, cmd/kubelet/app/options,
// k8s.io/component-base). pflag's StringSlice and StringArray replace the
// default at the first Set and append afterwards; component-base's
// MapStringBool and ColonSeparatedMultimapStringString (--feature-gates)
// merge. A component missing from the inner map is last-wins for that flag
// (the kubelet's --authorization-mode is a plain string, the API server's a
// StringSlice).
var accumulatingFlags = map[string]map[Component]bool{
	// StringSlice, apiserver admission options.
	"enable-admission-plugins":  {APIServer: true},
	"disable-admission-plugins": {APIServer: true},
	"admission-control":         {APIServer: true},
	// StringSlice, kube-apiserver authorization options; a string in the kubelet.
	"authorization-mode": {APIServer: true},
	// StringSlice, SecureServingOptions (kube-apiserver, kube-controller-manager,
	// kube-scheduler) and the kubelet's own flags.
	"tls-cipher-suites": {APIServer: true, ControllerManager: true, Scheduler: true, Kubelet: true},
	// StringSlice / StringArray, kube-apiserver authentication and etcd options.
	"api-audiences":            {APIServer: true},
	"service-account-key-file": {APIServer: true},
	"etcd-servers":             {APIServer: true},
	// StringSlice, kube-controller-manager.
	"controllers": {ControllerManager: true},
	// Map-typed: the compatibility registry's multimap in the control plane,
	// MapStringBool in the kubelet and kube-proxy.
	"feature-gates": {APIServer: true, ControllerManager: true, Scheduler: true, Kubelet: true, KubeProxy: true},
}

// accumulates reports whether a repeated flag adds to its value in comp. A
// process whose executable is not named after a component (a test fixture,
// a wrapper) gets the union over the components.
func accumulates(comp Component, name string) bool {
	m := accumulatingFlags[name]
	if _, known := componentNames[string(comp)]; known {
		return m[comp]
	}
	return len(m) > 0
}

// FlagList returns a comma-separated flag value as a list ("" or unset: nil).
func (p *Process) FlagList(name string) []string {
	v, ok := p.Flag(name)
	if !ok || v == "" {
		return nil
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// EnvOrFlag returns a flag's value, or else the value of an environment
// variable of the process (etcd reads ETCD_* variables for every flag).
// source says which it was: "--flag" or "env NAME".
func (p *Process) EnvOrFlag(flag, env string) (value, source string, ok bool) {
	if v, ok := p.Flag(flag); ok {
		return v, "--" + flag, true
	}
	if p != nil && p.Env != nil {
		if v, ok := p.Env[env]; ok {
			return v, "env " + env, true
		}
	}
	return "", "", false
}

// knownBoolFlags are the boolean flags of the components that the controls
// read. pflag never takes a boolean's value from the next word.
var knownBoolFlags = map[string]bool{
	"allow-privileged": true, "anonymous-auth": true, "profiling": true, "client-cert-auth": true,
	"peer-client-cert-auth": true, "auto-tls": true, "peer-auto-tls": true,
	"use-service-account-credentials": true, "rotate-certificates": true, "rotate-server-certificates": true,
	"make-iptables-util-chains": true, "service-account-lookup": true, "seccomp-default": true,
	"service-account-extend-token-expiration": true, "protect-kernel-defaults": true, "leader-elect": true,
	"authentication-skip-lookup": true, "enable-aggregator-routing": true, "fail-swap-on": true,
	"authentication-token-webhook": true, "enable-bootstrap-token-auth": true, "enable-server": true,
}
