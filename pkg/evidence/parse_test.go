package evidence

import (
	"encoding/base64"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// frame wraps records in a header and a correct trailer.
func frame(records ...string) string {
	var b strings.Builder
	b.WriteString(FormatHeader + "\n")
	for _, r := range records {
		b.WriteString(r + "\n")
	}
	b.WriteString("#end " + strconv.Itoa(len(records)) + "\n")
	return b.String()
}

func TestParseRecords(t *testing.T) {
	argv := b64("/usr/bin/kubelet\x00--config=/var/lib/kubelet/config.yaml\x00--kubeconfig\x00/etc/kubernetes/kubelet.conf\x00")
	in := frame(
		"time 1700000000",
		"proc kubelet 42 host",
		"argv "+argv[:20],
		"argv "+argv[20:],
		"proc etcd 7 container",
		"argv "+b64("etcd\x00"),
		"env ETCD_DATA_DIR "+b64("/var/lib/etcd"),
		"env ETCD_ROOT_PASSWORD -",
		"file 81a4 0 0 12 host /etc/kubernetes/manifests/etcd.yaml",
		"file 41c0 997 995 4096 host /var/lib/etcd",
		"file a1ff 0 0 20 host /etc/kubernetes/link.conf",
		"target /etc/kubernetes/real.conf",
		"missing host /etc/kubernetes/admin.conf",
		"staterr host /etc/kubernetes/odd",
		"missing host /var/lib/kube-proxy/config.conf",
		"file 81a4 0 0 3 proc:9 /var/lib/kube-proxy/config.conf",
		"file 8180 0 0 3 proc:9 /etc/kubernetes/manifests/etcd.yaml",
		"file 8180 1 1 3 host /path with spaces/f",
		"config host /var/lib/kubelet/config.yaml",
		"data "+b64("kind: KubeletConfiguration\n"),
		"end",
		"encryption proc:9 /etc/enc.yaml",
		"provider aescbc",
		"provider identity",
		"end",
		"user 0 root",
		"user 0 toor",
		"group 995 etcd",
		"warn something odd",
	)
	n, err := Parse(strings.NewReader(in), "node-1")
	if err != nil {
		t.Fatal(err)
	}
	want := &Node{
		Schema: SchemaVersion, NodeName: "node-1", CollectorVersion: "v1",
		CollectedAt: time.Unix(1700000000, 0).UTC(),
		Processes: map[Component]*Process{
			Kubelet: {PID: 42, Root: "host", Args: []string{"/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml", "--kubeconfig", "/etc/kubernetes/kubelet.conf"}},
			Etcd:    {PID: 7, Root: "container", Args: []string{"etcd"}, Env: map[string]string{"ETCD_DATA_DIR": "/var/lib/etcd", "ETCD_ROOT_PASSWORD": Redacted}},
		},
		Files: map[string]*File{
			"/etc/kubernetes/manifests/etcd.yaml": {Path: "/etc/kubernetes/manifests/etcd.yaml", Exists: true, Type: "file", Mode: 0o644, Size: 12},
			"/var/lib/etcd":                       {Path: "/var/lib/etcd", Exists: true, Type: "dir", Mode: 0o700, UID: 997, GID: 995, Size: 4096},
			"/etc/kubernetes/link.conf":           {Path: "/etc/kubernetes/link.conf", Exists: true, Type: "symlink", Mode: 0o777, Size: 20, Target: "/etc/kubernetes/real.conf"},
			"/etc/kubernetes/admin.conf":          {Path: "/etc/kubernetes/admin.conf"},
			"/etc/kubernetes/odd":                 {Path: "/etc/kubernetes/odd", Error: "stat failed"},
			"/var/lib/kube-proxy/config.conf":     {Path: "/var/lib/kube-proxy/config.conf", Exists: true, Type: "file", Mode: 0o644, Size: 3, ReadVia: "/proc/9/root"},
			"/path with spaces/f":                 {Path: "/path with spaces/f", Exists: true, Type: "file", Mode: 0o600, UID: 1, GID: 1, Size: 3},
		},
		Users:               map[int]string{0: "root"},
		Groups:              map[int]string{995: "etcd"},
		Configs:             map[string]string{"/var/lib/kubelet/config.yaml": "kind: KubeletConfiguration\n"},
		EncryptionProviders: map[string][]string{"/etc/enc.yaml": {"aescbc", "identity"}},
		Certificates:        map[string]*Certificate{},
		Warnings:            []string{"something odd"},
	}
	if diff := cmp.Diff(want, n); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}
	if v, src, ok := n.Process(Etcd).EnvOrFlag("data-dir", "ETCD_DATA_DIR"); !ok || v != "/var/lib/etcd" || src != "env ETCD_DATA_DIR" {
		t.Errorf("EnvOrFlag = %q %q %v", v, src, ok)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
		trunc    bool
	}{
		{"empty", "", "no evidence header", true},
		{"wrong header", "hello\n", `line 1: want header`, false},
		{"newer format", "#kubectl-harden-evidence v2\n#end 0\n", `format "v2" is not supported`, false},
		{"no trailer", FormatHeader + "\ntime 1\n", "no trailer after line 2", true},
		{"short count", FormatHeader + "\ntime 1\n#end 2\n", "trailer counts 2 records, read 1", true},
		{"bad count", FormatHeader + "\n#end x\n", "line 2: bad trailer count", false},
		{"after trailer", frame() + "time 1\n", "line 3: data after the trailer", false},
		{"unknown record", frame("bogus 1"), `line 2: unknown record type "bogus"`, false},
		{"bad time", frame("time soon"), "line 2: time record", false},
		{"unknown component", frame("proc kube-foo 1 host"), `unknown component "kube-foo"`, false},
		{"bad pid", frame("proc kubelet -1 host"), "bad pid", false},
		{"bad root", frame("proc kubelet 1 moon"), "bad root kind", false},
		{"argv alone", frame("argv AAAA"), "line 2: argv record outside a proc record", false},
		{"bad argv", frame("proc kubelet 1 host", "argv !!!!"), "argv of pid 1", false},
		{"empty argv", frame("proc kubelet 1 host"), "pid 1 has an empty argv", false},
		{"env of kubelet", frame("proc kubelet 1 host", "env ETCD_X "+b64("y")), "only etcd's environment", false},
		{"env not ETCD", frame("proc etcd 1 host", "argv "+b64("etcd"), "env HOME "+b64("/")), "bad variable", false},
		{"file fields", frame("file 81a4 0 0 host /x"), "file record: want 6 fields", false},
		{"file mode", frame("file zz 0 0 1 host /x"), "bad mode", false},
		{"file negative", frame("file 81a4 -1 0 1 host /x"), "bad mode", false},
		{"relative path", frame("file 81a4 0 0 1 host x"), "is not absolute", false},
		{"bad via", frame("missing proc:x /x"), "bad via", false},
		{"target alone", frame("target /x"), "target record not after a file record", false},
		{"data alone", frame("data AAAA"), "data record outside a block", false},
		{"open block", frame("config host /c", "data AAAA"), "config block for /c has no end", false},
		{"wrong in block", frame("cert host /c", "data AAAA", "end"), "data record inside the cert block of /c", false},
		{"bad config b64", frame("config host /c", "data !!", "end"), "config block of /c", false},
		{"bad provider", frame("encryption host /e", "provider AES CBC", "end"), "bad name", false},
		{"bad user", frame("user x root"), "user record", false},
		{"bad user name", frame("user 1 ro:ot"), "user record", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in), "n")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if errors.Is(err, ErrTruncated) != tt.trunc {
				t.Errorf("errors.Is(err, ErrTruncated) = %v, want %v", !tt.trunc, tt.trunc)
			}
		})
	}
}

