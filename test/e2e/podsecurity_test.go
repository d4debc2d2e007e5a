//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// Linux capability numbers (include/uapi/linux/capability.h).
const (
	capNetRaw   = 13
	capSysAdmin = 21
)

// psCase is one container security context of TestPodSecurityEdges.
type psCase struct {
	name string
	sc   *corev1.SecurityContext
}

// TestPodSecurityEdges proves the 5.2.6 and 5.2.8 verdicts of `kubectl
// harden workloads` on edge cases against two oracles on the kind
// cluster:
//
//   - what the container's process really holds: each pod runs `cat
//     /proc/self/status` as root under the cluster's runtime (containerd),
//     and CapEff and NoNewPrivs are read from its log. 5.2.8 flags a
//     container exactly when it holds NET_RAW; 5.2.6 flags it exactly when
//     it can escalate (no_new_privs not set, or it holds SYS_ADMIN), as
//     FAIL when the API defines allowPrivilegeEscalation as true (set true,
//     privileged, SYS_ADMIN) and as WARN when the field is unset.
//   - the API server's own Pod Security Admission: the same security context
//     (in a pod that otherwise meets restricted) is created with a
//     server-side dry run in namespaces enforcing baseline and restricted.
//     Every container 5.2.6 or 5.2.8 flags is rejected by restricted, and a
//     NET_RAW or SYS_ADMIN added in any letter case, or a privileged
//     container, is rejected by baseline too.
func TestPodSecurityEdges(t *testing.T) {
	// Parallel: its pods, namespaces and the workloads scan are its own
	// (-n harden-psa-run).
	t.Parallel()
	const runNS, baseNS, restrictedNS = "harden-psa-run", "harden-psa-baseline", "harden-psa-restricted"
	privilegedNamespace(t, runNS)
	freshNamespace(t, baseNS, "baseline")
	freshNamespace(t, restrictedNS, "restricted")

	caps := func(add, drop []corev1.Capability) *corev1.Capabilities {
		return &corev1.Capabilities{Add: add, Drop: drop}
	}
	cs := func(c ...corev1.Capability) []corev1.Capability { return c }
	f, tr := false, true
	cases := []psCase{
		{"default", nil},
		{"drop-cap-net-raw", &corev1.SecurityContext{AllowPrivilegeEscalation: &f, Capabilities: caps(nil, cs("CAP_NET_RAW"))}},
		{"drop-net-raw", &corev1.SecurityContext{AllowPrivilegeEscalation: &f, Capabilities: caps(nil, cs("NET_RAW"))}},
		{"drop-net-raw-lower", &corev1.SecurityContext{AllowPrivilegeEscalation: &f, Capabilities: caps(nil, cs("net_raw"))}},
		{"add-net-raw-lower", &corev1.SecurityContext{AllowPrivilegeEscalation: &f, Capabilities: caps(cs("net_raw"), cs("ALL"))}},
		{"add-and-drop-net-raw", &corev1.SecurityContext{AllowPrivilegeEscalation: &f, Capabilities: caps(cs("NET_RAW"), cs("NET_RAW"))}},
		{"privileged", &corev1.SecurityContext{Privileged: &tr}},
		{"add-sys-admin", &corev1.SecurityContext{AllowPrivilegeEscalation: &f, Capabilities: caps(cs("SYS_ADMIN"), cs("ALL"))}},
		{"add-sys-admin-lower", &corev1.SecurityContext{Capabilities: caps(cs("sys_admin"), cs("NET_RAW"))}},
		{"ape-true", &corev1.SecurityContext{AllowPrivilegeEscalation: &tr, Capabilities: caps(nil, cs("ALL"))}},
		{"ape-unset", &corev1.SecurityContext{Capabilities: caps(nil, cs("ALL"))}},
		{"restricted", &corev1.SecurityContext{AllowPrivilegeEscalation: &f, Capabilities: caps(nil, cs("ALL"))}},
	}
	image := envOr("HARDEN_DEBUG_IMAGE", "local/busybox:1.35")
	pull := corev1.PullPolicy(envOr("HARDEN_IMAGE_PULL_POLICY", string(corev1.PullIfNotPresent)))
	ctx := context.Background()
	for _, c := range cases {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: c.name, Namespace: runNS}, Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "c", Image: image, ImagePullPolicy: pull, Command: []string{"cat", "/proc/self/status"}, SecurityContext: c.sc}},
		}}
		if _, err := cluster.client.CoreV1().Pods(runNS).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatalf("pod %s: %v", c.name, err)
		}
	}

	// The runtime's answer, from each pod's log.
	type held struct {
		netRaw, sysAdmin, noNewPrivs bool
	}
	runtime := map[string]held{}
	for _, c := range cases {
		if !eventually(3*time.Minute, 500*time.Millisecond, func() bool {
			p, err := cluster.client.CoreV1().Pods(runNS).Get(ctx, c.name, metav1.GetOptions{})
			return err == nil && (p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed)
		}) {
			t.Fatalf("pod %s did not finish", c.name)
		}
		log := kubectl(t, "logs", "-n", runNS, c.name)
		capEff, nnp := statusField(t, log, "CapEff"), statusField(t, log, "NoNewPrivs")
		bits, err := strconv.ParseUint(capEff, 16, 64)
		if err != nil {
			t.Fatalf("pod %s: CapEff %q: %v", c.name, capEff, err)
		}
		runtime[c.name] = held{netRaw: bits&(1<<capNetRaw) != 0, sysAdmin: bits&(1<<capSysAdmin) != 0, noNewPrivs: nnp == "1"}
	}

	// Pod Security Admission's answer: the same container in a pod that
	// otherwise meets restricted.
	dir := t.TempDir()
	psa := map[string]map[string]string{} // level → case → rejection ("" = admitted)
	for _, ns := range []string{baseNS, restrictedNS} {
		psa[ns] = map[string]string{}
		for _, c := range cases {
			psa[ns][c.name] = dryRunPod(t, dir, ns, c, image)
		}
	}

	r := harden(t, 2*time.Minute, "workloads", "-n", runNS, "-o", "json")
	if r.exit != 0 {
		t.Fatalf("workloads -n %s:\n%s", runNS, r)
	}
	rep := decodeReport(t, r)
	r526, r528 := findResult(t, rep, "5.2.6"), findResult(t, rep, "5.2.8")
	for _, c := range cases {
		rt := runtime[c.name]
		ref := "pod/" + runNS + "/" + c.name + " "
		holds := evidenceWith(r528, ref, "holds NET_RAW")
		if holds != rt.netRaw {
			t.Errorf("%s: 5.2.8 says holds NET_RAW=%v, the container's CapEff has NET_RAW=%v", c.name, holds, rt.netRaw)
		}
		escalates := rt.sysAdmin || !rt.noNewPrivs
		fail := evidenceWith(r526, ref, "(API field definition)") || evidenceWith(r526, ref, "allowPrivilegeEscalation: true")
		warn := evidenceWith(r526, ref, "unset: the kubelet then does not set no_new_privs")
		if (fail || warn) != escalates {
			t.Errorf("%s: 5.2.6 flags it=%v (warn=%v), the container can escalate=%v (NoNewPrivs=%v, SYS_ADMIN=%v)", c.name, fail || warn, warn, escalates, rt.noNewPrivs, rt.sysAdmin)
		}
		if warn && (c.sc != nil && c.sc.AllowPrivilegeEscalation != nil) {
			t.Errorf("%s: 5.2.6 calls a set allowPrivilegeEscalation unset", c.name)
		}
		if (holds || fail || warn) && psa[restrictedNS][c.name] == "" {
			t.Errorf("%s: flagged by 5.2.6/5.2.8, but Pod Security Admission restricted admits it", c.name)
		}
		addsInAnyCase := c.sc != nil && c.sc.Capabilities != nil && len(c.sc.Capabilities.Add) > 0
		if (addsInAnyCase || (c.sc != nil && c.sc.Privileged != nil && *c.sc.Privileged)) && psa[baseNS][c.name] == "" {
			t.Errorf("%s: adds a capability or is privileged, but Pod Security Admission baseline admits it", c.name)
		}
		t.Logf("%-22s runtime NET_RAW=%-5v SYS_ADMIN=%-5v NoNewPrivs=%-5v | 5.2.8 holds=%-5v 5.2.6 fail=%-5v warn=%-5v | PSA baseline %q restricted %q",
			c.name, rt.netRaw, rt.sysAdmin, rt.noNewPrivs, holds, fail, warn, short(psa[baseNS][c.name]), short(psa[restrictedNS][c.name]))
	}
	if psa[restrictedNS]["restricted"] != "" {
		t.Errorf("the restricted case is rejected by Pod Security Admission restricted: %s", psa[restrictedNS]["restricted"])
	}
	// The CAP_ form: PSS baseline sees no forbidden add and admits the pod,
	// the runtime keeps NET_RAW: only restricted's drop ALL catches it.
	if psa[baseNS]["drop-cap-net-raw"] != "" || !runtime["drop-cap-net-raw"].netRaw {
		t.Errorf("drop: [CAP_NET_RAW]: baseline %q, NET_RAW held %v; want admitted by baseline and NET_RAW held", psa[baseNS]["drop-cap-net-raw"], runtime["drop-cap-net-raw"].netRaw)
	}
}

