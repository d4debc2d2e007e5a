package debugpod

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// OpenShift's static pod resources: the entries of its secrets are
// stat-ed (modes of the secrets the installer writes, openshift/library-go
// pkg/operator/staticpod/installerpod/cmd.go), never read, and bounded:
// a tree cut at the bound leaves the PKI controls ERROR, never PASS.
func TestCollectorOpenShiftStaticPodResources(t *testing.T) {
	const keyBody = "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END RSA PRIVATE KEY-----\n"
	const res = "/etc/kubernetes/static-pod-resources"
	host, proc := fakeRoots(t)
	writeTree(t, host, []fakeFile{
		{path: res + "/kube-apiserver-certs/secrets/localhost-serving-cert-certkey/tls.key", body: keyBody, mode: 0o600},
		{path: res + "/kube-apiserver-certs/secrets/localhost-serving-cert-certkey/tls.crt", body: "not a certificate\n", mode: 0o600},
		{path: res + "/kube-apiserver-pod-7/secrets/etcd-client/tls.key", body: keyBody, mode: 0o644},
		{path: res + "/kube-apiserver-pod-7/configmaps/config/config.yaml", body: "apiServerArguments: {}\n", mode: 0o644},
	})
	// a control-plane node: the API server runs.
	fakeProc(t, proc, 3100, "kube-apiserver", []string{"kube-apiserver", "--secure-port=6443"}, nil, host)
	for name, env := range toolchains(t) {
		t.Run(name, func(t *testing.T) {
			out := runCollector(t, env, host, proc)
			if bytes.Contains(out, []byte("c2VjcmV0LWtleS1tYXRlcmlhbA")) || bytes.Contains(out, []byte("PRIVATE KEY")) {
				t.Fatalf("key material in the output:\n%s", out)
			}
			n, err := evidence.Parse(bytes.NewReader(out), "master-0")
			if err != nil {
				t.Fatalf("parse: %v\n%s", err, out)
			}
			key := n.File(res + "/kube-apiserver-pod-7/secrets/etcd-client/tls.key")
			if key == nil || !key.Exists || key.Mode&0o777 != 0o644 {
				t.Fatalf("stat of a secret key: %+v", key)
			}
			if _, read := n.Configs[res+"/kube-apiserver-pod-7/configmaps/config/config.yaml"]; read {
				t.Errorf("a file of the tree was read, not only stat-ed")
			}
			// Only the secrets count against the bound: configmaps are
			// not listed.
			if f := n.File(res + "/kube-apiserver-pod-7/configmaps/config/config.yaml"); f != nil {
				t.Errorf("a configmap was listed: %+v", f)
			}
			if f := n.File(res); f == nil || !f.Exists || f.Type != "dir" {
				t.Errorf("the tree's root: %+v", f)
			}
			// 1.1.21 of rh-1.8: the 0644 key fails, naming it.
			r := result(t, n, "1.1.21")
			if r.Status != checks.StatusFail || !strings.Contains(r.Reason, "pod-7/secrets/etcd-client/tls.key") {
				t.Errorf("1.1.21: %s %q", r.Status, r.Reason)
			}

			// Bounded: past HARDEN_MAX_TREE entries the tree is cut, said
			// in a warning, and the control is not decided.
			cut, err := evidence.Parse(bytes.NewReader(runCollector(t, env, host, proc, "HARDEN_MAX_TREE=3")), "master-0")
			if err != nil {
				t.Fatal(err)
			}
			if r := result(t, cut, "1.1.21"); r.Status != checks.StatusError || !strings.Contains(r.Reason, "listed only part of "+res) {
				t.Errorf("1.1.21 over a cut tree: %s %q", r.Status, r.Reason)
			}
		})
	}
}

func result(t *testing.T, n *evidence.Node, id string) checks.Result {
	t.Helper()
	for _, r := range checks.EvaluateNode(n, checks.EvalOptions{Benchmark: "rh-1.8"}).Results {
		if r.ControlID == id {
			return r
		}
	}
	t.Fatalf("no control %s", id)
	return checks.Result{}
}
