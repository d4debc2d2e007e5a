package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes/fake"
	metafake "k8s.io/client-go/metadata/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/access/accesstest"
	"github.com/kubectl-harden/kubectl-harden/pkg/cronjob"
	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod/sim"
	"github.com/kubectl-harden/kubectl-harden/pkg/permissions"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// apiObjects is a small cluster for the API commands: a namespace with a
// privileged pod, a service account bound to a role, and the default
// namespace.
func apiObjects() []runtime.Object {
	priv := true
	return []runtime.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "prod"}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "app"}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "web"}, Spec: corev1.PodSpec{ServiceAccountName: "app",
			Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27", SecurityContext: &corev1.SecurityContext{Privileged: &priv}}}}},
		// Every API server that authorizes with RBAC has its bootstrap
		// cluster-admin; a snapshot without any ClusterRoleBinding is
		// incomplete and evaluates to ERROR.
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "cluster-admin", Labels: map[string]string{"kubernetes.io/bootstrapping": "rbac-defaults"}},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}, {NonResourceURLs: []string{"*"}, Verbs: []string{"*"}}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "cluster-admin", Labels: map[string]string{"kubernetes.io/bootstrapping": "rbac-defaults"}},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:masters"}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "reader"}, Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "app-reader"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: "prod", Name: "app"}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "reader"}},
	}
}

// newAPIFake returns a factory over a fake clientset holding objs, whose
// SelfSubjectAccessReviews allow everything but denied.
func newAPIFake(t *testing.T, c *fake.Clientset, denied ...access.Permission) (*fakeFactory, *metafake.FakeMetadataClient) {
	t.Helper()
	d := c.Discovery().(*fakediscovery.FakeDiscovery)
	d.FakedServerVersion = &version.Info{GitVersion: sim.ServerVersion}
	d.Resources = fakeAPIResources()
	accesstest.AnswerReviews(c, accesstest.Deny(denied...))
	sch := metafake.NewTestScheme()
	_ = metav1.AddMetaToScheme(sch)
	crd := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition"}, ObjectMeta: metav1.ObjectMeta{Name: "policies.example.com"}}
	cm := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Name: "kube-root-ca.crt", Namespace: "default"}}
	sec := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: metav1.ObjectMeta{Name: "old-token", Namespace: "prod"}}
	meta := metafake.NewSimpleMetadataClient(sch, crd, cm, sec)
	return &fakeFactory{client: c, meta: meta}, meta
}

// fakeAPIResources is API discovery as a real API server serves it, in
// part: which resources are namespaced decides RBAC request scope.
func fakeAPIResources() []*metav1.APIResourceList {
	res := func(name string, namespaced bool) metav1.APIResource {
		return metav1.APIResource{Name: name, Namespaced: namespaced, Verbs: metav1.Verbs{"get", "list"}}
	}
	return []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{res("namespaces", false), res("nodes", false), res("persistentvolumes", false),
			res("pods", true), res("pods/log", true), res("serviceaccounts", true), res("serviceaccounts/token", true), res("secrets", true), res("configmaps", true), res("services", true)}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{res("deployments", true), res("daemonsets", true), res("statefulsets", true), res("replicasets", true)}},
		{GroupVersion: "rbac.authorization.k8s.io/v1", APIResources: []metav1.APIResource{res("roles", true), res("rolebindings", true), res("clusterroles", false), res("clusterrolebindings", false)}},
		{GroupVersion: "storage.k8s.io/v1", APIResources: []metav1.APIResource{res("storageclasses", false)}},
	}
}

func decode(t *testing.T, out string) *report.Report {
	t.Helper()
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not a JSON report: %v\n%s", err, out)
	}
	return &r
}

// checkRequests proves the command's declared permissions against the
// requests it made: all of them declared.
func checkRequests(t *testing.T, declared []access.Permission, fakes ...accesstest.Recorder) {
	t.Helper()
	if un := accesstest.Uncovered(accesstest.Requests(fakes...), declared); len(un) > 0 {
		t.Errorf("requests made but not declared: %s", access.Join(un))
	}
}

