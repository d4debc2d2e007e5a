package debugpod

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// Secret strings planted in the fake host. None may appear in the
// collector's output, raw or base64-decoded.
var secrets = []string{
	"SECRET-ADMIN-TOKEN", "SECRET-CLIENT-KEY-DATA", "SECRET-KUBELET-TOKEN", "SECRET-PRIVATE-KEY-BODY",
	"SECRET-BUNDLE-KEY", "SECRET-ENCRYPTION-KEY", "SECRET-ETCD-PASSWORD", "SECRET-ETCD-TOKEN",
	"SECRET-AWS-ENV", "SECRET-PROXY-TOKEN", "SECRET-TOKEN-CSV", "SECRET-ARG-PASSWORD", "SECRET-ARG-TOKEN",
	"SECRET-PASSWD-HASH", "SECRET-SHADOW", "SECRET-URL-PASSWORD", "SECRET-URL-ENV", "SECRET-KUBELET-ENV", "SECRET-SA-KEY", "SECRET-CONFIG-TOKEN",
}

type fakeFile struct {
	path     string
	body     string
	mode     os.FileMode
	uid, gid int
	link     string // symlink target instead of a file
	dir      bool
}

func pemCert(t *testing.T, tmpl, parent *x509.Certificate, pub, signer any) string {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// testPKI returns a self-signed RSA CA and an ECDSA leaf signed by it.
func testPKI(t *testing.T) (ca, leaf string) {
	t.Helper()
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	caT := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubernetes"},
		NotBefore: now, NotAfter: now.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}
	ca = pemCert(t, caT, caT, &caKey.PublicKey, caKey)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafT := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kube-apiserver"},
		NotBefore: now, NotAfter: now.AddDate(1, 0, 0),
	}
	leaf = pemCert(t, leafT, caT, &leafKey.PublicKey, caKey)
	return ca, leaf
}

