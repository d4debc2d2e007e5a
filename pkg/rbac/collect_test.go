//go:build !harden_fuzz

package rbac

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	ktesting "k8s.io/client-go/testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/access/accesstest"
)

const secretValue = "c3VwZXItc2VjcmV0LXRva2VuLXZhbHVl-DO-NOT-LEAK"

func clusterObjects() []runtime.Object {
	objs := []runtime.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "app"}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "default"}, AutomountServiceAccountToken: boolp(false)},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "ci"}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "reader", Annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": strings.Repeat("x", 1000)},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}}, Rules: []rbacv1.PolicyRule{rule("get", "", "pods")}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "r"}, Rules: []rbacv1.PolicyRule{rule("get", "", "secrets")}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "b"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "reader"}, Subjects: []rbacv1.Subject{user("alice")}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "rb"}, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "r"}, Subjects: []rbacv1.Subject{sa("app", "ci")}},
		// A legacy token and an ordinary Secret, both with data.
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "ci-token", Annotations: map[string]string{corev1.ServiceAccountNameKey: "ci"}, Labels: map[string]string{legacyLastUsedKey: "2026-01-02"}},
			Type: corev1.SecretTypeServiceAccountToken, Data: map[string][]byte{"token": []byte(secretValue)}, StringData: map[string]string{"x": secretValue}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "db"}, Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"password": []byte(secretValue)}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "projected"}, Spec: corev1.PodSpec{ServiceAccountName: "ci",
			Containers: []corev1.Container{{Name: "c", Image: "nginx", Env: []corev1.EnvVar{{Name: "PASSWORD", Value: secretValue}}}},
			Volumes:    []corev1.Volume{{Name: "kube-api-access-x", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}}}}}}}}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "legacy"}, Spec: corev1.PodSpec{ServiceAccountName: "ci",
			Volumes: []corev1.Volume{{Name: "t", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "ci-token"}}}}}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "none"}, Spec: corev1.PodSpec{AutomountServiceAccountToken: boolp(false),
			Volumes: []corev1.Volume{{Name: "db", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "db"}}}}}},
	}
	return objs
}

func TestCollect(t *testing.T) {
	c := fake.NewClientset(clusterObjects()...)
	var secretSelectors []string
	c.PrependReactor("list", "secrets", func(a ktesting.Action) (bool, runtime.Object, error) {
		secretSelectors = append(secretSelectors, a.(ktesting.ListActionImpl).ListOptions.FieldSelector)
		return false, nil, nil // fall through to the tracker, which ignores field selectors
	})
	s, err := Collect(context.Background(), c, CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(secretSelectors) != 1 || secretSelectors[0] != "type=kubernetes.io/service-account-token" {
		t.Errorf("secrets listed with field selectors %q", secretSelectors)
	}
	if len(s.TokenSecrets) != 1 || s.TokenSecrets[0].Name != "ci-token" || s.TokenSecrets[0].ServiceAccount != "ci" || s.TokenSecrets[0].LastUsed != "2026-01-02" {
		t.Errorf("token secrets = %+v", s.TokenSecrets)
	}
	wantPods := map[string]bool{"projected": true, "legacy": true, "none": false}
	for _, p := range s.Pods {
		if p.MountsToken != wantPods[p.Name] {
			t.Errorf("pod %s MountsToken = %v", p.Name, p.MountsToken)
		}
		if p.Name == "none" && p.ServiceAccountName != "default" {
			t.Errorf("pod without serviceAccountName: %q, want default", p.ServiceAccountName)
		}
	}
	if len(s.ClusterRoles) != 1 || s.ClusterRoles[0].Annotations != nil || s.ClusterRoles[0].ManagedFields != nil {
		t.Errorf("cluster role metadata not trimmed: %+v", s.ClusterRoles[0].ObjectMeta)
	}
	if len(s.Roles) != 1 || len(s.RoleBindings) != 1 || len(s.ClusterRoleBindings) != 1 || len(s.ServiceAccounts) != 2 || len(s.Namespaces) != 1 {
		t.Errorf("snapshot counts wrong: %+v", s)
	}
	assertNoSecret(t, s)
}

// assertNoSecret proves that no secret value reaches the snapshot, its
// JSON, or any report made from it.
func assertNoSecret(t *testing.T, s *Snapshot) {
	t.Helper()
	js, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(js, []byte(secretValue)) || bytes.Contains(js, []byte("DO-NOT-LEAK")) {
		t.Fatal("a secret value reached the snapshot")
	}
	for _, include := range []bool{false, true} {
		rep, _ := json.Marshal(Evaluate(Build(s), EvalOptions{IncludeSystem: include}))
		if bytes.Contains(rep, []byte("DO-NOT-LEAK")) {
			t.Fatal("a secret value reached the report")
		}
		if !bytes.Contains(rep, []byte("ci-token")) {
			t.Fatal("the legacy token is not reported (test would prove nothing)")
		}
	}
}

func TestCollectMetadataOnlySecrets(t *testing.T) {
	c := fake.NewClientset(clusterObjects()...)
	c.PrependReactor("list", "secrets", func(a ktesting.Action) (bool, runtime.Object, error) {
		t.Error("typed secrets list used although a metadata client was given")
		return false, nil, nil
	})
	scheme := metadatafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	pm := &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "ci-token", Annotations: map[string]string{corev1.ServiceAccountNameKey: "ci"}},
	}
	mc := metadatafake.NewSimpleMetadataClient(scheme, pm)
	var selectors []string
	mc.PrependReactor("list", "secrets", func(a ktesting.Action) (bool, runtime.Object, error) {
		selectors = append(selectors, a.(ktesting.ListActionImpl).ListRestrictions.Fields.String())
		return false, nil, nil
	})
	s, err := Collect(context.Background(), c, CollectOptions{Metadata: mc})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.TokenSecrets) != 1 || s.TokenSecrets[0].ServiceAccount != "ci" {
		t.Errorf("token secrets = %+v", s.TokenSecrets)
	}
	if len(selectors) != 1 || selectors[0] != "type=kubernetes.io/service-account-token" {
		t.Errorf("metadata list field selectors = %q", selectors)
	}
}

