//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

const (
	pathsFixtures = "testdata/rbac-paths.yaml"
	pathsNS       = "harden-paths"
	pathsTarget   = "harden-paths-target"
	pathsCRBNS    = "harden-paths-crb"
	// pathsCreated prefixes every object a proof creates.
	pathsCreated = "harden-e2e-paths-"
)

// subjectPaths is the part of `rbac subject -o json` the test reads.
type subjectPaths struct {
	FullControl           bool        `json:"fullControl"`
	PathsToClusterAdmin   []rbac.Path `json:"pathsToClusterAdmin"`
	PathsToNamespaceAdmin []rbac.Path `json:"pathsToNamespaceAdmin"`
}

// TestRBACPaths applies service accounts with exactly the grants of one
// escalation path each, reads their paths with `kubectl harden rbac subject
// -o json` (and KH-RBAC-4 of `kubectl harden rbac -o json`), then performs
// every step of every printed path for real with the subject's own token
// (impersonating with --as/--as-group where the step says so) and confirms
// with a SubjectAccessReview and `kubectl auth can-i` that the subject now
// has the power the path ends in, and did not before. What a proof changed
// is undone before the next one; everything goes in t.Cleanup.
func TestRBACPaths(t *testing.T) {
	// Parallel: the paths asked about are those of its own service
	// accounts (no other test binds their groups), KH-RBAC-4 is read for
	// its own bindings, and what a proof creates is named harden-e2e-paths-*.
	t.Parallel()
	deleteAll := func() {
		// the clusterrolebindings a proof created (its namespaced objects go with the namespaces)
		out, err := kubectlOut(context.Background(), "get", "clusterrolebindings", "-o", "name")
		if err != nil {
			t.Errorf("listing clusterrolebindings: %v\n%s", err, out)
		}
		for _, n := range strings.Fields(out) {
			if strings.HasPrefix(n, "clusterrolebinding.rbac.authorization.k8s.io/"+pathsCreated) {
				if out, err := kubectlOut(context.Background(), "delete", n, "--ignore-not-found"); err != nil {
					t.Errorf("deleting %s: %v\n%s", n, err, out)
				}
			}
		}
		if out, err := kubectlOut(context.Background(), "delete", "-f", pathsFixtures, "--ignore-not-found", "--wait=true", "--timeout=180s"); err != nil {
			t.Errorf("deleting the RBAC path fixtures: %v\n%s", err, out)
		}
	}
	deleteAll() // left by an interrupted run
	t.Cleanup(deleteAll)
	applyPathsFixtures(t)

	// subject → its paths, as goal: techniques (the e2e fixture's comment).
	want := map[string]string{
		pathsNS + ":binder":          "namespace/" + pathsTarget + ": bind-role",
		pathsNS + ":escalator":       "namespace/" + pathsTarget + ": escalate-role",
		pathsNS + ":impersonator":    "namespace/" + pathsTarget + ": impersonate,bind-role",
		pathsNS + ":sa-impersonator": "namespace/" + pathsTarget + ": impersonate,bind-role",
		pathsNS + ":grouper":         "namespace/" + pathsTarget + ": impersonate-group,holds",
		pathsNS + ":named-binder":    "",
		pathsNS + ":default":         "",
		pathsCRBNS + ":crb-maker":    "cluster-admin: bind-cluster-admin",
	}
	printed := map[string][]rbac.Path{}
	for _, sa := range sortedStrings(want) {
		r := harden(t, 2*time.Minute, "rbac", "subject", "serviceaccount/"+sa, "-o", "json")
		if r.exit != 0 {
			t.Fatalf("rbac subject serviceaccount/%s:\n%s", sa, r)
		}
		var sp subjectPaths
		if err := json.Unmarshal([]byte(r.stdout), &sp); err != nil {
			t.Fatalf("rbac subject serviceaccount/%s -o json: %v\n%s", sa, err, r)
		}
		paths := append(sp.PathsToClusterAdmin, sp.PathsToNamespaceAdmin...)
		if got := pathSummary(paths); got != want[sa] || sp.FullControl {
			t.Errorf("rbac subject serviceaccount/%s: paths %q (full control %v), want %q", sa, got, sp.FullControl, want[sa])
		}
		printed[sa] = paths
	}

	t.Run("KH-RBAC-4 names the combined path", func(t *testing.T) {
		r := harden(t, 2*time.Minute, "rbac", "-o", "json")
		rep := decodeReport(t, r)
		var res *report.Result
		for _, x := range rep.Results() {
			if x.ControlID == "KH-RBAC-4" {
				x := x
				res = &x
			}
		}
		if res == nil || res.Status != report.StatusFail {
			t.Fatalf("KH-RBAC-4: %+v", res)
		}
		text := ""
		for _, o := range res.Evidence {
			text += o.String() + "\n"
		}
		for _, w := range []string{"ServiceAccount " + pathsCRBNS + "/crb-maker can bind clusterrole/cluster-admin and create clusterrolebindings",
			"clusterrolebinding/harden-paths-crb-maker-bind", "clusterrolebinding/harden-paths-create-clusterrolebindings"} {
			if !strings.Contains(text, w) {
				t.Errorf("KH-RBAC-4 evidence lacks %q:\n%s", w, text)
			}
		}
	})

	proofs := 0
	for _, sa := range sortedStrings(want) {
		for _, p := range printed[sa] {
			p := p
			t.Run("prove "+sa+" to "+goalOf(p), func(t *testing.T) {
				provePath(t, sa, p)
				proofs++
			})
		}
	}
	t.Logf("proved %d paths on the cluster", proofs)

	t.Run("no path means the API server refuses", func(t *testing.T) {
		// named-binder may bind clusterrole/admin and create rolebindings,
		// but not bind cluster-admin: the takeover the tool denies fails.
		a := saActor(t, pathsNS, "named-binder")
		out, err := a.kubectl("create", "rolebinding", pathsCreated+"named-binder", "-n", pathsTarget, "--clusterrole=cluster-admin", "--serviceaccount="+pathsNS+":named-binder")
		if err == nil || !strings.Contains(out, "forbidden") {
			t.Errorf("named-binder binding cluster-admin: want forbidden, got err %v: %s", err, out)
			_, _ = kubectlOut(context.Background(), "delete", "rolebinding", "-n", pathsTarget, pathsCreated+"named-binder", "--ignore-not-found")
		}
	})
}

