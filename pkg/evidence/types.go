// Package evidence holds what was seen on a node: process command lines,
// file modes and owners, non-secret configuration files and public
// certificates. The debug pod's collector prints it in a framed text format
// (see Parse); controls in package checks read it through the accessors
// below. Evidence can be saved as JSON and evaluated again offline.
package evidence

import (
	"encoding/json"
	"strings"
	"time"
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
}

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
	// Target is set when Path is a symlink that was followed: the resolved
	// path whose mode and owner are reported (inside the same root).
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

// Flag returns the value of a command-line flag given as "--name=value",
// "--name value" or a bare boolean "--name" (value "true"). The last
// occurrence wins, as with pflag. name is given without dashes.
func (p *Process) Flag(name string) (string, bool) {
	if p == nil {
		return "", false
	}
	val, found := "", false
	args := p.Args
	for i := 1; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			continue
		}
		a = strings.TrimLeft(a, "-")
		if k, v, ok := strings.Cut(a, "="); ok {
			if k == name {
				val, found = v, true
			}
			continue
		}
		if a != name {
			continue
		}
		// pflag gives boolean flags their value only with "="; a bare boolean
		// is true. Other flags may take the next word as their value.
		if !knownBoolFlags[name] && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			val, found = args[i+1], true
			i++
			continue
		}
		val, found = "true", true
	}
	return val, found
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
}
