package plugin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
)

// pathsFixtures are the objects TestRBACPaths applies on kind: the same
// paths must show here, from a snapshot, and there, from the cluster.
const pathsFixtures = "../../test/e2e/testdata/rbac-paths.yaml"

// pathsSnapshot writes the kind snapshot plus the e2e path fixtures to a
// file and returns its name.
func pathsSnapshot(t *testing.T) string {
	t.Helper()
	snap := *kindRBACSnapshot(t)
	fx, err := os.ReadFile(pathsFixtures)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(string(fx), "\n---\n") {
		var meta struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("%s: %v", pathsFixtures, err)
		}
		var into any
		switch meta.Kind {
		case "Namespace":
			snap.Namespaces = append(snap.Namespaces, meta.Metadata.Name)
		case "ServiceAccount":
			snap.ServiceAccounts = append(snap.ServiceAccounts, rbac.ServiceAccount{Namespace: meta.Metadata.Namespace, Name: meta.Metadata.Name})
		case "Role":
			into = grow(&snap.Roles)
		case "ClusterRole":
			into = grow(&snap.ClusterRoles)
		case "RoleBinding":
			into = grow(&snap.RoleBindings)
		case "ClusterRoleBinding":
			into = grow(&snap.ClusterRoleBindings)
		default:
			t.Fatalf("%s: unexpected kind %q", pathsFixtures, meta.Kind)
		}
		if into != nil {
			if err := yaml.Unmarshal([]byte(doc), into); err != nil {
				t.Fatalf("%s: %s/%s: %v", pathsFixtures, meta.Kind, meta.Metadata.Name, err)
			}
		}
	}
	for _, ns := range []string{"harden-paths", "harden-paths-target", "harden-paths-crb"} {
		snap.ServiceAccounts = append(snap.ServiceAccounts, rbac.ServiceAccount{Namespace: ns, Name: "default"})
	}
	return testutil.WriteJSON(t, filepath.Join(t.TempDir(), "snapshot.json"), snap)
}

// TestSubjectPaths: `rbac subject` shows the paths to cluster-admin and to
// namespace admin of the e2e fixtures, as a table (golden), wide (golden)
// and JSON (the techniques of each path).
func TestSubjectPaths(t *testing.T) {
	snap := pathsSnapshot(t)
	want := map[string]string{ // subject → goal: techniques
		"serviceaccount/harden-paths:binder":          "namespace/harden-paths-target: bind-role",
		"serviceaccount/harden-paths:escalator":       "namespace/harden-paths-target: escalate-role",
		"serviceaccount/harden-paths:impersonator":    "namespace/harden-paths-target: impersonate,bind-role",
		"serviceaccount/harden-paths:sa-impersonator": "namespace/harden-paths-target: impersonate,bind-role",
		"serviceaccount/harden-paths:grouper":         "namespace/harden-paths-target: impersonate-group,holds",
		"serviceaccount/harden-paths:named-binder":    "",
		"serviceaccount/harden-paths:default":         "",
		"serviceaccount/harden-paths-crb:crb-maker":   "cluster-admin: bind-cluster-admin",
	}
	for subject, w := range want {
		out, errOut, code := run(t, "rbac", "subject", subject, "--from-snapshot", snap, "-o", "json")
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", subject, code, errOut)
		}
		var sp rbac.SubjectPermissions
		if err := json.Unmarshal([]byte(out), &sp); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range append(sp.PathsToClusterAdmin, sp.PathsToNamespaceAdmin...) {
			goal := "cluster-admin"
			if p.Namespace != "" {
				goal = "namespace/" + p.Namespace
			}
			var ts []string
			for _, st := range p.Steps {
				ts = append(ts, st.Technique)
			}
			got = append(got, goal+": "+strings.Join(ts, ","))
		}
		if strings.Join(got, "; ") != w || sp.FullControl {
			t.Errorf("%s: paths %q (full control %v), want %q", subject, got, sp.FullControl, w)
		}
	}

	out, errOut, code := run(t, "rbac", "subject", "serviceaccount/harden-paths:impersonator", "--from-snapshot", snap)
	if code != ExitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	golden(t, "subject-paths.txt.golden", []byte(out))
	out, _, _ = run(t, "rbac", "subject", "serviceaccount/harden-paths:grouper", "--from-snapshot", snap, "-o", "wide")
	golden(t, "subject-paths-wide.txt.golden", []byte(out))

	// No path: said on stderr, stdout keeps the rules table only.
	out, errOut, _ = run(t, "rbac", "subject", "serviceaccount/harden-paths:named-binder", "--from-snapshot", snap)
	if !strings.Contains(errOut, "has no path to cluster-admin or to admin of a namespace") || strings.Contains(out, "GOAL") {
		t.Errorf("named-binder: stdout %q, stderr %q", out, errOut)
	}
	// Full control: said, and no path listed.
	_, errOut, _ = run(t, "rbac", "subject", "group/kubeadm:cluster-admins", "--from-snapshot", snap)
	if !strings.Contains(errOut, "holds full control") {
		t.Errorf("kubeadm:cluster-admins: stderr %q", errOut)
	}
}

// grow appends a zero element to *list and returns it, to decode into.
func grow[T any](list *[]T) *T {
	var zero T
	*list = append(*list, zero)
	return &(*list)[len(*list)-1]
}
