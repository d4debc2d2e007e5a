package workloads

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

func TestEveryPSSCheckIsRegistered(t *testing.T) {
	for _, id := range []string{pssPrivileged, pssHostNamespaces, pssAllowPrivEsc, pssRunAsNonRoot, pssRunAsUser, pssCapsBaseline,
		pssCapsRestricted, pssWindowsHostProcess, pssHostPathVolumes, pssHostPorts, pssSeccompBaseline, pssSeccompRestricted} {
		if _, ok := pssChecks[id]; !ok {
			t.Errorf("pod-security-admission has no check %q", id)
		}
	}
}

// podCases: for each pod-level control, a change to the restricted
// goodSpec that fails it, with the field and value the evidence names.
var podCases = []struct {
	id      string
	mutate  func(*corev1.PodSpec)
	wantLoc string
	wantVal string
}{
	{"5.2.2", func(s *corev1.PodSpec) { s.Containers[0].SecurityContext.Privileged = ptr(true) }, "securityContext.privileged", "PSS privileged"},
	{"5.2.2", func(s *corev1.PodSpec) {
		s.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug", Image: "busybox",
			SecurityContext: &corev1.SecurityContext{Privileged: ptr(true), AllowPrivilegeEscalation: ptr(false), Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}}}}
	}, "securityContext.privileged", `"debug"`},
	{"5.2.3", func(s *corev1.PodSpec) { s.HostPID = true }, "spec.hostPID", "hostPID=true"},
	{"5.2.4", func(s *corev1.PodSpec) { s.HostIPC = true }, "spec.hostIPC", "hostIPC=true"},
	{"5.2.5", func(s *corev1.PodSpec) { s.HostNetwork = true }, "spec.hostNetwork", "hostNetwork=true"},
	{"5.2.6", func(s *corev1.PodSpec) { s.Containers[0].SecurityContext.AllowPrivilegeEscalation = ptr(true) }, "spec.containers[app].securityContext", "allowPrivilegeEscalation: true"},
	{"5.2.7", func(s *corev1.PodSpec) { s.SecurityContext.RunAsNonRoot = nil }, "securityContext.runAsNonRoot", "PSS runAsNonRoot"},
	{"5.2.7", func(s *corev1.PodSpec) { s.Containers[0].SecurityContext.RunAsUser = ptr(int64(0)) }, "securityContext.runAsUser", "PSS runAsUser"},
	{"5.2.8", func(s *corev1.PodSpec) {
		s.Containers[0].SecurityContext.Capabilities = &corev1.Capabilities{Add: []corev1.Capability{"NET_RAW"}, Drop: []corev1.Capability{"ALL"}}
	}, "spec.containers[app].securityContext.capabilities", "holds NET_RAW: add: [NET_RAW]"},
	{"5.2.8", func(s *corev1.PodSpec) { s.Containers[0].SecurityContext.Capabilities = nil }, "spec.containers[app].securityContext.capabilities", "holds NET_RAW: not dropped"},
	{"5.2.9", func(s *corev1.PodSpec) {
		s.InitContainers = []corev1.Container{{Name: "init", Image: "busybox", SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(false),
			Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}, Add: []corev1.Capability{"SYS_ADMIN"}}}}}
	}, "capabilities", "PSS capabilities_restricted"},
	{"5.2.10", func(s *corev1.PodSpec) {
		s.SecurityContext.WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: ptr(true)}
	}, "windowsOptions.hostProcess", "PSS windowsHostProcess"},
	{"5.2.11", func(s *corev1.PodSpec) {
		s.Volumes = []corev1.Volume{{Name: "root", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}
	}, "spec.volumes[*].hostPath", "PSS hostPathVolumes"},
	{"5.2.12", func(s *corev1.PodSpec) {
		s.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080}}
	}, "hostPort", "8080"},
	{"5.4.1", func(s *corev1.PodSpec) {
		s.Containers[0].Env = []corev1.EnvVar{{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "password"}}}}
	}, "spec.containers[app].env[DB_PASSWORD]", "secretKeyRef secret/db key password"},
	{"5.4.1", func(s *corev1.PodSpec) {
		s.Containers[0].EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "api-keys"}}}}
	}, "spec.containers[app].envFrom[0]", "secretRef secret/api-keys"},
	{"5.6.2", func(s *corev1.PodSpec) { s.SecurityContext.SeccompProfile = nil }, "securityContext.seccompProfile", "PSS seccompProfile_restricted"},
	{"5.6.2", func(s *corev1.PodSpec) {
		s.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}
	}, "securityContext.seccompProfile", "PSS seccompProfile_baseline"},
	{"5.6.3", func(s *corev1.PodSpec) { s.SecurityContext = nil; s.Containers[0].SecurityContext = nil }, "securityContext", "no pod securityContext"},
}