func TestParseTruncatedBlock(t *testing.T) {
	n, err := Parse(strings.NewReader(frame("config host /c", "data AAAA", "truncated 100", "user 0 root")), "n")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := n.Configs["/c"]; ok {
		t.Errorf("a truncated config must not be kept")
	}
	if len(n.Warnings) != 1 || !strings.Contains(n.Warnings[0], "size bound") {
		t.Errorf("warnings = %q", n.Warnings)
	}
	if n.TruncatedAt != 100 {
		t.Errorf("TruncatedAt = %d, want 100", n.TruncatedAt)
	}
	complete, err := Parse(strings.NewReader(frame("user 0 root")), "n")
	if err != nil || complete.TruncatedAt != 0 {
		t.Errorf("complete output: TruncatedAt = %d, err %v", complete.TruncatedAt, err)
	}
}

func TestParseDuplicateProcess(t *testing.T) {
	n, err := Parse(strings.NewReader(frame(
		"proc kubelet 1 host", "argv "+b64("kubelet\x00--a"),
		"proc kubelet 2 host", "argv "+b64("kubelet\x00--b"),
	)), "n")
	if err != nil {
		t.Fatal(err)
	}
	if p := n.Process(Kubelet); p.PID != 1 || p.Args[1] != "--a" {
		t.Errorf("kept %+v, want pid 1", p)
	}
	if len(n.Warnings) != 1 || !strings.Contains(n.Warnings[0], "several kubelet processes") {
		t.Errorf("warnings = %q", n.Warnings)
	}
}