func applyPathsFixtures(t *testing.T) {
	t.Helper()
	// a namespace's default ServiceAccount appears at the same time as the
	// fixtures' own; apply again until every object is there.
	applied := eventually(60*time.Second, 2*time.Second, func() bool {
		out, err := kubectlOut(context.Background(), "apply", "-f", pathsFixtures)
		if err != nil {
			t.Logf("kubectl apply -f %s: %v: %s (retrying)", pathsFixtures, err, strings.TrimSpace(out))
		}
		return err == nil
	})
	if !applied {
		t.Fatalf("kubectl apply -f %s failed", pathsFixtures)
	}
	for _, ns := range []string{pathsNS, pathsTarget, pathsCRBNS} {
		if !eventually(30*time.Second, 250*time.Millisecond, func() bool {
			_, err := kubectlOut(context.Background(), "get", "serviceaccount", "default", "-n", ns)
			return err == nil
		}) {
			t.Fatalf("no default service account in namespace %s", ns)
		}
	}
}

func sortedStrings(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func goalOf(p rbac.Path) string {
	if p.Namespace != "" {
		return "namespace/" + p.Namespace
	}
	return "cluster-admin"
}

func pathSummary(ps []rbac.Path) string {
	var out []string
	for _, p := range ps {
		var ts []string
		for _, st := range p.Steps {
			ts = append(ts, st.Technique)
		}
		out = append(out, goalOf(p)+": "+strings.Join(ts, ","))
	}
	return strings.Join(out, "; ")
}

// actor runs kubectl with a service account's own token, impersonating
// as and asGroups when set; user and groups are who the API server then
// sees.
type actor struct {
	kubeconfig string
	as         string
	asGroups   []string
	user       string
	groups     []string
}

func saGroups(ns string) []string {
	return []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}
}