// TestPodControls: for each pod-level control, a workload that passes
// (the restricted goodSpec) and one that fails, with the owner and field
// named in the evidence.
func TestPodControls(t *testing.T) {
	for _, tc := range podCases {
		t.Run(tc.id+"/"+tc.wantVal, func(t *testing.T) {
			pass := evalControl(t, tc.id, baseSnapshot(wl("deployment", "prod", "web", nil)), EvalOptions{})
			if pass.Status != report.StatusInfo && pass.Status != report.StatusPass {
				t.Errorf("restricted workload: %s = %s (%s) %v, want PASS or INFO (system only)", tc.id, pass.Status, pass.Reason, pass.Evidence)
			}
			fail := evalControl(t, tc.id, baseSnapshot(wl("deployment", "prod", "web", tc.mutate)), EvalOptions{})
			if fail.Status != report.StatusFail {
				t.Fatalf("%s = %s (%s), want FAIL", tc.id, fail.Status, fail.Reason)
			}
			if !evidenceHas(fail, "deployment/prod/web") || !evidenceHas(fail, tc.wantLoc) || !evidenceHas(fail, tc.wantVal) {
				t.Errorf("%s evidence %v lacks deployment/prod/web, %q, %q", tc.id, fail.Evidence, tc.wantLoc, tc.wantVal)
			}
		})
	}
}

