package distros

import (
	"regexp"
	"strings"
	"testing"
)

// localPath finds an absolute or relative filesystem path in a source;
// sources are public repositories and files ("k3s-io/k3s pkg/...").
var localPath = regexp.MustCompile(`(^|[\s("'])(/[A-Za-z]|\.\./)`)

// repoAndFile is "owner/repo path/of/file".
var repoAndFile = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+ [^\s]+$`)

// Fixtures: what the API says about real clusters of each distribution,
// each fact from a cited public source.
var (
	// rancher/security-scan package/cfg/config.yaml version_mapping keys
	// k3s gitVersions such as "v1.28.15+k3s1".
	k3sVersion = "v1.28.15+k3s1"
	// The annotations k3s sets on its nodes: k3s-io/k3s
	// pkg/nodeconfig/nodeconfig.go (version.Program + ".io/node-args",
	// ".io/node-env", ".io/node-config-hash") and
	// pkg/cloudprovider/instances.go (".io/hostname", ".io/internal-ip";
	// InstanceType is version.Program, so the kubelet labels the node
	// node.kubernetes.io/instance-type=k3s).
	k3sServer = Node{
		Name:   "k3s-server-1",
		Labels: map[string]string{"node.kubernetes.io/instance-type": "k3s", "node-role.kubernetes.io/control-plane": "true"},
		Annotations: map[string]string{
			"k3s.io/node-args":        `["server"]`,
			"k3s.io/node-env":         `{}`,
			"k3s.io/node-config-hash": "MLFMUCBMRVINLJJKSG32TOUFWB4CN55GMSNY25AZPESQXZCYRN2A====",
			"k3s.io/hostname":         "k3s-server-1",
			"k3s.io/internal-ip":      "10.0.2.15",
		},
		OSImage: "Ubuntu 24.04.1 LTS",
	}
	// RKE2 is k3s's code with version.Program = "rke2" (same files), and
	// its versions carry the "+rke2r" suffix kube-bench cmd/util.go matches.
	rke2Version = "v1.31.4+rke2r1"
	rke2Server  = Node{
		Name:        "rke2-server-1",
		Labels:      map[string]string{"node.kubernetes.io/instance-type": "rke2"},
		Annotations: map[string]string{"rke2.io/node-args": `["server"]`, "rke2.io/hostname": "rke2-server-1", "rke2.io/internal-ip": "10.0.0.5"},
		OSImage:     "SUSE Linux Enterprise Server 15 SP6",
	}
	// k0s versions carry "+k0s" (kube-bench cmd/util.go); the role label is
	// k0sproject/k0s pkg/constant/constant_shared.go K0SNodeRoleLabel (its
	// value, the node's k0s role, does not matter to detection).
	k0sVersion = "v1.31.2+k0s"
	k0sNode    = Node{Name: "k0s-1", Labels: map[string]string{"node.k0sproject.io/role": "control-plane"}, OSImage: "Ubuntu 22.04.4 LTS"}
	// OpenShift serves config.openshift.io (openshift/api
	// config/v1/register.go GroupName); its nodes carry
	// node.openshift.io/os_id (machine-config-operator kubelet.service
	// --node-labels), which is not a distribution signal here.
	openshiftGroups = []string{"apps", "batch", "config.openshift.io", "route.openshift.io"}
	openshiftNode   = Node{Name: "master-0", Labels: map[string]string{"node.openshift.io/os_id": "rhcos"}, OSImage: "Red Hat Enterprise Linux CoreOS 417.94.202410090854-0"}
	// Talos: /etc/os-release PRETTY_NAME "{{ .Name }} ({{ .Version }})"
	// with Name "Talos" (siderolabs/talos
	// pkg/machinery/constants/constants.go OSReleaseTemplate).
	talosNode = Node{Name: "talos-cp-1", Labels: map[string]string{"node-role.kubernetes.io/control-plane": ""}, OSImage: "Talos (v1.9.2)"}
	// MicroK8s: canonical/microk8s microk8s-resources/default-args/kubelet
	// --node-labels="microk8s.io/cluster=true,node.kubernetes.io/microk8s-controlplane=microk8s-controlplane".
	microk8sNode = Node{Name: "ubuntua", Labels: map[string]string{"microk8s.io/cluster": "true", "node.kubernetes.io/microk8s-controlplane": "microk8s-controlplane"}, OSImage: "Ubuntu 22.04.2 LTS"}
	// kind/kubeadm: a plain gitVersion, kubeadm's labels.
	kindNode = Node{Name: "kind-control-plane", Labels: map[string]string{"node-role.kubernetes.io/control-plane": "", "kubernetes.io/hostname": "kind-control-plane"}, OSImage: "Debian GNU/Linux 12 (bookworm)"}
)

func TestDataIsValid(t *testing.T) {
	ds := All()
	want := []string{"k3s", "rke2", "k0s", "openshift", "talos", "microk8s"}
	var got []string
	for _, d := range ds {
		got = append(got, d.ID)
		for _, src := range d.Sources {
			if localPath.MatchString(src) || !repoAndFile.MatchString(src) {
				t.Errorf("%s: source %q is not a public repository and file", d.ID, src)
			}
		}
		// Every distribution's layout is read: each has a summary, and
		// every control it takes out of the evaluation gives its reason
		// with a public source or what is missing.
		if !d.Layout.Evaluated || d.Layout.Summary == "" {
			t.Errorf("%s: layout not evaluated or without a summary: %+v", d.ID, d.Layout)
		}
		for _, na := range d.Layout.NotApplicable {
			if !strings.Contains(na.Reason, "(") {
				t.Errorf("%s: N/A reason %q names no source", d.ID, na.Reason)
			}
		}
		for _, ne := range d.Layout.NotEvaluated {
			if !strings.Contains(ne.Reason, "not evaluated") {
				t.Errorf("%s: not-evaluated reason %q does not say so", d.ID, ne.Reason)
			}
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("distributions %v, want %v", got, want)
	}
}

func TestParseAcceptsKubeletOnlyWith(t *testing.T) {
	ds, err := Parse([]byte("distributions:\n- {id: x, name: X, sources: [a], signals: {osImage: [X]}, layout: {evaluated: true, summary: s, supervisor: k0s, kubeletOnlyWith: {commands: [controller], flags: [enable-worker], reason: r}}}\n"))
	if err != nil || ds[0].Layout.KubeletOnlyWith == nil || ds[0].Layout.KubeletOnlyWith.Reason != "r" {
		t.Fatalf("%v %+v", err, ds)
	}
}

func TestParseRejects(t *testing.T) {
	for name, data := range map[string]string{
		"no signal":                            "distributions:\n- {id: x, name: X, sources: [a], layout: {evaluated: true}}\n",
		"no reason":                            "distributions:\n- {id: x, name: X, sources: [a], signals: {osImage: [X]}, layout: {evaluated: false}}\n",
		"no sources":                           "distributions:\n- {id: x, name: X, signals: {osImage: [X]}, layout: {evaluated: true}}\n",
		"duplicate":                            "distributions:\n- {id: x, name: X, sources: [a], signals: {osImage: [X]}, layout: {evaluated: true}}\n- {id: x, name: X, sources: [a], signals: {osImage: [Y]}, layout: {evaluated: true}}\n",
		"empty signal":                         "distributions:\n- {id: x, name: X, sources: [a], signals: {osImage: [\" \"]}, layout: {evaluated: true}}\n",
		"no entries":                           "distributions: []\n",
		"not yaml":                             "distributions: [",
		"unknown signal":                       "distributions:\n- {id: x, name: X, sources: [a], signals: {kernel: [X]}, layout: {evaluated: true}}\n",
		"kubeletOnlyWith without a reason":     "distributions:\n- {id: x, name: X, sources: [a], signals: {osImage: [X]}, layout: {evaluated: true, summary: s, supervisor: k0s, kubeletOnlyWith: {commands: [controller], flags: [enable-worker]}}}\n",
		"kubeletOnlyWith without a supervisor": "distributions:\n- {id: x, name: X, sources: [a], signals: {osImage: [X]}, layout: {evaluated: true, summary: s, kubeletOnlyWith: {commands: [controller], flags: [enable-worker], reason: r}}}\n",
	} {
		if _, err := Parse([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name  string
		facts Facts
		// want is the distribution decided ("" for none), kinds the kinds
		// of the signals reported, conflicting the other distributions.
		want        string
		kinds       []string
		conflicting string
		note        string
	}{
		{name: "kind", facts: Facts{GitVersion: "v1.34.4", APIGroups: []string{"apps"}, Nodes: []Node{kindNode}}},
		{name: "eks", facts: Facts{GitVersion: "v1.33.2-eks-4ef4b32", Nodes: []Node{{Name: "ip-10-0-1-2", Labels: map[string]string{"eks.amazonaws.com/nodegroup": "ng"}, OSImage: "Bottlerocket OS 1.20.0 (aws-k8s-1.33)"}}}},
		{name: "k3s server", facts: Facts{GitVersion: k3sVersion, Nodes: []Node{k3sServer}}, want: "k3s",
			kinds: []string{KindServerVersion, KindNodeAnnotation, KindNodeAnnotation, KindNodeAnnotation, KindNodeAnnotation, KindNodeLabel}},
		{name: "k3s from nodes only (version not read)", facts: Facts{Nodes: []Node{k3sServer}}, want: "k3s",
			kinds: []string{KindNodeAnnotation, KindNodeAnnotation, KindNodeAnnotation, KindNodeAnnotation, KindNodeLabel}},
		{name: "rke2", facts: Facts{GitVersion: rke2Version, Nodes: []Node{rke2Server}}, want: "rke2",
			kinds: []string{KindServerVersion, KindNodeAnnotation, KindNodeAnnotation, KindNodeAnnotation, KindNodeLabel}},
		{name: "k0s", facts: Facts{GitVersion: k0sVersion, Nodes: []Node{k0sNode}}, want: "k0s", kinds: []string{KindServerVersion, KindNodeLabel}},
		{name: "openshift", facts: Facts{GitVersion: "v1.30.4", APIGroups: openshiftGroups, Nodes: []Node{openshiftNode}}, want: "openshift", kinds: []string{KindAPIGroup}},
		{name: "talos", facts: Facts{GitVersion: "v1.32.0", Nodes: []Node{talosNode}}, want: "talos", kinds: []string{KindOSImage}},
		{name: "microk8s", facts: Facts{GitVersion: "v1.27.2", Nodes: []Node{microk8sNode}}, want: "microk8s", kinds: []string{KindNodeLabel, KindNodeLabel}},
		// A k3s server version with microk8s labels: the server decides,
		// and the conflict is said.
		{name: "conflict: version beats labels", facts: Facts{GitVersion: k3sVersion, Nodes: []Node{microk8sNode}}, want: "k3s",
			kinds: []string{KindServerVersion, KindNodeLabel, KindNodeLabel}, conflicting: "microk8s", note: "conflicting distribution signals: microk8s"},
		// k3s on Talos nodes: node keys set by k3s beat an OS name.
		{name: "conflict: annotation beats osImage", facts: Facts{Nodes: []Node{{Name: "n1", Annotations: map[string]string{"k3s.io/node-args": "[]"}, OSImage: "Talos (v1.9.2)"}}}, want: "k3s",
			kinds: []string{KindNodeAnnotation, KindOSImage}, conflicting: "talos", note: "talos (osImage) also seen; k3s decided by its stronger nodeAnnotation signal"},
		// Two distributions' node keys: a tie, and said to be one.
		{name: "conflict: a tie", facts: Facts{Nodes: []Node{k3sServer, microk8sNode}}, want: "k3s",
			kinds:       []string{KindNodeAnnotation, KindNodeAnnotation, KindNodeAnnotation, KindNodeAnnotation, KindNodeLabel, KindNodeLabel, KindNodeLabel},
			conflicting: "microk8s", note: "of the same strength as another's: the first in the data file decides"},
		// Talos on some nodes only: said.
		{name: "mixed nodes", facts: Facts{Nodes: []Node{talosNode, kindNode}}, want: "talos", kinds: []string{KindOSImage}, note: "on 1 of 2 node(s) only"},
		// The label with another value is not k3s's.
		{name: "instance-type of a cloud", facts: Facts{Nodes: []Node{{Name: "n", Labels: map[string]string{"node.kubernetes.io/instance-type": "m5.large"}}}}},
		{name: "API groups unreadable", facts: Facts{GitVersion: k3sVersion, APIGroupsError: "forbidden"}, want: "k3s", kinds: []string{KindServerVersion}, note: "OpenShift) could not be seen"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Detect(tc.facts)
			if tc.want == "" {
				if d != nil {
					t.Fatalf("detected %+v, want none", d)
				}
				return
			}
			if d == nil || d.ID != tc.want {
				t.Fatalf("detected %+v, want %s", d, tc.want)
			}
			var kinds []string
			for _, s := range d.Signals {
				kinds = append(kinds, s.Kind)
				if s.Detail == "" {
					t.Errorf("signal without detail: %+v", s)
				}
			}
			if strings.Join(kinds, ",") != strings.Join(tc.kinds, ",") {
				t.Errorf("signal kinds %v, want %v", kinds, tc.kinds)
			}
			if strings.Join(d.Conflicting, ",") != tc.conflicting {
				t.Errorf("conflicting %v, want %q", d.Conflicting, tc.conflicting)
			}
			if notes := strings.Join(d.Notes, "\n"); !strings.Contains(notes, tc.note) || (tc.note == "" && notes != "") {
				t.Errorf("notes %q, want %q", notes, tc.note)
			}
			if !d.LayoutEvaluated || d.NotEvaluated != "" {
				t.Errorf("layout: %+v", d)
			}
		})
	}
}

// Node signals name at most a few nodes, however many there are.
func TestDetectBoundsNodeNames(t *testing.T) {
	var nodes []Node
	for i := range 1000 {
		nodes = append(nodes, Node{Name: strings.Repeat("n", 3) + string(rune('a'+i%26)), OSImage: "Talos (v1.9.2)"})
	}
	d := Detect(Facts{Nodes: nodes})
	if d == nil || len(d.Signals) != 1 || d.Signals[0].Nodes != 1000 || len(d.Signals[0].Detail) > 200 {
		t.Fatalf("%+v", d)
	}
}

func FuzzDetect(f *testing.F) {
	f.Add("v1.28.15+k3s1", "k3s.io/node-args", "x", "Talos (v1.9.2)", "config.openshift.io")
	f.Fuzz(func(t *testing.T, version, key, value, osImage, group string) {
		n := Node{Name: "n", Labels: map[string]string{key: value}, Annotations: map[string]string{key: value}, OSImage: osImage}
		d := Detect(Facts{GitVersion: version, APIGroups: []string{group}, Nodes: []Node{n}})
		if d != nil && (d.ID == "" || len(d.Signals) == 0) {
			t.Fatalf("%+v", d)
		}
	})
}

func FuzzParse(f *testing.F) {
	data, err := files.ReadFile("data/distributions.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("distributions:\n- {id: x, name: X, sources: [a/b c], signals: {osImage: [X]}, layout: {evaluated: true}}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := Parse(b)
		if err == nil && len(ds) == 0 {
			t.Fatal("no error and no distribution")
		}
	})
}
