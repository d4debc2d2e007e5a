package debugpod

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/distros"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// A k3s server: the k3s process is recorded as the supervisor (its token
// redacted), the newest "Running <component>" line of its log per
// component is read back as arguments, the files those arguments name are
// collected, and /etc/rancher/k3s/config.yaml keeps only its *-arg and
// hardening keys (never the token or the datastore endpoint).
func TestCollectorK3sLayout(t *testing.T) {
	host, proc := fakeRoots(t)
	const logLines = `Jan 01 k3s[2226]: time="x" level=info msg="Running kube-apiserver --anonymous-auth=true --encryption-provider-config=/var/lib/rancher/k3s/server/cred/encryption-config.json"
Jan 02 k3s[2226]: time="x" level=info msg="Starting k3s v1.33.5+k3s1 (abcdef)"
Jan 02 k3s[2226]: time="x" level=info msg="Running kube-apiserver --anonymous-auth=false --controllers=*,tokencleaner --encryption-provider-config=/var/lib/rancher/k3s/server/cred/encryption-config.json"
Jan 02 k3s[2226]: time="x" level=info msg="Running kubelet --config-dir=/var/lib/rancher/k3s/agent/etc/kubelet.conf.d --read-only-port=0"
`
	writeTree(t, host, []fakeFile{
		{path: "/var/log/k3s.log", body: logLines},
		{path: "/etc/rancher/k3s/config.yaml", body: "token: s3cr3t-join-token\ndatastore-endpoint: \"mysql://u:dbpass@tcp(db)/k3s\"\nprotect-kernel-defaults: true\nkube-apiserver-arg:\n  - \"anonymous-auth=false\"\n  - \"oidc-client-secret=oidcpass\"\n", mode: 0o600},
		{path: "/etc/rancher/k3s/config.yaml.d/10-kubelet.yaml", body: "kubelet-arg+:\n  - \"read-only-port=0\"\n", mode: 0o600},
		{path: "/var/lib/rancher/k3s/server/cred/encryption-config.json", body: `{"kind":"EncryptionConfiguration","resources":[{"providers":[{"aescbc":{"keys":[{"name":"k","secret":"c2VjcmV0c2VjcmV0"}]}},{"identity":{}}]}]}`, mode: 0o600},
		{path: "/var/lib/rancher/k3s/agent/etc/kubelet.conf.d/00-k3s-defaults.conf", body: "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n", mode: 0o600},
		{path: "/etc/passwd", body: "root:x:0:0:root:/root:/bin/sh\n"},
		{path: "/etc/group", body: "root:x:0:\n"},
	})
	fakeProc(t, proc, 2226, "k3s-server", []string{"/usr/local/bin/k3s", "server", "--token", "s3cr3t-join-token"}, nil, host)
	for name, env := range toolchains(t) {
		t.Run(name, func(t *testing.T) {
			out := runCollector(t, env, host, proc, "HARDEN_JOURNAL=0")
			n, err := evidence.Parse(bytes.NewReader(out), "server-0")
			if err != nil {
				t.Fatalf("parse: %v\n%s", err, out)
			}
			for _, secret := range []string{"s3cr3t-join-token", "dbpass", "oidcpass", "c2VjcmV0c2VjcmV0"} {
				if bytes.Contains(out, []byte(secret)) || strings.Contains(strings.Join(n.Supervisors[evidence.SupervisorK3s].Args, " "), secret) {
					t.Errorf("secret %q in the output", secret)
				}
				for _, c := range n.Configs {
					if strings.Contains(c, secret) {
						t.Errorf("secret %q in a collected config", secret)
					}
				}
			}
			sup := n.Supervisors[evidence.SupervisorK3s]
			if sup == nil || sup.PID != 2226 || strings.Join(sup.Args, " ") != "/usr/local/bin/k3s server --token "+evidence.Redacted {
				t.Errorf("supervisor %+v", sup)
			}
			api := n.Logged[evidence.APIServer]
			if api == nil || api.Origin != "file:/var/log/k3s.log" || strings.Join(api.Args, " ") != "kube-apiserver --anonymous-auth=false --controllers=*,tokencleaner --encryption-provider-config=/var/lib/rancher/k3s/server/cred/encryption-config.json" {
				t.Errorf("logged kube-apiserver (the newest line wins): %+v", api)
			}
			if kl := n.Logged[evidence.Kubelet]; kl == nil || kl.Args[1] != "--config-dir=/var/lib/rancher/k3s/agent/etc/kubelet.conf.d" {
				t.Errorf("logged kubelet %+v", kl)
			}
			if got := n.EncryptionProviders["/var/lib/rancher/k3s/server/cred/encryption-config.json"]; strings.Join(got, ",") != "aescbc,identity" {
				t.Errorf("encryption providers named by the logged flag: %v", got)
			}
			if _, ok := n.Configs["/var/lib/rancher/k3s/agent/etc/kubelet.conf.d/00-k3s-defaults.conf"]; !ok {
				t.Errorf("the logged kubelet's drop-in was not collected")
			}
			cfg := n.Configs["/etc/rancher/k3s/config.yaml"]
			if !strings.Contains(cfg, "anonymous-auth=false") || !strings.Contains(cfg, "protect-kernel-defaults: true") || strings.Contains(cfg, "token:") || strings.Contains(cfg, "datastore") {
				t.Errorf("config.yaml as collected:\n%s", cfg)
			}
			if !strings.Contains(n.Configs["/etc/rancher/k3s/config.yaml.d/10-kubelet.yaml"], "kubelet-arg+:") {
				t.Errorf("drop-in config: %q", n.Configs["/etc/rancher/k3s/config.yaml.d/10-kubelet.yaml"])
			}

			// The evaluation over K3s's layout names the log line and the
			// config.yaml entry as the value's origin.
			d := distros.Detect(distros.Facts{GitVersion: "v1.33.5+k3s1"})
			tr := checks.EvaluateNode(n, checks.EvalOptions{Benchmark: "k3s-cis-1.12", Distribution: d})
			for _, r := range tr.Results {
				if r.ControlID != "1.2.1" {
					continue
				}
				if r.Status != report.StatusPass || len(r.Evidence) != 1 ||
					r.Evidence[0].Location != "kube-apiserver --anonymous-auth (k3s log line file:/var/log/k3s.log; set by /etc/rancher/k3s/config.yaml kube-apiserver-arg)" {
					t.Errorf("1.2.1: %s %q %+v", r.Status, r.Reason, r.Evidence)
				}
			}
		})
	}
}