// TestCapabilityEdges decides 5.2.6 and 5.2.8 from what the container's
// process gets (containerd's rules, the API's definition of
// allowPrivilegeEscalation), case by case.
func TestCapabilityEdges(t *testing.T) {
	caps := func(add, drop []corev1.Capability) func(*corev1.PodSpec) {
		return func(s *corev1.PodSpec) {
			s.Containers[0].SecurityContext.Capabilities = &corev1.Capabilities{Add: add, Drop: drop}
		}
	}
	cs := func(c ...corev1.Capability) []corev1.Capability { return c }
	privileged := func(s *corev1.PodSpec) {
		s.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr(true)}
	}
	tests := []struct {
		name   string
		id     string
		mutate func(*corev1.PodSpec)
		want   report.Status
		value  string
	}{
		{"net_raw added in lower case", "5.2.8", caps(cs("net_raw"), cs("ALL")), report.StatusFail, "holds NET_RAW: add: [net_raw] (the runtime upper-cases it: NET_RAW)"},
		{"CAP_NET_RAW dropped is not honoured", "5.2.8", caps(nil, cs("CAP_NET_RAW")), report.StatusFail, "drop: [CAP_NET_RAW] is not honoured: containerd prefixes CAP_ itself and drops the nonexistent CAP_CAP_NET_RAW"},
		{"privileged holds every capability", "5.2.8", privileged, report.StatusFail, "holds NET_RAW: privileged"},
		{"ALL added", "5.2.8", caps(cs("ALL"), nil), report.StatusFail, "add: [ALL] gives every capability"},
		{"all added, NET_RAW dropped", "5.2.8", caps(cs("all"), cs("NET_RAW")), report.StatusPass, ""},
		{"net_raw dropped in lower case", "5.2.8", caps(nil, cs("net_raw")), report.StatusPass, ""},
		{"ALL dropped, NET_RAW added back", "5.2.8", caps(cs("NET_RAW"), cs("ALL")), report.StatusFail, "holds NET_RAW: add: [NET_RAW]"},
		{"NET_RAW added and dropped", "5.2.8", caps(cs("NET_RAW"), cs("NET_RAW")), report.StatusWarn, "PSS baseline rejects"},
		{"privileged, field unset", "5.2.6", privileged, report.StatusFail, "privileged: allowPrivilegeEscalation is always true"},
		{"SYS_ADMIN added, field false", "5.2.6", caps(cs("SYS_ADMIN"), cs("ALL")), report.StatusFail, "holds SYS_ADMIN (add: [SYS_ADMIN])"},
		{"sys_admin added in lower case", "5.2.6", caps(cs("sys_admin"), cs("ALL")), report.StatusFail, "holds SYS_ADMIN (add: [sys_admin] (the runtime upper-cases it: SYS_ADMIN))"},
		{"ALL added", "5.2.6", caps(cs("ALL"), nil), report.StatusFail, "holds SYS_ADMIN (add: [ALL] gives every capability)"},
		{"SYS_ADMIN added and dropped", "5.2.6", caps(cs("SYS_ADMIN"), cs("SYS_ADMIN")), report.StatusPass, ""},
		{"field unset", "5.2.6", func(s *corev1.PodSpec) { s.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil }, report.StatusWarn,
			"unset: the kubelet then does not set no_new_privs"},
		{"no security context", "5.2.6", func(s *corev1.PodSpec) { s.Containers[0].SecurityContext = nil }, report.StatusWarn, "unset"},
		{"windows pod, field unset", "5.2.6", func(s *corev1.PodSpec) {
			s.OS = &corev1.PodOS{Name: corev1.Windows}
			s.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil
		}, report.StatusPass, ""},
	}
	for _, tc := range tests {
		t.Run(tc.id+"/"+tc.name, func(t *testing.T) {
			r := evalControl(t, tc.id, baseSnapshot(wl("deployment", "prod", "web", tc.mutate)), EvalOptions{})
			if r.Status != tc.want && !(tc.want == report.StatusPass && r.Status == report.StatusInfo) {
				t.Fatalf("%s = %s (%s) %v, want %s", tc.id, r.Status, r.Reason, r.Evidence, tc.want)
			}
			if tc.value != "" && !evidenceHas(r, tc.value) {
				t.Errorf("%s evidence %v lacks %q", tc.id, r.Evidence, tc.value)
			}
		})
	}
}

func TestSecretValuesNeverInEvidence(t *testing.T) {
	w := wl("deployment", "prod", "web", func(s *corev1.PodSpec) {
		s.Containers[0].Env = []corev1.EnvVar{{Name: "TOKEN", Value: "s3cr3t-literal"},
			{Name: "DB", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "pw"}}}}
		s.Containers[0].Args = []string{"--password=hunter2"}
	})
	w.Spec = TrimSpec(w.Spec)
	for _, e := range w.Spec.Containers[0].Env {
		if e.Value != "" {
			t.Errorf("TrimSpec kept the value of %s", e.Name)
		}
	}
	if len(w.Spec.Containers[0].Args) != 0 {
		t.Errorf("TrimSpec kept args %v", w.Spec.Containers[0].Args)
	}
}

