package evidence

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
)

func sampleNode(name string) *Node {
	return &Node{
		Schema: SchemaVersion, NodeName: name, CollectorVersion: FormatVersion,
		CollectedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Processes:   map[Component]*Process{Kubelet: {PID: 1, Args: []string{"kubelet", "--x"}, Root: "host"}},
		Files:       map[string]*File{"/a": {Path: "/a", Exists: true, Type: "file", Mode: 0o600}},
		Users:       map[int]string{0: "root"}, Groups: map[int]string{0: "root"},
		Certificates: map[string]*Certificate{"/c.crt": {Path: "/c.crt", KeyAlgorithm: "RSA", KeyBits: 2048}},
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	a, b := sampleNode("node-a"), sampleNode("node-b")
	// node-a's evidence replaces an earlier, world-readable file
	if err := os.WriteFile(filepath.Join(dir, "node-a.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*Node{b, a} {
		p, err := n.Save(dir)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(p) != n.NodeName+".json" {
			t.Errorf("saved as %s", p)
		}
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", p, st.Mode().Perm())
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte("not evidence"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*Node{a, b}, got); diff != "" {
		t.Errorf("Load(dir) (-want +got):\n%s", diff)
	}
	one, err := Load(filepath.Join(dir, "node-b.json"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*Node{b}, one); diff != "" {
		t.Errorf("Load(file) (-want +got):\n%s", diff)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string { return testutil.WriteFile(t, filepath.Join(dir, name), body) }
	empty := testutil.Mkdir(t, filepath.Join(dir, "empty"))
	dup := testutil.Mkdir(t, filepath.Join(dir, "dup"))
	js, _ := sampleNode("x").Marshal()
	for _, n := range []string{"a.json", "b.json"} {
		if err := os.WriteFile(filepath.Join(dup, n), js, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ name, path, want string }{
		{"absent", filepath.Join(dir, "nope.json"), "no such file"},
		{"empty dir", empty, "no *.json file"},
		{"not json", write("bad.json", "{"), "not evidence JSON"},
		{"no schema", write("noschema.json", `{"nodeName":"x"}`), `no "schema" field`},
		{"other schema", write("other.json", `{"schema":"harden.kubectl.io/evidence/v9","nodeName":"x"}`), `schema "harden.kubectl.io/evidence/v9" is not supported`},
		{"unknown field", write("unknown.json", `{"schema":"`+SchemaVersion+`","nodeName":"x","extra":1}`), "unknown field"},
		{"no node", write("nonode.json", `{"schema":"`+SchemaVersion+`"}`), "no nodeName"},
		{"bad component", write("comp.json", `{"schema":"`+SchemaVersion+`","nodeName":"x","processes":{"kube-foo":{"pid":1,"args":["x"]}}}`), "unknown component"},
		{"null file", write("null.json", `{"schema":"`+SchemaVersion+`","nodeName":"x","files":{"/a":null}}`), "is null"},
		{"trailing data", write("trail.json", string(js)+"{}"), "not evidence JSON"},
		{"duplicate node", dup, "node/x is in both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSaveRefusesBadNames(t *testing.T) {
	for _, name := range []string{"", "..", "a/b", `a\b`} {
		if _, err := (&Node{NodeName: name}).Save(t.TempDir()); err == nil {
			t.Errorf("Save(%q) succeeded", name)
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	js, _ := sampleNode("x").Marshal()
	f.Add(js)
	f.Add([]byte(`{"schema":"` + SchemaVersion + `","nodeName":"x","processes":{"etcd":null}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Unmarshal(data, "fuzz")
		if err != nil {
			return
		}
		if n.NodeName == "" || n.Schema != SchemaVersion {
			t.Fatalf("accepted %+v", n)
		}
		for _, p := range n.Processes {
			p.Flag("x") // must not panic
		}
		n.FirstExisting("/a")
	})
}