// runReport runs a report command on fake clients and decodes its
// report, failing the test unless it exited 0.
func runReport(t *testing.T, f *fakeFactory, args ...string) (*report.Report, string) {
	t.Helper()
	out, errOut, code := runFake(t, f, append(args, "-o", "json")...)
	if code != ExitOK {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	return decode(t, out), out
}

func TestRBACLive(t *testing.T) {
	c := fake.NewClientset(apiObjects()...)
	f, meta := newAPIFake(t, c)
	rep, _ := runReport(t, f, "rbac")
	if rep.Kind != report.KindRBAC || len(rep.Targets) != 1 || rep.Targets[0].Summary.Error != 0 || rep.Metadata.ServerVersion != sim.ServerVersion || rep.Metadata.Context != "sim" {
		t.Errorf("report %+v", rep.Metadata)
	}
	checkRequests(t, permissions.RBAC(), c, meta)

	// Every missing permission is named, and nothing is evaluated.
	c = fake.NewClientset(apiObjects()...)
	f, _ = newAPIFake(t, c, access.Resource("list", "secrets"), access.Resource("list", "roles.rbac.authorization.k8s.io"))
	out, errOut, code := runFake(t, f, "rbac", "-o", "json")
	if code != ExitError || out != "" || !strings.Contains(errOut, "rbac needs permission to list roles.rbac.authorization.k8s.io cluster-wide, list secrets cluster-wide") {
		t.Errorf("denied: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestWhoCanLive(t *testing.T) {
	c := fake.NewClientset(apiObjects()...)
	f, _ := newAPIFake(t, c)
	out, errOut, code := runFake(t, f, "rbac", "who-can", "get", "pods", "-n", "prod", "-o", "json")
	if code != ExitOK || !strings.Contains(out, `"name": "app"`) {
		t.Errorf("exit %d: %s\n%s", code, errOut, out)
	}
	checkRequests(t, permissions.RBACQuery(), c)
}

func TestWorkloadsLive(t *testing.T) {
	c := fake.NewClientset(apiObjects()...)
	f, meta := newAPIFake(t, c)
	rep, out := runReport(t, f, "workloads")
	if rep.Kind != report.KindWorkloads || len(rep.Targets) != 1 || rep.Targets[0].Error != "" {
		t.Fatalf("report: %+v", rep.Targets)
	}
	if !strings.Contains(out, "prod/web") {
		t.Errorf("the privileged pod prod/web is not in the report")
	}
	checkRequests(t, permissions.Workloads(""), c, meta)

	// One namespace: declared requests only, and the namespace is checked.
	c = fake.NewClientset(apiObjects()...)
	f, meta = newAPIFake(t, c)
	runReport(t, f, "workloads", "-n", "prod")
	checkRequests(t, permissions.Workloads("prod"), c, meta)

	// A missing permission is named; the controls that need it are ERROR.
	c = fake.NewClientset(apiObjects()...)
	f, _ = newAPIFake(t, c, access.Resource("list", "deployments.apps"))
	c.PrependReactor("list", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "", errors.New("denied by the test"))
	})
	out, errOut, code := runFake(t, f, "workloads", "-o", "json")
	if code != ExitError || !strings.Contains(errOut, "missing permissions for workload collection: list deployments.apps cluster-wide") {
		t.Errorf("denied: exit %d, stderr %q", code, errOut)
	}
	if rep := decode(t, out); rep.Summary.Error == 0 {
		t.Errorf("denied: no ERROR result")
	}
}

// TestWorkloadsUnknownNamespace: -n naming a namespace that does not exist
// is an error, not a report of PASS results over nothing.
func TestWorkloadsUnknownNamespace(t *testing.T) {
	c := fake.NewClientset(apiObjects()...)
	f, _ := newAPIFake(t, c)
	out, errOut, code := runFake(t, f, "workloads", "-n", "nope", "-o", "json")
	if code != ExitError || out != "" || !strings.Contains(errOut, "namespace/nope not found") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestAllLive: one connection for the three parts (the server version is
// read once), the nodes scanned, RBAC and workloads of every namespace, and
// only declared requests.
// liveCluster is a simulated cluster of n nodes holding apiObjects and
// the namespace "security" (PSA privileged) that scans create their pods in.
func liveCluster(t *testing.T, n int) *sim.Cluster {
	t.Helper()
	c := sim.New(n, simFast, 0, 0)
	for _, obj := range append(apiObjects(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "security", Labels: map[string]string{"pod-security.kubernetes.io/enforce": "privileged"}}}) {
		if err := c.Client.Tracker().Add(obj); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestAllLive(t *testing.T) {
	c := liveCluster(t, 2)
	f, meta := newAPIFake(t, c.Client)
	streams, out, errOut := testStreams()
	o := &AllOptions{IOStreams: streams, factory: f, scan: newScanOptions(f, streams)}
	o.scan.logs = c.Logs
	f.ns = "security"
	cmd := newCmdAll(o)
	cmd.SetArgs([]string{"-o", "json"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	if code := ExitCode(err); code != ExitOK {
		t.Fatalf("exit %d: %v\n%s", code, err, errOut)
	}
	rep := decode(t, out.String())
	var names []string
	for _, tg := range rep.Targets {
		names = append(names, tg.Name)
	}
	if strings.Join(names, ",") != "node-0000,node-0001,cluster,workloads" {
		t.Errorf("targets %v", names)
	}
	versions := 0
	for _, a := range c.Client.Actions() {
		if a.GetResource().Resource == "version" {
			versions++
		}
	}
	if versions != 1 {
		t.Errorf("the server version was read %d times, want once", versions)
	}
	checkRequests(t, permissions.All("security", false), c.Client, meta)
	if left := c.PodsLeft(); len(left) != 1 || left[0] != "prod/web" {
		t.Errorf("pods left: %v, want only prod/web", left)
	}
}

// TestScanRequestsAreDeclared: a live scan makes only the requests its
// permissions declare, with -n and with a temporary namespace.
func TestScanRequestsAreDeclared(t *testing.T) {
	c := sim.New(2, simFast, 0, 0)
	if err := c.Client.Tracker().Add(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "security"}}); err != nil {
		t.Fatal(err)
	}
	streams, _, errOut := testStreams()
	o := newScanOptions(&fakeFactory{client: c.Client, ns: "security"}, streams)
	o.logs = c.Logs
	cmd := newCmdScan(o)
	cmd.SetArgs([]string{"nodes", "-o", "json"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	// pods/log is read through o.logs here, so it is not among the
	// requests; the declaration has it (see pkg/debugpod).
	checkRequests(t, permissions.Scan("security", false, false), c.Client)
}

// TestCronJobRun: a successful run writes the report into the ConfigMap;
// a failed one writes nothing over it and fails; every request of a run
// is granted by the generated roles.
func TestCronJobRun(t *testing.T) {
	for _, command := range []string{"rbac", "workloads"} {
		t.Run(command, func(t *testing.T) {
			c := fake.NewClientset(append(apiObjects(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kh"}})...)
			f, meta := newAPIFake(t, c)
			out, errOut, code := runFake(t, f, "cronjob", "run", "--command", command, "--configmap", "harden-report", "-n", "kh")
			if code != ExitOK || out != "" {
				t.Fatalf("exit %d, stdout %q: %s", code, out, errOut)
			}
			cm, err := c.CoreV1().ConfigMaps("kh").Get(context.Background(), "harden-report", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			rep := decode(t, cm.Data[cronjob.ConfigMapKey])
			if len(rep.Targets) != 1 || rep.Targets[0].Error != "" {
				t.Errorf("report targets %+v", rep.Targets)
			}
			gen := cronjob.Options{Command: command, Namespace: "kh", ConfigMap: "harden-report"}
			checkRequests(t, gen.Granted(), c, meta)

			// A failed run: the report stays, the exit code says it failed.
			c.PrependReactor("list", "clusterroles", func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, context.DeadlineExceeded
			})
			c.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, context.DeadlineExceeded
			})
			_, errOut, code = runFake(t, f, "cronjob", "run", "--command", command, "--configmap", "harden-report", "-n", "kh")
			if code != ExitError || !strings.Contains(errOut, "no report was written (the last one stays)") {
				t.Errorf("failed run: exit %d, stderr %q", code, errOut)
			}
			after, _ := c.CoreV1().ConfigMaps("kh").Get(context.Background(), "harden-report", metav1.GetOptions{})
			if after.Data[cronjob.ConfigMapKey] != cm.Data[cronjob.ConfigMapKey] {
				t.Errorf("the failed run replaced the report")
			}
		})
	}
	// --dir: one file per run.
	c := fake.NewClientset(apiObjects()...)
	f, _ := newAPIFake(t, c)
	dir := t.TempDir()
	if _, errOut, code := runFake(t, f, "cronjob", "run", "--command", "rbac", "--dir", dir, "-n", "kh"); code != ExitOK || !strings.Contains(errOut, "saved in "+dir+"/report-") {
		t.Errorf("--dir: exit %d: %s", code, errOut)
	}
}

func TestCronJobRunRefusesBeforeRunning(t *testing.T) {
	c := fake.NewClientset(apiObjects()...)
	f, _ := newAPIFake(t, c, access.Resource("update", "configmaps").Named("harden-report").In("kh"))
	_, errOut, code := runFake(t, f, "cronjob", "run", "--command", "rbac", "--configmap", "harden-report", "-n", "kh")
	if code != ExitError || !strings.Contains(errOut, "saving the report needs permission to update configmaps named harden-report in namespace kh") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	for _, a := range c.Actions() {
		if a.GetVerb() == "list" {
			t.Errorf("the report ran although it could not be saved: %s %s", a.GetVerb(), a.GetResource().Resource)
			break
		}
	}
}

// TestCronJobRolesGrantTheDeclaredPermissions: the generated roles grant
// every permission the command's run needs, and nothing more.
func TestCronJobRolesGrantTheDeclaredPermissions(t *testing.T) {
	for _, command := range cronjob.Commands {
		for _, gen := range []cronjob.Options{
			{Name: "kh", Namespace: "kh", Image: "i", Schedule: "@daily", Command: command, ConfigMap: "cm"},
			{Name: "kh", Namespace: "kh", Image: "i", Schedule: "@daily", Command: command, PVC: "p"},
		} {
			var granted []access.Permission
			for _, obj := range cronjob.Objects(gen) {
				switch r := obj.(type) {
				case *rbacv1.ClusterRole:
					granted = append(granted, access.FromRules(r.Rules, "")...)
				case *rbacv1.Role:
					granted = append(granted, access.FromRules(r.Rules, r.Namespace)...)
				}
			}
			if un := accesstest.Uncovered(gen.Granted(), granted); len(un) > 0 {
				t.Errorf("%s: not granted: %s", command, access.Join(un))
			}
			if extra := accesstest.Uncovered(granted, gen.Permissions()); len(extra) > 0 {
				t.Errorf("%s: granted beyond what it needs: %s", command, access.Join(extra))
			}
			for _, p := range granted {
				if p.Namespace == "" && p.Verb != "get" && p.Verb != "list" {
					t.Errorf("%s: cluster-wide %s is more than reading", command, p)
				}
				if p.Resource == "nodes" && p.Subresource == "proxy" {
					t.Errorf("%s: grants %s", command, p)
				}
			}
		}
	}
}

func TestDidYouMeanAndArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scna", "nodes"}, "Did you mean this?\n\tscan"},
		{[]string{"rbca"}, "Did you mean this?\n\trbac"},
		{[]string{"rbac", "whocan", "get", "pods"}, "Did you mean this?\n\twho-can"},
		{[]string{"cronjob", "rnu"}, "Did you mean this?\n\trun"},
		{[]string{"rbac", "who-can", "get"}, "kubectl harden rbac who-can needs VERB and RESOURCE (or a non-resource URL): missing RESOURCE (or a non-resource URL)"},
		{[]string{"rbac", "subject"}, "needs KIND/NAME (user/NAME, group/NAME or serviceaccount/NAMESPACE:NAME): missing KIND/NAME"},
		{[]string{"diff", "a.json", "b.json", "c.json"}, `takes OLD.json and NEW.json only, got 3 arguments: "c.json" is one too many`},
		{[]string{"controls", "1.2"}, `kubectl harden controls takes no arguments, got "1.2"`},
	} {
		_, errOut, code := run(t, tc.args...)
		if code != ExitError || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestFlagBounds(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scan", "nodes", "--parallel", "201"}, "--parallel must be between 1 and 200, not 201"},
		{[]string{"scan", "nodes", "--timeout", "2h"}, "--timeout must be at most 1h0m0s"},
		{[]string{"all", "--parallel", "0"}, "--parallel must be between 1 and 200, not 0"},
		{[]string{"all", "--timeout", "61m"}, "--timeout must be at most 1h0m0s"},
		{[]string{"cleanup", "--timeout", "2h"}, "--timeout must be between 1s and 1h0m0s"},
	} {
		_, errOut, code := run(t, tc.args...)
		if code != ExitError || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}

// TestSaveEvidenceCheckedFirst: an unwritable --save-evidence directory is
// refused before the cluster is contacted, so no pod is ever created.
func TestSaveEvidenceCheckedFirst(t *testing.T) {
	c := sim.New(1, simFast, 0, 0)
	file := t.TempDir() + "/not-a-dir"
	if err := writeFile(file); err != nil {
		t.Fatal(err)
	}
	_, errOut, code, f := runScan(t, c, "nodes", "--save-evidence", file+"/evidence")
	if code != ExitError || !strings.Contains(errOut, "--save-evidence") || f.calls != 0 || c.Requests()["create pods"] != 0 {
		t.Errorf("exit %d, factory calls %d, pods created %d: %s", code, f.calls, c.Requests()["create pods"], errOut)
	}
}

// TestInterruptExitCode: Ctrl-C stops a scan, which deletes its pods, and
// the process exits 130 as documented.
func TestInterruptExitCode(t *testing.T) {
	c := sim.New(2, sim.Latency{Start: time.Hour}, 0, 0)
	streams, _, errOut := testStreams()
	o := newScanOptions(&fakeFactory{client: c.Client}, streams)
	o.logs = c.Logs
	cmd := newCmdScan(o)
	cmd.SetArgs([]string{"nodes"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	go func() {
		for c.PeakPods() < 2 {
			time.Sleep(time.Millisecond)
		}
		_ = syscall.Kill(syscall.Getpid(), syscall.SIGINT)
	}()
	err := Execute(cmd)
	if code := ExitCode(err); code != ExitInterrupted {
		t.Errorf("exit %d (%v), want %d; stderr:\n%s", code, err, ExitInterrupted, errOut)
	}
	if left := c.PodsLeft(); len(left) > 0 {
		t.Errorf("pods left after Ctrl-C: %v", left)
	}
	if ExitCode(&InterruptedError{Signal: syscall.SIGTERM}) != 143 {
		t.Errorf("SIGTERM: exit %d, want 143", ExitCode(&InterruptedError{Signal: syscall.SIGTERM}))
	}
}

func testStreams() (genericiooptions.IOStreams, *bytes.Buffer, *bytes.Buffer) {
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	return streams, out, errOut
}

func writeFile(path string) error { return os.WriteFile(path, []byte("x"), 0o600) }

// TestFixLive: `fix` on the report of a live `all` renders the namespace
// fix from the live objects (Pod Security labels validated by the dry run)
// and says the findings of the bare privileged pod are manual: no
// controller to patch.
func TestFixLive(t *testing.T) {
	c := liveCluster(t, 1)
	f, _ := newAPIFake(t, c.Client)
	f.ns = "security"
	streams, out, errOut := testStreams()
	all := &AllOptions{IOStreams: streams, factory: f, scan: newScanOptions(f, streams)}
	all.scan.logs = c.Logs
	cmd := newCmdAll(all)
	cmd.SetArgs([]string{"-o", "json"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.ExecuteContext(context.Background()); ExitCode(err) != ExitOK {
		t.Fatalf("all: exit %d: %v\n%s", ExitCode(err), err, errOut)
	}
	dir := t.TempDir()
	rep := filepath.Join(dir, "report.json")
	if err := os.WriteFile(rep, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	plan := filepath.Join(dir, "plan")
	streams, _, errOut = testStreams()
	cmd = NewCmdFix(f, streams)
	cmd.SetArgs([]string{"--from-report", rep, "-o", plan})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.ExecuteContext(context.Background()); ExitCode(err) != ExitOK {
		t.Fatalf("fix: exit %d: %v\n%s", ExitCode(err), err, errOut)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(plan, name))
		if err != nil {
			t.Error(err)
		}
		return string(b)
	}
	testutil.Contains(t, "cluster/namespace-prod.yaml", read("cluster/namespace-prod.yaml"), "pod-security.kubernetes.io/enforce: restricted")
	testutil.Contains(t, "cluster/namespace-prod.dryrun.txt", read("cluster/namespace-prod.dryrun.txt"), "server dry run: accepted")
	testutil.Contains(t, "PLAN.md", read("PLAN.md"), "1 fixed by the plan, 3 need a decision, 4 manual",
		"no controller to patch: a bare pod cannot change its security context, recreate it from a controller: pod/prod/web")
	if left := c.PodsLeft(); len(left) != 1 || left[0] != "prod/web" {
		t.Errorf("pods left: %v, want only prod/web", left)
	}
}

// TestSnapshotRoundTrip: what rbac and workloads save with --save-snapshot
// is evaluated by --from-snapshot, with no cluster at all, to the same
// results as the live run that saved it; the file is its owner's only and
// a second evaluation names the file as its source.
func TestSnapshotRoundTrip(t *testing.T) {
	for _, cmd := range []string{"rbac", "workloads"} {
		t.Run(cmd, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), cmd+".json")
			// saved over an earlier, world-readable file
			if err := os.WriteFile(path, []byte("an earlier file"), 0o644); err != nil {
				t.Fatal(err)
			}
			f, _ := newAPIFake(t, fake.NewClientset(apiObjects()...))
			live, _ := runReport(t, f, cmd, "--save-snapshot", path)
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("%s is mode %v, want 0600", path, st.Mode().Perm())
			}
			none := &fakeFactory{} // any connection attempt fails
			offline, _ := runReport(t, none, cmd, "--from-snapshot", path)
			if none.calls != 0 {
				t.Errorf("--from-snapshot connected %d times", none.calls)
			}
			if want := "snapshot:" + path; offline.Metadata.Source != want {
				t.Errorf("source %q, want %q", offline.Metadata.Source, want)
			}
			if live.Summary.Total == 0 {
				t.Fatalf("the live run evaluated nothing: %+v", live.Summary)
			}
			a, _ := json.Marshal(live.Targets)
			b, _ := json.Marshal(offline.Targets)
			if !bytes.Equal(a, b) {
				t.Errorf("results differ:\nlive    %s\nsnapshot %s", a, b)
			}
		})
	}
}