// saActor makes a kubeconfig holding only a fresh token of the service
// account: no client certificate of the cluster admin is sent along.
func saActor(t *testing.T, ns, name string) actor {
	t.Helper()
	tok := strings.TrimSpace(kubectl(t, "create", "token", name, "-n", ns, "--duration=15m"))
	admin, err := clientcmd.LoadFromFile(cluster.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	c := admin.Contexts[admin.CurrentContext]
	if c == nil || admin.Clusters[c.Cluster] == nil {
		t.Fatalf("%s: no cluster for the current context %q", cluster.kubeconfig, admin.CurrentContext)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["e2e"] = admin.Clusters[c.Cluster]
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: tok}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: name}
	cfg.CurrentContext = name
	path := filepath.Join(t.TempDir(), "kubeconfig-"+name)
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return actor{kubeconfig: path, user: "system:serviceaccount:" + ns + ":" + name, groups: saGroups(ns)}
}

func (a actor) kubectl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	full := []string{"--kubeconfig", a.kubeconfig}
	if a.as != "" {
		full = append(full, "--as", a.as)
	}
	for _, g := range a.asGroups {
		full = append(full, "--as-group", g)
	}
	out, err := exec.CommandContext(ctx, cluster.kubectl, append(full, args...)...).CombinedOutput()
	return string(out), err
}

// must runs kubectl as the actor, retrying while the authorizer's cache
// catches up with RBAC objects written a moment ago.
func (a actor) must(t *testing.T, args ...string) string {
	t.Helper()
	var out string
	var err error
	eventually(20*time.Second, 250*time.Millisecond, func() bool {
		out, err = a.kubectl(args...)
		return err == nil
	})
	if err != nil {
		t.Fatalf("as %s: kubectl %s: %v\n%s", a.user, strings.Join(args, " "), err, out)
	}
	return out
}

func (a actor) is(s rbac.Subject) bool {
	if s.Kind == rbac.KindGroup {
		for _, g := range a.groups {
			if g == s.Name {
				return true
			}
		}
		return false
	}
	return a.user == s.Username()
}

// subjectFlag binds a role to the actor's user.
func (a actor) subjectFlag() string {
	if rest, ok := strings.CutPrefix(a.user, "system:serviceaccount:"); ok {
		return "--serviceaccount=" + rest
	}
	return "--user=" + a.user
}