func TestParseFixture(t *testing.T) {
	f, err := os.Open("testdata/fake-node.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := Parse(f, "node-1")
	if err != nil {
		t.Fatal(err)
	}
	if !n.Has(Kubelet) || !n.Has(APIServer) || n.File("/etc/kubernetes/pki/ca.crt") == nil {
		t.Errorf("fixture evidence incomplete: %v", n.Processes)
	}
	if c := n.Certificates["/etc/kubernetes/pki/apiserver.crt"]; c == nil || c.SignedBy != "/etc/kubernetes/pki/ca.crt" {
		t.Errorf("apiserver.crt = %+v", c)
	}
}

func FuzzParse(f *testing.F) {
	// The whole fixture is parsed by TestParseFixture; as a seed it stalls
	// the mutator, so the seeds are its records in small frames.
	if b, err := os.ReadFile("testdata/fake-node.txt"); err == nil {
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		lines = lines[1 : len(lines)-1]
		for i := 0; i < len(lines); i += 12 {
			j := min(i+12, len(lines))
			f.Add(frame(lines[i:j]...))
		}
	}
	f.Add(frame("time 1", "proc etcd 3 host", "argv "+b64("etcd\x00--x"), "env ETCD_A "+b64("b"), "file 81a4 0 0 1 host /a", "target /b"))
	f.Add(frame("cert host /c", "pem -----BEGIN CERTIFICATE-----", "pem AAAA", "pem -----END CERTIFICATE-----", "end"))
	f.Add(frame("proc supervisor:k3s 2 host", "argv "+b64("k3s\x00server"), "logline kubelet journal:k3s", "argv "+b64("kubelet\x00--a=b"), "logline kubelet file:/x", "argv "+b64("kubelet")))
	f.Add(frame("encryption host /e", "provider kms", "end", "truncated 5"))
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 16<<10 {
			// Longer inputs repeat records; minimising them kept the
			// fuzzer from fuzzing for seconds at a time.
			return
		}
		n, err := Parse(strings.NewReader(in), "n")
		if err != nil {
			if n != nil {
				t.Fatal("node returned with an error")
			}
			return
		}
		for c, p := range n.Processes {
			if p == nil || len(p.Args) == 0 {
				t.Fatalf("process %s without args", c)
			}
		}
		for k, fi := range n.Files {
			if fi == nil || fi.Path != k || !strings.HasPrefix(k, "/") {
				t.Fatalf("bad file entry %q: %+v", k, fi)
			}
		}
		if _, err := n.Marshal(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestParseBoundsNodeText: what the node writes reaches parse errors and
// the warnings (which become notes of the node's report) bounded and
// inert, however long and whatever bytes it holds.
func TestParseBoundsNodeText(t *testing.T) {
	hostile := "\x1b]0;owned\x07\x1b[2J\u202e\xff" + strings.Repeat("A", 200<<10)
	inert := func(t *testing.T, what, s string, limit int) {
		t.Helper()
		if len(s) > limit {
			t.Errorf("%s of %d bytes, want at most %d", what, len(s), limit)
		}
		if i := strings.IndexAny(s, "\x1b\x07\n\u202e"); i >= 0 || !utf8.ValidString(s) {
			t.Errorf("%s holds raw node text: %q", what, s[:min(len(s), 200)])
		}
	}
	errCases := map[string]string{
		"path longer than PATH_MAX": frame("file 81a4 0 0 1 host /" + hostile),
		"account name too long":     frame("user 0 " + strings.Repeat("r", 1000)),
		"unterminated block":        frame("cert host /" + hostile),
		"wrong record in block":     frame("cert host /"+hostile, hostile+" x"),
		"bad config block":          frame("config host /"+hostile, "data !!", "end"),
	}
	for name, in := range errCases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(in), "n")
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			inert(t, "error", err.Error(), 1024)
		})
	}
	t.Run("warnings", func(t *testing.T) {
		var recs []string
		for range 1000 {
			recs = append(recs, "warn "+hostile[:4096])
		}
		n, err := Parse(strings.NewReader(frame(recs...)), "n")
		if err != nil {
			t.Fatal(err)
		}
		if len(n.Warnings) != maxWarnings+1 || !strings.Contains(n.Warnings[maxWarnings], "900 more collector warnings were dropped") {
			t.Fatalf("%d warnings, last %q; want %d and a count of the dropped", len(n.Warnings), n.Warnings[len(n.Warnings)-1][:min(80, len(n.Warnings[len(n.Warnings)-1]))], maxWarnings+1)
		}
		for _, w := range n.Warnings {
			inert(t, "warning", w, maxWarningBytes+32)
		}
	})
}