func writeTree(t *testing.T, root string, files []fakeFile) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(root, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case f.link != "":
			if err := os.Symlink(f.link, p); err != nil {
				t.Fatal(err)
			}
			continue
		case f.dir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		default:
			testutil.WriteFile(t, p, f.body)
		}
		mode := f.mode
		if mode == 0 {
			mode = 0o644
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		if os.Getuid() == 0 {
			if err := os.Lchown(p, f.uid, f.gid); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func fakeProc(t *testing.T, procDir string, pid int, comm string, argv []string, environ []string, root string) {
	t.Helper()
	d := filepath.Join(procDir, fmt.Sprint(pid))
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(d, name), []byte(s), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	write("comm", comm+"\n")
	write("cmdline", strings.Join(argv, "\x00")+"\x00")
	write("environ", strings.Join(environ, "\x00")+"\x00")
	if err := os.Symlink(root, filepath.Join(d, "root")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/", filepath.Join(d, "cwd")); err != nil {
		t.Fatal(err)
	}
}

// fakeNode builds a host root and a /proc with a kubelet, a containerized
// kube-apiserver, etcd, a containerized kube-proxy and a hyperkube
// scheduler, full of secret-looking files.
// fakeRoots returns the paths of a host's root and of its /proc (not
// created) side by side in a temporary directory.
func fakeRoots(t *testing.T) (host, proc string) {
	dir := t.TempDir()
	return filepath.Join(dir, "host"), filepath.Join(dir, "proc")
}

func fakeNode(t *testing.T) (host, proc string, ca, leaf string) {
	t.Helper()
	host, proc = fakeRoots(t)
	dir := filepath.Dir(host)
	apiRoot, proxyRoot := filepath.Join(dir, "ctr-apiserver"), filepath.Join(dir, "ctr-proxy")
	ca, leaf = testPKI(t)
	key := "-----BEGIN RSA PRIVATE KEY-----\nSECRET-PRIVATE-KEY-BODY\n-----END RSA PRIVATE KEY-----\n"
	writeTree(t, host, []fakeFile{
		{path: "/etc/passwd", body: "root:SECRET-PASSWD-HASH:0:0:root:/root:/bin/sh\netcd:x:997:995::/var/lib/etcd:/sbin/nologin\nbad user:x:5:5::/:/bin/sh\n"},
		{path: "/etc/group", body: "root:x:0:\netcd:x:995:\n"},
		{path: "/etc/shadow", body: "root:SECRET-SHADOW:1::::::\n", mode: 0o600},
		{path: "/etc/kubernetes/manifests/kube-apiserver.yaml", body: "apiVersion: v1\nkind: Pod\n", mode: 0o600},
		{path: "/etc/kubernetes/manifests/etcd.yaml", body: "kind: Pod\n", mode: 0o644},
		{path: "/etc/kubernetes/admin.conf", body: "users:\n- user:\n    token: SECRET-ADMIN-TOKEN\n    client-key-data: SECRET-CLIENT-KEY-DATA\n", mode: 0o600},
		{path: "/etc/kubernetes/kubelet.conf", body: "users:\n- user:\n    token: SECRET-KUBELET-TOKEN\n", mode: 0o600},
		{path: "/etc/kubernetes/scheduler.conf", body: "token: SECRET-ADMIN-TOKEN\n", mode: 0o640, uid: 0, gid: 995},
		{path: "/etc/kubernetes/pki/ca.crt", body: ca, mode: 0o644},
		{path: "/etc/kubernetes/pki/ca.key", body: key, mode: 0o600},
		{path: "/etc/kubernetes/pki/apiserver.crt", body: leaf, mode: 0o644},
		{path: "/etc/kubernetes/pki/sa.key", body: "-----BEGIN PRIVATE KEY-----\nSECRET-SA-KEY\n-----END PRIVATE KEY-----\n", mode: 0o600},
		// a .crt that also holds a key: only the certificate may leave
		{path: "/etc/kubernetes/pki/bundle.crt", body: leaf + "-----BEGIN EC PRIVATE KEY-----\nSECRET-BUNDLE-KEY\n-----END EC PRIVATE KEY-----\n" + ca, mode: 0o644},
		{path: "/etc/kubernetes/pki/with space.crt", body: ca, mode: 0o600},
		{path: "/etc/kubernetes/pki/etcd/peer.key", body: key, mode: 0o600},
		{path: "/var/lib/kubelet/config.yaml", body: "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\nstaticPodPath: /etc/kubernetes/manifests\ntlsCertFile: pki/kubelet.crt  # relative\n", mode: 0o644},
		{path: "/var/lib/kubelet/pki/kubelet.crt", body: leaf, mode: 0o644},
		{path: "/var/lib/kubelet/pki/kubelet-client-current.pem", body: leaf + key, mode: 0o600},
		// a kubelet config candidate that is really a kubeconfig: refused
		{path: "/etc/kubernetes/kubelet-config.yaml", body: "apiVersion: v1\nkind: Config\nusers:\n- user:\n    token: SECRET-CONFIG-TOKEN\n", mode: 0o600},
		{path: "/etc/kubernetes/kubelet-link.conf", link: "/etc/kubernetes/kubelet.conf"},
		{path: "/etc/kubernetes/tokens.csv", body: "SECRET-TOKEN-CSV,admin,1\n", mode: 0o600},
		{path: "/var/lib/etcd", dir: true, mode: 0o700, uid: 997, gid: 995},
		{path: "/var/lib/etcd/member/snap/db", body: "x", mode: 0o600},
		{path: "/etc/cni/net.d/10-kindnet.conflist", body: "{}", mode: 0o644},
		{path: "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", body: "[Service]\nEnvironment=\"X=SECRET-KUBELET-ENV\"\n", mode: 0o644},
	})
	writeTree(t, apiRoot, []fakeFile{
		{path: "/etc/kubernetes/tokens.csv", body: "SECRET-TOKEN-CSV,admin,1\n", mode: 0o600},
		{path: "/etc/kubernetes/enc/enc.yaml", mode: 0o600, body: `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: ["secrets"]
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: SECRET-ENCRYPTION-KEY
      - identity: {}
`},
	})
	writeTree(t, proxyRoot, []fakeFile{
		{path: "/var/lib/kube-proxy/..2026_01_01/config.conf", body: "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclientConnection:\n  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf\nmetricsBindAddress: 0.0.0.0:10249\n"},
		{path: "/var/lib/kube-proxy/..data", link: "..2026_01_01"},
		{path: "/var/lib/kube-proxy/config.conf", link: "..data/config.conf"},
		{path: "/var/lib/kube-proxy/kubeconfig.conf", body: "users:\n- user:\n    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token\n    token: SECRET-PROXY-TOKEN\n"},
	})
	fakeProc(t, proc, 100, "kubelet", []string{"/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml", "--kubeconfig", "/etc/kubernetes/kubelet-link.conf"}, []string{"KUBELET_SECRET=SECRET-KUBELET-ENV"}, host)
	fakeProc(t, proc, 200, "kube-apiserver", []string{"kube-apiserver", "--encryption-provider-config=/etc/kubernetes/enc/enc.yaml", "--token-auth-file=/etc/kubernetes/tokens.csv", "--client-ca-file=/etc/kubernetes/pki/ca.crt", "--oidc-client-secret=SECRET-ARG-PASSWORD", "--etcd-password", "SECRET-ARG-TOKEN", "--enable-bootstrap-token-auth=true", "--token-auth-file", "/etc/kubernetes/tokens.csv", "--profiling=false", "--etcd-servers=https://root:SECRET-URL-PASSWORD@10.0.0.1:2379"}, nil, apiRoot)
	fakeProc(t, proc, 300, "etcd", []string{"etcd", "--cert-file=/etc/kubernetes/pki/apiserver.crt", "--client-cert-auth=true"}, []string{
		"ETCD_DATA_DIR=/var/lib/etcd", "ETCD_PEER_KEY_FILE=/etc/kubernetes/pki/etcd/peer.key", "ETCD_ROOT_PASSWORD=SECRET-ETCD-PASSWORD",
		"ETCD_INITIAL_CLUSTER_TOKEN=SECRET-ETCD-TOKEN", "AWS_SECRET_ACCESS_KEY=SECRET-AWS-ENV", "ETCD_NAME=node-1", "ETCD_INITIAL_CLUSTER=n1=https://u:SECRET-URL-ENV@10.0.0.1:2380",
	}, host)
	fakeProc(t, proc, 400, "kube-proxy", []string{"/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--hostname-override=node-1"}, nil, proxyRoot)
	fakeProc(t, proc, 500, "bash", []string{"bash", "-c", "kube-apiserver --fake"}, nil, host)
	fakeProc(t, proc, 600, "hyperkube", []string{"/hyperkube", "kube-scheduler", "--kubeconfig=/etc/kubernetes/scheduler.conf"}, nil, host)
	return host, proc, ca, leaf
}

// toolchains are the shells and tools the collector is tested with: the
// busybox applets (as in the debug image) and the system's dash with GNU
// tools (to keep the script POSIX).
func toolchains(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	if bb, err := exec.LookPath("busybox"); err == nil {
		bin := filepath.Join(t.TempDir(), "bin")
		if err := os.Mkdir(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"sh", "awk", "base64", "cat", "date", "find", "grep", "head", "readlink", "sed", "sort", "stat", "tail", "tr", "uuencode"} {
			if err := os.Symlink(bb, filepath.Join(bin, a)); err != nil {
				t.Fatal(err)
			}
		}
		out["busybox"] = []string{"PATH=" + bin}
	}
	if _, err := exec.LookPath("sh"); err == nil {
		out["system-sh"] = []string{"PATH=" + os.Getenv("PATH")}
	}
	if len(out) == 0 {
		t.Skip("no sh on this machine")
	}
	return out
}

func runCollector(t *testing.T, env []string, host, proc string, extraEnv ...string) []byte {
	t.Helper()
	return runCollectorTargets(t, env, host, proc, Targets(), extraEnv...)
}

func runCollectorTargets(t *testing.T, env []string, host, proc string, targets []string, extraEnv ...string) []byte {
	t.Helper()
	args := append([]string{"-c", CollectorScript, "kubectl-harden-collector"}, targets...)
	shell := "sh"
	for _, e := range env {
		if p, ok := strings.CutPrefix(e, "PATH="); ok {
			if _, err := os.Stat(filepath.Join(p, "sh")); err == nil {
				shell = filepath.Join(p, "sh")
			}
		}
	}
	cmd := exec.Command(shell, args...)
	cmd.Env = append(append(env, HostRootEnv+"="+host, ProcRootEnv+"="+proc, FlagFilesEnv+"="+FlagTargets(), "LC_ALL=C"), extraEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("collector: %v\n%s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("collector wrote to stderr (it must fold stderr into warn records): %s", stderr.String())
	}
	return out
}

func TestCollectorAgainstFakeNode(t *testing.T) {
	host, proc, _, _ := fakeNode(t)
	for name, env := range toolchains(t) {
		t.Run(name, func(t *testing.T) {
			out := runCollector(t, env, host, proc)
			if os.Getenv("UPDATE_FIXTURE") != "" && name == "busybox" {
				if err := os.WriteFile("../evidence/testdata/fake-node.txt", out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			n, err := evidence.Parse(bytes.NewReader(out), "node-1")
			if err != nil {
				t.Fatalf("parse: %v\n%s", err, out)
			}
			assertNoSecrets(t, out, n)
			checkFakeNode(t, n)
		})
	}
}

// assertNoSecrets looks for every planted secret in the raw output, in
// every base64 payload of it, and in the parsed evidence.
func assertNoSecrets(t *testing.T, out []byte, n *evidence.Node) {
	t.Helper()
	hay := [][]byte{out}
	var run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			if b, err := base64.StdEncoding.DecodeString(run.String()); err == nil {
				hay = append(hay, b)
			}
			run.Reset()
		}
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && (f[0] == "data" || f[0] == "argv") {
			run.WriteString(f[1])
			continue
		}
		flush()
		if len(f) == 3 && f[0] == "env" {
			if b, err := base64.StdEncoding.DecodeString(f[2]); err == nil {
				hay = append(hay, b)
			}
		}
	}
	flush()
	js, err := n.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	hay = append(hay, js)
	for _, s := range secrets {
		for _, h := range hay {
			if bytes.Contains(h, []byte(s)) {
				t.Errorf("secret %q leaked into the output", s)
				break
			}
		}
	}
	for _, h := range hay {
		if bytes.Contains(h, []byte("PRIVATE KEY")) {
			t.Errorf("a private key marker leaked into the output")
			break
		}
	}
}

func checkFakeNode(t *testing.T, n *evidence.Node) {
	t.Helper()
	if n.CollectedAt.IsZero() || n.CollectorVersion != "v1" {
		t.Errorf("header: collectedAt %v, version %q", n.CollectedAt, n.CollectorVersion)
	}
	var comps []string
	for c := range n.Processes {
		comps = append(comps, string(c))
	}
	sort.Strings(comps)
	if diff := cmp.Diff([]string{"etcd", "kube-apiserver", "kube-proxy", "kube-scheduler", "kubelet"}, comps); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	procs := []struct {
		c    evidence.Component
		pid  int
		root string
		args []string
		env  map[string]string
	}{
		{evidence.Kubelet, 100, "host", []string{"/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml", "--kubeconfig", "/etc/kubernetes/kubelet-link.conf"}, nil},
		{evidence.APIServer, 200, "container", []string{"kube-apiserver", "--encryption-provider-config=/etc/kubernetes/enc/enc.yaml", "--token-auth-file=/etc/kubernetes/tokens.csv", "--client-ca-file=/etc/kubernetes/pki/ca.crt", "--oidc-client-secret=<redacted>", "--etcd-password", "<redacted>", "--enable-bootstrap-token-auth=true", "--token-auth-file", "/etc/kubernetes/tokens.csv", "--profiling=false", "--etcd-servers=https://<redacted>@10.0.0.1:2379"}, nil},
		{evidence.Etcd, 300, "host", []string{"etcd", "--cert-file=/etc/kubernetes/pki/apiserver.crt", "--client-cert-auth=true"}, map[string]string{
			"ETCD_DATA_DIR": "/var/lib/etcd", "ETCD_PEER_KEY_FILE": "/etc/kubernetes/pki/etcd/peer.key", "ETCD_ROOT_PASSWORD": evidence.Redacted,
			"ETCD_INITIAL_CLUSTER_TOKEN": evidence.Redacted, "ETCD_NAME": "node-1", "ETCD_INITIAL_CLUSTER": "n1=https://<redacted>@10.0.0.1:2380",
		}},
		{evidence.KubeProxy, 400, "container", []string{"/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--hostname-override=node-1"}, nil},
		{evidence.Scheduler, 600, "host", []string{"/hyperkube", "kube-scheduler", "--kubeconfig=/etc/kubernetes/scheduler.conf"}, nil},
	}
	for _, w := range procs {
		p := n.Process(w.c)
		if p == nil {
			continue
		}
		want := &evidence.Process{PID: w.pid, Root: w.root, Args: w.args, Env: w.env}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Errorf("%s (-want +got):\n%s", w.c, diff)
		}
	}
	root := os.Getuid() == 0
	files := []struct {
		path                   string
		exists                 bool
		typ                    string
		mode                   uint32
		uid, gid               int
		via, target            string
		checkOwner             bool
		skipModeAndOwnerChecks bool
	}{
		{path: "/etc/kubernetes/manifests/kube-apiserver.yaml", exists: true, typ: "file", mode: 0o600},
		{path: "/etc/kubernetes/manifests/kube-apiserver.yml"},
		{path: "/etc/kubernetes/scheduler.conf", exists: true, typ: "file", mode: 0o640, gid: 995, checkOwner: true},
		{path: "/var/lib/etcd", exists: true, typ: "dir", mode: 0o700, uid: 997, gid: 995, checkOwner: true},
		{path: "/etc/kubernetes/pki", exists: true, typ: "dir", mode: 0o755},
		{path: "/etc/kubernetes/pki/ca.key", exists: true, typ: "file", mode: 0o600},
		{path: "/etc/kubernetes/pki/etcd", exists: true, typ: "dir", mode: 0o755},
		{path: "/etc/kubernetes/pki/etcd/peer.key", exists: true, typ: "file", mode: 0o600},
		{path: "/etc/kubernetes/pki/with space.crt", exists: true, typ: "file", mode: 0o600},
		{path: "/etc/cni/net.d/10-kindnet.conflist", exists: true, typ: "file", mode: 0o644},
		{path: "/var/lib/kubelet/pki/kubelet-client-current.pem", exists: true, typ: "file", mode: 0o600},
		{path: "/etc/kubernetes/kubelet-link.conf", exists: true, typ: "file", mode: 0o600, target: "/etc/kubernetes/kubelet.conf"},
		{path: "/etc/kubernetes/tokens.csv", exists: true, typ: "file", mode: 0o600, via: "/proc/200/root"},
		{path: "/etc/kubernetes/enc/enc.yaml", exists: true, typ: "file", mode: 0o600, via: "/proc/200/root"},
		{path: "/var/lib/kube-proxy/config.conf", exists: true, typ: "file", mode: 0o644, via: "/proc/400/root", target: "/var/lib/kube-proxy/..2026_01_01/config.conf"},
		{path: "/var/lib/kube-proxy/kubeconfig.conf", exists: true, typ: "file", mode: 0o644, via: "/proc/400/root"},
		{path: "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", exists: true, typ: "file", mode: 0o644},
	}
	for _, w := range files {
		f := n.File(w.path)
		if f == nil {
			t.Errorf("file %s was not looked for", w.path)
			continue
		}
		got := evidence.File{Path: f.Path, Exists: f.Exists, Type: f.Type, Mode: f.Mode, ReadVia: f.ReadVia, Target: f.Target}
		want := evidence.File{Path: w.path, Exists: w.exists, Type: w.typ, Mode: w.mode, ReadVia: w.via, Target: w.target}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("file %s (-want +got):\n%s", w.path, diff)
		}
		if root && w.checkOwner && (f.UID != w.uid || f.GID != w.gid) {
			t.Errorf("file %s owner %d:%d, want %d:%d", w.path, f.UID, f.GID, w.uid, w.gid)
		}
	}
	if f := n.File("/var/lib/etcd/member/snap/db"); f != nil {
		t.Errorf("the etcd data dir must not be walked, got %+v", f)
	}
	var cfgs []string
	for p := range n.Configs {
		cfgs = append(cfgs, p)
	}
	sort.Strings(cfgs)
	if diff := cmp.Diff([]string{"/var/lib/kube-proxy/config.conf", "/var/lib/kubelet/config.yaml"}, cfgs); diff != "" {
		t.Errorf("configs (-want +got):\n%s", diff)
	}
	if !strings.Contains(n.Configs["/var/lib/kubelet/config.yaml"], "clientCAFile: /etc/kubernetes/pki/ca.crt") {
		t.Errorf("kubelet config content: %q", n.Configs["/var/lib/kubelet/config.yaml"])
	}
	if !strings.Contains(n.Configs["/var/lib/kube-proxy/config.conf"], "metricsBindAddress: 0.0.0.0:10249") {
		t.Errorf("kube-proxy config content: %q", n.Configs["/var/lib/kube-proxy/config.conf"])
	}
	if !hasWarning(n, "/etc/kubernetes/kubelet-config.yaml looks like it holds credentials") {
		t.Errorf("no warning about the kubeconfig-looking kubelet config: %q", n.Warnings)
	}
	if diff := cmp.Diff(map[string][]string{"/etc/kubernetes/enc/enc.yaml": {"aescbc", "identity"}}, n.EncryptionProviders); diff != "" {
		t.Errorf("encryption providers (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[int]string{0: "root", 997: "etcd"}, n.Users); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[int]string{0: "root", 995: "etcd"}, n.Groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	type certFacts struct {
		IsCA, SelfSigned bool
		SignedBy, Alg    string
		Bits, Count      int
		Err              string
	}
	wantCerts := map[string]certFacts{
		"/etc/kubernetes/pki/ca.crt":         {IsCA: true, SelfSigned: true, Alg: "RSA", Bits: 2048, Count: 1},
		"/etc/kubernetes/pki/with space.crt": {IsCA: true, SelfSigned: true, Alg: "RSA", Bits: 2048, Count: 1},
		"/etc/kubernetes/pki/apiserver.crt":  {SignedBy: "/etc/kubernetes/pki/ca.crt", Alg: "ECDSA", Bits: 256, Count: 1},
		"/etc/kubernetes/pki/bundle.crt":     {SignedBy: "/etc/kubernetes/pki/ca.crt", Alg: "ECDSA", Bits: 256, Count: 2},
		"/var/lib/kubelet/pki/kubelet.crt":   {SignedBy: "/etc/kubernetes/pki/ca.crt", Alg: "ECDSA", Bits: 256, Count: 1},
	}
	gotCerts := map[string]certFacts{}
	for p, c := range n.Certificates {
		gotCerts[p] = certFacts{IsCA: c.IsCA, SelfSigned: c.SelfSigned, SignedBy: c.SignedBy, Alg: c.KeyAlgorithm, Bits: c.KeyBits, Count: c.Count, Err: c.Error}
	}
	if diff := cmp.Diff(wantCerts, gotCerts); diff != "" {
		t.Errorf("certificates (-want +got):\n%s", diff)
	}
}

func hasWarning(n *evidence.Node, sub string) bool {
	for _, w := range n.Warnings {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

func TestCollectorTruncatesAtTotalBound(t *testing.T) {
	host, proc, _, _ := fakeNode(t)
	for name, env := range toolchains(t) {
		t.Run(name, func(t *testing.T) {
			out := runCollector(t, env, host, proc, MaxTotalEnv+"=3000")
			if len(out) > 3200 {
				t.Errorf("output is %d bytes, bound 3000 (+trailer)", len(out))
			}
			n, err := evidence.Parse(bytes.NewReader(out), "node-1")
			if err != nil {
				t.Fatalf("parse: %v\n%s", err, out)
			}
			if !hasWarning(n, "size bound") {
				t.Errorf("no truncation warning: %q", n.Warnings)
			}
		})
	}
}

func TestCollectorEmptyHost(t *testing.T) {
	dir := t.TempDir()
	for name, env := range toolchains(t) {
		t.Run(name, func(t *testing.T) {
			out := runCollector(t, env, filepath.Join(dir, "nohost"), filepath.Join(dir, "noproc"))
			n, err := evidence.Parse(bytes.NewReader(out), "node-1")
			if err != nil {
				t.Fatalf("parse: %v\n%s", err, out)
			}
			if len(n.Processes) != 0 {
				t.Errorf("processes on an empty host: %v", n.Processes)
			}
			if f := n.File(evidence.KubeletConfigs[0]); f == nil || f.Exists {
				t.Errorf("kubelet config candidate: %+v, want a missing record", f)
			}
			if !hasWarning(n, "/etc/passwd is not readable") {
				t.Errorf("warnings: %q", n.Warnings)
			}
		})
	}
}

func TestCollectorScriptSize(t *testing.T) {
	// The script travels as one argument of the container command; Linux
	// caps one argument at 128 KiB (MAX_ARG_STRLEN).
	size := len(CollectorScript)
	for _, a := range Targets() {
		size += len(a)
	}
	if size > 32<<10 {
		t.Errorf("collector script and targets are %d bytes; keep them under 32 KiB", size)
	}
}

// TestCollectorSymlinks: paths are resolved the way the host resolves them,
// inside the host root: intermediate and final links, absolute targets
// taken against the host root (they do not exist in the test's own root),
// relative targets against the link's directory, ".." stopping at the host
// root, loops bounded; modes and owners are the target's, and a symlinked
// directory is walked as its target.
func TestCollectorSymlinks(t *testing.T) {
	dir := t.TempDir()
	host := filepath.Join(dir, "host")
	ca, _ := testPKI(t)
	writeTree(t, host, []fakeFile{
		// /etc/kubernetes is an absolute link to /srv/k8s: the intermediate case
		{path: "/srv/k8s/scheduler.conf", body: "x", mode: 0o644},
		{path: "/etc/kubernetes", link: "/srv/k8s"},
		// relative target, resolved from the link's real directory /srv/k8s
		{path: "/data/cm.conf", body: "x", mode: 0o640},
		{path: "/srv/k8s/controller-manager.conf", link: "../../data/cm.conf"},
		// a symlinked directory, reached through the intermediate link
		{path: "/srv/pki/ca.crt", body: ca, mode: 0o644},
		{path: "/srv/pki/ca.key", body: "k", mode: 0o644},
		{path: "/srv/keys/real.key", body: "k", mode: 0o600},
		{path: "/srv/pki/sa.key", link: "/srv/keys/real.key"},
		{path: "/srv/pki/front.crt", link: "ca.crt"},
		{path: "/srv/k8s/pki", link: "/srv/pki"},
		// ".." never climbs out of the host root
		{path: "/outside.conf", body: "x", mode: 0o600},
		{path: "/etc/escape.conf", link: "../../../../../../outside.conf"},
		{path: "/etc/escape-abs.conf", link: "/../../outside.conf"},
		// a loop, and a dangling link
		{path: "/etc/loop-a", link: "loop-b"},
		{path: "/etc/loop-b", link: "/etc/loop-a"},
		{path: "/etc/dangling.conf", link: "/nowhere/x.conf"},
		// a mode-777 link to a 600 file is a 600 file
		{path: "/etc/link-ok.conf", link: "/outside.conf"},
	})
	// What escape attempts would reach if they were resolved outside the host root.
	writeTree(t, dir, []fakeFile{{path: "/outside.conf", body: "x", mode: 0o666}})
	targets := []string{
		"stat:/etc/kubernetes/scheduler.conf", "stat:/etc/kubernetes/controller-manager.conf",
		"certtree:/etc/kubernetes/pki", "stat:/etc/escape.conf", "stat:/etc/escape-abs.conf",
		"stat:/etc/loop-a", "stat:/etc/dangling.conf", "stat:/etc/link-ok.conf",
	}
	type fileFacts struct {
		Exists       bool
		Type, Target string
		Mode         uint32
		Err          string
	}
	want := map[string]fileFacts{
		"/etc/kubernetes/scheduler.conf":          {true, "file", "/srv/k8s/scheduler.conf", 0o644, ""},
		"/etc/kubernetes/controller-manager.conf": {true, "file", "/data/cm.conf", 0o640, ""},
		"/etc/kubernetes/pki":                     {true, "dir", "/srv/pki", 0o755, ""},
		"/etc/kubernetes/pki/ca.crt":              {true, "file", "/srv/pki/ca.crt", 0o644, ""},
		"/etc/kubernetes/pki/ca.key":              {true, "file", "/srv/pki/ca.key", 0o644, ""},
		"/etc/kubernetes/pki/sa.key":              {true, "file", "/srv/keys/real.key", 0o600, ""},
		"/etc/kubernetes/pki/front.crt":           {true, "file", "/srv/pki/ca.crt", 0o644, ""},
		"/etc/escape.conf":                        {true, "file", "/outside.conf", 0o600, ""},
		"/etc/escape-abs.conf":                    {true, "file", "/outside.conf", 0o600, ""},
		"/etc/loop-a":                             {false, "", "", 0, "stat failed"},
		"/etc/dangling.conf":                      {true, "symlink", "/nowhere/x.conf", 0o777, ""},
		"/etc/link-ok.conf":                       {true, "file", "/outside.conf", 0o600, ""},
	}
	for name, env := range toolchains(t) {
		t.Run(name, func(t *testing.T) {
			out := runCollectorTargets(t, env, host, filepath.Join(dir, "noproc"), targets)
			n, err := evidence.Parse(bytes.NewReader(out), "node-1")
			if err != nil {
				t.Fatalf("parse: %v\n%s", err, out)
			}
			got := map[string]fileFacts{}
			for p, f := range n.Files {
				got[p] = fileFacts{f.Exists, f.Type, f.Target, f.Mode, f.Error}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("files (-want +got):\n%s\n%s", diff, out)
			}
			for _, p := range []string{"/etc/kubernetes/pki/ca.crt", "/etc/kubernetes/pki/front.crt"} {
				if c := n.Certificates[p]; c == nil || !c.IsCA {
					t.Errorf("certificate %s through the symlinked directory: %+v", p, c)
				}
			}
			if !hasWarning(n, "/etc/loop-a: more than 40 symbolic links") {
				t.Errorf("no loop warning: %q", n.Warnings)
			}
		})
	}
}