// provePath performs every step of p as the service account ns:name and
// checks the power it ends in.
func provePath(t *testing.T, sa string, p rbac.Path) {
	ns, name, _ := strings.Cut(sa, ":")
	goal := whoCanQuery{verb: "*", group: "*", resource: "*", namespace: p.Namespace}
	self := subject{name: sa, user: "system:serviceaccount:" + ns + ":" + name, groups: saGroups(ns)}
	if sarAllowed(t, self, goal) {
		t.Fatalf("%s already has %s before any step: the path proves nothing", sa, goalOf(p))
	}
	var undo [][]string
	defer func() {
		for _, u := range undo {
			if out, err := kubectlOut(context.Background(), u...); err != nil {
				t.Errorf("undo kubectl %s: %v\n%s", strings.Join(u, " "), err, out)
			}
		}
		if !eventually(30*time.Second, 200*time.Millisecond, func() bool { return !sarAllowed(t, self, goal) }) {
			t.Errorf("%s still has %s after the undo", sa, goalOf(p))
		}
	}()

	a := saActor(t, ns, name)
	for i, st := range p.Steps {
		if !a.is(st.From) {
			t.Fatalf("step %d is taken by %s, but the chain is at %s %v", i+1, st.From, a.user, a.groups)
		}
		created := fmt.Sprintf("%s%s-%d", pathsCreated, name, i+1)
		switch {
		case st.Technique == rbac.TechniqueImpersonate && st.To != nil:
			a.as, a.asGroups, a.user = st.To.Username(), nil, st.To.Username()
			if st.To.Kind == rbac.KindServiceAccount {
				a.groups = saGroups(st.To.Namespace)
			} else {
				a.groups = []string{"system:authenticated"}
			}
			if who := a.must(t, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"); who != a.user {
				t.Fatalf("step %d: impersonating %s, the API server sees %q", i+1, st.To, who)
			}
		case st.Technique == rbac.TechniqueImpersonateGroup && st.To != nil:
			// any user the subject may impersonate carries the group
			user := "harden-e2e-anyone"
			for _, g := range st.Grants {
				if rbacRuleHas(g, "users") && len(g.Rule.ResourceNames) > 0 {
					user = g.Rule.ResourceNames[0]
				}
			}
			a.as, a.asGroups, a.user, a.groups = user, []string{st.To.Name}, user, []string{st.To.Name, "system:authenticated"}
			if groups := a.must(t, "auth", "whoami", "-o", "jsonpath={.status.userInfo.groups}"); !strings.Contains(groups, `"`+st.To.Name+`"`) {
				t.Fatalf("step %d: impersonating %s, the API server sees groups %s", i+1, st.To, groups)
			}
		case st.Technique == rbac.TechniqueBindRole && st.To == nil && st.Role != nil:
			roleFlag := "--clusterrole=" + st.Role.Name
			if st.Role.Kind == "Role" {
				roleFlag = "--role=" + st.Role.Name
			}
			a.must(t, "create", "rolebinding", created, "-n", st.Namespace, roleFlag, a.subjectFlag())
			undo = append(undo, []string{"delete", "rolebinding", created, "-n", st.Namespace, "--ignore-not-found"})
		case st.Technique == rbac.TechniqueEscalateRole && st.To == nil && st.Role != nil:
			a.must(t, "patch", "role", st.Role.Name, "-n", st.Namespace, "--type=json",
				`-p=[{"op":"add","path":"/rules/-","value":{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}}]`)
			undo = append(undo, []string{"apply", "-f", pathsFixtures}) // puts the fixture's rules back
		case st.Technique == rbac.TechniqueBindClusterAdmin && st.To == nil:
			a.must(t, "create", "clusterrolebinding", created, "--clusterrole=cluster-admin", a.subjectFlag())
			undo = append(undo, []string{"delete", "clusterrolebinding", created, "--ignore-not-found"})
		case st.Technique == rbac.TechniqueHolds && st.To == nil:
			// the identity reached holds the goal: checked below
		default:
			t.Fatalf("step %d (%s, to %v): this test cannot perform it; every path printed for the fixtures must be provable", i+1, st.Technique, st.To)
		}
		t.Logf("step %d done: %s %s", i+1, st.From, st.How)
	}

	final := subject{name: a.user, user: a.user, groups: a.groups}
	if !eventually(20*time.Second, 200*time.Millisecond, func() bool { return sarAllowed(t, final, goal) }) {
		t.Fatalf("after every step, SubjectAccessReview: %s %v may not %s", a.user, a.groups, goal)
	}
	canI := []string{"auth", "can-i", "*", "*"}
	if p.Namespace != "" {
		canI = append(canI, "-n", p.Namespace)
	} else {
		canI = append(canI, "--all-namespaces")
	}
	if out, _ := a.kubectl(canI...); strings.TrimSpace(out) != "yes" {
		t.Errorf("kubectl %s with the token of %s (as %q %v): %q", strings.Join(canI, " "), sa, a.as, a.asGroups, strings.TrimSpace(out))
	}
	t.Logf("proved: %s reaches %s in %d step(s); SubjectAccessReview allows %s %v %s", sa, goalOf(p), len(p.Steps), a.user, a.groups, goal)
}

func rbacRuleHas(g rbac.Grant, resource string) bool {
	for _, r := range g.Rule.Resources {
		if r == resource || r == "*" {
			return true
		}
	}
	return false
}