func TestSystemComponents(t *testing.T) {
	// kind's own system objects alone: INFO, never FAIL.
	for _, id := range []string{"5.2.2", "5.2.5", "5.2.11"} {
		r := evalControl(t, id, baseSnapshot(), EvalOptions{})
		if r.Status != report.StatusInfo || !strings.Contains(r.Reason, "expected for") {
			t.Errorf("%s on kind's system pods = %s (%s), want INFO expected for ...", id, r.Status, r.Reason)
		}
		if evidenceHas(r, "kube-proxy spec") {
			t.Errorf("%s lists system objects without --include-system: %v", id, r.Evidence)
		}
		r = evalControl(t, id, baseSnapshot(), EvalOptions{IncludeSystem: true})
		if !evidenceHas(r, "(expected for") {
			t.Errorf("%s with --include-system does not list the system objects: %v", id, r.Evidence)
		}
	}
	r := evalControl(t, "5.2.11", baseSnapshot(), EvalOptions{IncludeSystem: true})
	if !evidenceHas(r, "pod/kube-system/etcd-kind-control-plane (mirror pod on node kind-control-plane)") {
		t.Errorf("mirror pod not reported by node: %v", r.Evidence)
	}

	// Look-alikes are not system: same name in another namespace, or the
	// right name and namespace with another image.
	impostor := kindSystem()[0]
	impostor.Namespace = "default"
	other := kindSystem()[0]
	other.Spec.Containers[0].Image = "evil.example.com/miner:1"
	for _, w := range []Workload{impostor, other} {
		s := baseSnapshot()
		s.Workloads = append(s.Workloads, w)
		if w.Namespace == "kube-system" {
			s.Workloads = append(kindSystem()[1:], w)
		}
		r := evalControl(t, "5.2.5", s, EvalOptions{})
		if r.Status != report.StatusFail || !evidenceHas(r, "daemonset/"+w.Namespace+"/kube-proxy") {
			t.Errorf("look-alike %s image %s: 5.2.5 = %s %v, want FAIL naming it", w.Ref(), w.Spec.Containers[0].Image, r.Status, r.Evidence)
		}
	}
}

func TestPolicyMechanism(t *testing.T) {
	unlabelled := func() *Snapshot {
		s := baseSnapshot(wl("deployment", "team-a", "api", nil))
		s.Namespaces = append(s.Namespaces, Namespace{Name: "team-a"})
		s.NetworkPolicies = append(s.NetworkPolicies, "team-a/deny")
		return s
	}
	if r := evalControl(t, "5.2.1", baseSnapshot(wl("deployment", "prod", "web", nil)), EvalOptions{}); r.Status != report.StatusInfo && r.Status != report.StatusPass {
		t.Errorf("labelled namespace: 5.2.1 = %s (%s)", r.Status, r.Reason)
	}
	r := evalControl(t, "5.2.1", unlabelled(), EvalOptions{})
	if r.Status != report.StatusFail || !evidenceHas(r, "namespace/team-a") {
		t.Errorf("unlabelled namespace: 5.2.1 = %s %v, want FAIL naming team-a", r.Status, r.Evidence)
	}
	s := unlabelled()
	s.CRDs = []string{"clusterpolicies.kyverno.io", "policies.kyverno.io"}
	s.Webhooks = []Webhook{{Kind: "validatingwebhookconfiguration", Name: "kyverno-resource-validating-webhook-cfg"}}
	if r := evalControl(t, "5.2.1", s, EvalOptions{}); r.Status != report.StatusWarn || !evidenceHas(r, "Kyverno") {
		t.Errorf("with Kyverno: 5.2.1 = %s %v, want WARN naming Kyverno", r.Status, r.Evidence)
	}
	s = unlabelled()
	s.Namespaces[len(s.Namespaces)-1].Labels = map[string]string{"pod-security.kubernetes.io/enforce": "bogus"}
	s.Sort()
	if r := evalControl(t, "5.2.1", s, EvalOptions{}); r.Status == report.StatusFail {
		t.Errorf("an invalid enforce level evaluates as restricted in PSA: 5.2.1 = %s %v", r.Status, r.Evidence)
	}
	s = unlabelled()
	s.AdmissionPolicies = []string{"no-privileged"}
	s.AdmissionPolicyBindings = []PolicyBinding{{Name: "no-privileged", Policy: "no-privileged", ValidationActions: []string{"Deny"}}}
	if r := evalControl(t, "5.2.1", s, EvalOptions{}); r.Status != report.StatusWarn || !evidenceHas(r, "validatingadmissionpolicybinding/no-privileged") {
		t.Errorf("with a VAP: 5.2.1 = %s %v", r.Status, r.Evidence)
	}
}