// statusField returns a field of /proc/PID/status.
func statusField(t *testing.T, status, key string) string {
	t.Helper()
	for _, line := range strings.Split(status, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %s in\n%s", key, status)
	return ""
}

// dryRunPod creates the case's container in a pod that otherwise meets
// restricted (non-root, RuntimeDefault seccomp) with a server-side dry run,
// and returns the rejection ("" when admitted).
func dryRunPod(t *testing.T, dir, ns string, c psCase, image string) string {
	t.Helper()
	nonRoot, uid := true, int64(1000)
	pod := corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: metav1.ObjectMeta{Name: c.name, Namespace: ns}, Spec: corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: &nonRoot, RunAsUser: &uid, SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		Containers:      []corev1.Container{{Name: "c", Image: image, SecurityContext: c.sc}},
	}}
	b, err := yaml.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.yaml", ns, c.name))
	testutil.WriteFile(t, path, string(b))
	out, err := kubectlOut(context.Background(), "create", "--dry-run=server", "-f", path)
	switch {
	case err == nil:
		return ""
	case strings.Contains(out, "violates PodSecurity"):
		return strings.TrimSpace(out)
	}
	t.Fatalf("dry run of %s in %s: %v\n%s", c.name, ns, err, out)
	return ""
}

func short(s string) string {
	if s == "" {
		return "admitted"
	}
	if i := strings.Index(s, "violates PodSecurity"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

func findResult(t *testing.T, rep *report.Report, id string) *report.Result {
	t.Helper()
	for _, r := range rep.Results() {
		if r.ControlID == id {
			r := r
			return &r
		}
	}
	t.Fatalf("no result of %s", id)
	return nil
}