// TestCollectPaginates serves pods in pages and checks that every page is
// fetched with the continue token and that all items arrive.
func TestCollectPaginates(t *testing.T) {
	const n = 23
	var pods []corev1.Pod
	for i := 0; i < n; i++ {
		pods = append(pods, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: fmt.Sprintf("p%02d", i)}})
	}
	c := fake.NewClientset()
	var mu sync.Mutex
	var calls []metav1.ListOptions
	c.PrependReactor("list", "pods", func(a ktesting.Action) (bool, runtime.Object, error) {
		opts := a.(ktesting.ListActionImpl).ListOptions
		mu.Lock()
		calls = append(calls, opts)
		mu.Unlock()
		start := 0
		if opts.Continue != "" {
			start, _ = strconv.Atoi(opts.Continue)
		}
		end := start + int(opts.Limit)
		list := &corev1.PodList{}
		if end < n {
			list.Continue = strconv.Itoa(end)
		} else {
			end = n
		}
		list.Items = pods[start:end]
		return true, list, nil
	})
	s, err := Collect(context.Background(), c, CollectOptions{PageSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Pods) != n {
		t.Fatalf("got %d pods, want %d", len(s.Pods), n)
	}
	if len(calls) != 5 {
		t.Errorf("want 5 pages, got %d calls", len(calls))
	}
	for i, o := range calls {
		if o.Limit != 5 || (i > 0 && o.Continue != strconv.Itoa(5*i)) {
			t.Errorf("call %d: limit %d continue %q", i, o.Limit, o.Continue)
		}
	}
}

func TestCollectErrorNamesResource(t *testing.T) {
	c := fake.NewClientset()
	c.PrependReactor("list", "rolebindings", func(ktesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("forbidden")
	})
	s, err := Collect(context.Background(), c, CollectOptions{})
	if err == nil || s != nil || !strings.Contains(err.Error(), "list rolebindings") {
		t.Fatalf("want error naming rolebindings and no snapshot, got %v, %v", s, err)
	}
}

// TestRequiredPermissionsAreTheRequests proves the declaration against
// what Collect really asks the API server: every request is covered by a
// declared permission, and every declared permission is used.
func TestRequiredPermissionsAreTheRequests(t *testing.T) {
	c := fake.NewClientset()
	if _, err := Collect(context.Background(), c, CollectOptions{}); err != nil {
		t.Fatal(err)
	}
	requests := accesstest.Requests(c)
	if un := accesstest.Uncovered(requests, RequiredPermissions()); len(un) > 0 {
		t.Errorf("requests not declared: %s", access.Join(un))
	}
	if unused := accesstest.Uncovered(RequiredPermissions(), requests); len(unused) > 0 {
		t.Errorf("declared but never requested: %s", access.Join(unused))
	}
}