func TestNetworkControls(t *testing.T) {
	if r := evalControl(t, "5.3.1", baseSnapshot(), EvalOptions{}); r.Status != report.StatusPass || !evidenceHas(r, "kindnet") {
		t.Errorf("kindnet: 5.3.1 = %s %v", r.Status, r.Evidence)
	}
	flannel := Workload{Kind: "daemonset", Namespace: "kube-flannel", Name: "kube-flannel-ds", Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "kube-flannel", Image: "docker.io/flannel/flannel:v0.26"}}}}
	s := baseSnapshot()
	s.Workloads = []Workload{flannel}
	if r := evalControl(t, "5.3.1", s, EvalOptions{}); r.Status != report.StatusFail {
		t.Errorf("flannel: 5.3.1 = %s", r.Status)
	}
	s.Workloads = []Workload{wl("daemonset", "monitoring", "node-exporter", nil)}
	if r := evalControl(t, "5.3.1", s, EvalOptions{}); r.Status != report.StatusWarn || !evidenceHas(r, "daemonset/monitoring/node-exporter") {
		t.Errorf("unknown CNI: 5.3.1 = %s %v", r.Status, r.Evidence)
	}
	aws := Workload{Kind: "daemonset", Namespace: "kube-system", Name: "aws-node", Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "aws-node", Image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.19"},
		{Name: "aws-eks-nodeagent", Image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni/aws-network-policy-agent:v1.2", Args: []string{"--enable-network-policy=false"}}}}}
	s.Workloads = []Workload{aws}
	if r := evalControl(t, "5.3.1", s, EvalOptions{}); r.Status != report.StatusFail {
		t.Errorf("aws without network policy: 5.3.1 = %s", r.Status)
	}
	s.Workloads[0].Spec.Containers[1].Args = []string{"--enable-network-policy=true"}
	if r := evalControl(t, "5.3.1", s, EvalOptions{}); r.Status != report.StatusPass {
		t.Errorf("aws with network policy: 5.3.1 = %s", r.Status)
	}

	if r := evalControl(t, "5.3.2", baseSnapshot(wl("deployment", "prod", "web", nil)), EvalOptions{}); r.Status != report.StatusInfo {
		t.Errorf("prod with a policy, kube-system without: 5.3.2 = %s (%s)", r.Status, r.Reason)
	}
	s = baseSnapshot(wl("deployment", "prod", "web", nil))
	s.NetworkPolicies = nil
	if r := evalControl(t, "5.3.2", s, EvalOptions{}); r.Status != report.StatusFail || !evidenceHas(r, "namespace/prod") {
		t.Errorf("prod without a policy: 5.3.2 = %s %v", r.Status, r.Evidence)
	}
}

func TestSecretStoreAndProvenance(t *testing.T) {
	if r := evalControl(t, "5.4.2", baseSnapshot(), EvalOptions{}); r.Status != report.StatusWarn || !strings.Contains(r.Reason, "no external secret store") {
		t.Errorf("5.4.2 = %s (%s)", r.Status, r.Reason)
	}
	s := baseSnapshot()
	s.CRDs = []string{"externalsecrets.external-secrets.io"}
	if r := evalControl(t, "5.4.2", s, EvalOptions{}); r.Status != report.StatusWarn || !evidenceHas(r, "externalsecrets.external-secrets.io") {
		t.Errorf("5.4.2 with ESO = %s %v", r.Status, r.Evidence)
	}
	if r := evalControl(t, "5.5.1", baseSnapshot(), EvalOptions{}); r.Status != report.StatusWarn {
		t.Errorf("5.5.1 = %s", r.Status)
	}
	s.Webhooks = []Webhook{{Kind: "validatingwebhookconfiguration", Name: "policy.sigstore.dev"}}
	if r := evalControl(t, "5.5.1", s, EvalOptions{}); r.Status != report.StatusPass {
		t.Errorf("5.5.1 with sigstore = %s", r.Status)
	}
}

func TestGeneralPolicies(t *testing.T) {
	if r := evalControl(t, "5.6.1", baseSnapshot(wl("deployment", "default", "web", nil)), EvalOptions{}); r.Status != report.StatusWarn {
		t.Errorf("5.6.1 all in default = %s", r.Status)
	}
	if r := evalControl(t, "5.6.1", baseSnapshot(wl("deployment", "prod", "web", nil)), EvalOptions{}); r.Status != report.StatusInfo || !evidenceHas(r, "namespace/prod") {
		t.Errorf("5.6.1 = %s %v", r.Status, r.Evidence)
	}
	if r := evalControl(t, "5.6.4", baseSnapshot(), EvalOptions{}); r.Status != report.StatusPass {
		t.Errorf("5.6.4 with only the kubernetes Service = %s %v", r.Status, r.Evidence)
	}
	s := baseSnapshot(wl("pod", "default", "nginx", nil))
	s.DefaultNamespace = append(s.DefaultNamespace, "configmap/app-config")
	r := evalControl(t, "5.6.4", s, EvalOptions{})
	if r.Status != report.StatusFail || !evidenceHas(r, "pod/default/nginx") || !evidenceHas(r, "configmap/app-config") || evidenceHas(r, "service/kubernetes") {
		t.Errorf("5.6.4 = %s %v", r.Status, r.Evidence)
	}
	// seccompDefault from the node scan covers unset profiles.
	unset := baseSnapshot(wl("deployment", "prod", "web", func(s *corev1.PodSpec) { s.SecurityContext.SeccompProfile = nil }))
	unset.Workloads = unset.Workloads[len(unset.Workloads)-1:]
	if r := evalControl(t, "5.6.2", unset, EvalOptions{SeccompDefault: map[string]bool{"a": true, "b": true}}); r.Status != report.StatusPass || !strings.Contains(r.Reason, "seccompDefault=true") {
		t.Errorf("5.6.2 with seccompDefault = %s (%s)", r.Status, r.Reason)
	}
	if r := evalControl(t, "5.6.2", unset, EvalOptions{SeccompDefault: map[string]bool{"a": true, "b": false}}); r.Status != report.StatusFail || !evidenceHas(r, "false on b") {
		t.Errorf("5.6.2 with seccompDefault off on b = %s %v", r.Status, r.Evidence)
	}
}

func TestUnavailableKindIsError(t *testing.T) {
	s := baseSnapshot(wl("deployment", "prod", "web", nil))
	s.Unavailable = map[string]string{ResDaemonSets: `daemonsets.apps is forbidden`}
	tr := Evaluate(Build(s), EvalOptions{Benchmark: testBenchmark})
	if tr.Error == "" {
		t.Error("target has no error")
	}
	for _, r := range tr.Results {
		needs := false
		b, _ := benchmarks.Resolve(testBenchmark)
		for _, c := range b.ControlsOf(benchmarks.EngineWorkloads) {
			if c.ID == r.ControlID {
				_, chk, _ := Registry().Lookup(c.Check)
				for _, res := range chk.resources {
					needs = needs || res == ResDaemonSets
				}
			}
		}
		if needs != (r.Status == report.StatusError) {
			t.Errorf("%s = %s, needs daemonsets: %v", r.ControlID, r.Status, needs)
		}
	}
}

func TestMinikindnet(t *testing.T) {
	s := baseSnapshot()
	for i := range s.Workloads {
		if s.Workloads[i].Name == "kindnet" {
			s.Workloads[i].Spec.Containers[0].Image = "docker.io/kindlab/minikindnet:v1"
		}
	}
	if r := evalControl(t, "5.2.5", s, EvalOptions{IncludeSystem: true}); r.Status != report.StatusInfo || !evidenceHas(r, "(expected for kindnet") {
		t.Errorf("minikindnet is kind's CNI: 5.2.5 = %s %v", r.Status, r.Evidence)
	}
	if r := evalControl(t, "5.3.1", s, EvalOptions{}); r.Status != report.StatusFail || !evidenceHas(r, "minikindnet") {
		t.Errorf("minikindnet does not enforce NetworkPolicy: 5.3.1 = %s %v", r.Status, r.Evidence)
	}
}
