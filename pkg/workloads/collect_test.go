//go:build !harden_fuzz

package workloads

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	metafake "k8s.io/client-go/metadata/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/access/accesstest"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

func owned(kind, name string) []metav1.OwnerReference {
	return []metav1.OwnerReference{{Kind: kind, Name: name, Controller: ptr(true)}}
}

func podTemplate() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{Spec: goodSpec()}
}

func fixtureObjects() []runtime.Object {
	return []runtime.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "prod", Labels: map[string]string{"pod-security.kubernetes.io/enforce": "baseline", "team": "x"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "prod"}, Spec: appsv1.DeploymentSpec{Template: podTemplate()}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-abc", Namespace: "prod", OwnerReferences: owned("Deployment", "web")}, Spec: appsv1.ReplicaSetSpec{Template: podTemplate()}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "orphan", Namespace: "prod"}, Spec: appsv1.ReplicaSetSpec{Template: podTemplate()}},
		&batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "backup", Namespace: "prod"}, Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: podTemplate()}}}},
		&batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "backup-1", Namespace: "prod", OwnerReferences: owned("CronJob", "backup")}, Spec: batchv1.JobSpec{Template: podTemplate()}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-abc-1", Namespace: "prod", OwnerReferences: owned("ReplicaSet", "web-abc")}, Spec: goodSpec()},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "bare", Namespace: "default"}, Spec: goodSpec()},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "etcd-cp", Namespace: "kube-system", Annotations: map[string]string{MirrorAnnotation: "x"}, OwnerReferences: owned("Node", "cp")},
			Spec: corev1.PodSpec{NodeName: "cp", Containers: []corev1.Container{{Name: "etcd", Image: "registry.k8s.io/etcd:3.6", Env: []corev1.EnvVar{{Name: "SECRET", Value: "never-kept"}}}}}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default"}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "default"}},
	}
}

func metaClient() *metafake.FakeMetadataClient {
	sch := metafake.NewTestScheme()
	_ = metav1.AddMetaToScheme(sch)
	crd := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition"}, ObjectMeta: metav1.ObjectMeta{Name: "clusterpolicies.kyverno.io"}}
	cm := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Name: "kube-root-ca.crt", Namespace: "default"}}
	return metafake.NewSimpleMetadataClient(sch, crd, cm)
}

func TestCollect(t *testing.T) {
	c := fake.NewClientset(fixtureObjects()...)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s, err := Collect(context.Background(), c, CollectOptions{Metadata: metaClient(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, w := range s.Workloads {
		refs = append(refs, w.Ref()+"|"+w.Owner)
	}
	got := strings.Join(refs, " ")
	// Sorted by namespace, kind, name.
	want := "pod/default/bare| pod/kube-system/etcd-cp|node/cp cronjob/prod/backup| deployment/prod/web| replicaset/prod/orphan|"
	if got != want {
		t.Errorf("workloads:\n got %s\nwant %s", got, want)
	}
	for _, w := range s.Workloads {
		for _, ct := range w.Spec.Containers {
			for _, e := range ct.Env {
				if e.Value != "" {
					t.Errorf("%s kept env value of %s", w.Ref(), e.Name)
				}
			}
		}
		if w.Name == "etcd-cp" && (!w.Mirror || w.Node != "cp") {
			t.Errorf("mirror pod not recognised: %+v", w)
		}
	}
	if len(s.Namespaces) != 2 || s.Namespaces[1].Labels["team"] != "" || s.Namespaces[1].Labels["pod-security.kubernetes.io/enforce"] != "baseline" {
		t.Errorf("namespaces = %+v, want only pod-security labels", s.Namespaces)
	}
	if strings.Join(s.CRDs, ",") != "clusterpolicies.kyverno.io" || len(s.Unavailable) != 0 {
		t.Errorf("crds %v unavailable %v", s.CRDs, s.Unavailable)
	}
	if strings.Join(s.DefaultNamespace, ",") != "configmap/kube-root-ca.crt,service/kubernetes,serviceaccount/default" {
		t.Errorf("default namespace = %v", s.DefaultNamespace)
	}
}

// TestCollectPages: the pager follows continue tokens.
func TestCollectPages(t *testing.T) {
	c := fake.NewClientset()
	var pods []corev1.Pod
	for i := 0; i < 7; i++ {
		pods = append(pods, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p" + strconv.Itoa(i), Namespace: "prod"}, Spec: goodSpec()})
	}
	calls := 0
	c.PrependReactor("list", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		calls++
		lo := a.(k8stesting.ListActionImpl).ListOptions
		start := 0
		if lo.Continue != "" {
			start, _ = strconv.Atoi(lo.Continue)
		}
		end := start + int(lo.Limit)
		if end > len(pods) {
			end = len(pods)
		}
		l := &corev1.PodList{Items: pods[start:end]}
		if end < len(pods) {
			l.Continue = strconv.Itoa(end)
		}
		return true, l, nil
	})
	s, err := Collect(context.Background(), c, CollectOptions{PageSize: 3, Metadata: metaClient()})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Workloads) != 7 || calls != 3 {
		t.Errorf("got %d workloads in %d calls, want 7 in 3", len(s.Workloads), calls)
	}
}

func TestCollectForbiddenIsError(t *testing.T) {
	c := fake.NewClientset(fixtureObjects()...)
	c.PrependReactor("list", "daemonsets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "daemonsets"}, "", nil)
	})
	s, err := Collect(context.Background(), c, CollectOptions{Metadata: metaClient()})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Unavailable[ResDaemonSets]; !ok {
		t.Fatalf("unavailable = %v", s.Unavailable)
	}
	tr := Evaluate(Build(s), EvalOptions{})
	for _, r := range tr.Results {
		if (r.ControlID == "5.2.5" || r.ControlID == "5.3.1") && r.Status != report.StatusError {
			t.Errorf("%s = %s with daemonsets forbidden, want ERROR", r.ControlID, r.Status)
		}
	}
	// Any other error fails the collection.
	c2 := fake.NewClientset()
	c2.PrependReactor("list", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewInternalError(context.DeadlineExceeded)
	})
	if _, err := Collect(context.Background(), c2, CollectOptions{Metadata: metaClient()}); err == nil || !strings.Contains(err.Error(), "list pods") {
		t.Errorf("err = %v", err)
	}
}

// TestRequiredPermissionsAreTheRequests proves the declaration against
// what the collection really asks the API server, for every namespace, one
// namespace and the default namespace: every request is declared, every
// declared permission is requested.
func TestRequiredPermissionsAreTheRequests(t *testing.T) {
	for _, ns := range []string{"", "prod", "default"} {
		t.Run("namespace="+ns, func(t *testing.T) {
			c, meta := fake.NewClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "prod"}}, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}), metaClient()
			if ns != "" {
				if err := CheckNamespace(context.Background(), c, ns); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := Collect(context.Background(), c, CollectOptions{Namespace: ns, Metadata: meta}); err != nil {
				t.Fatal(err)
			}
			requests := accesstest.Requests(c, meta)
			if un := accesstest.Uncovered(requests, RequiredPermissions(ns)); len(un) > 0 {
				t.Errorf("requests not declared: %s", access.Join(un))
			}
			if unused := accesstest.Uncovered(RequiredPermissions(ns), requests); len(unused) > 0 {
				t.Errorf("declared but never requested: %s", access.Join(unused))
			}
		})
	}
}

func TestCheckNamespace(t *testing.T) {
	c := fake.NewClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "prod"}})
	if err := CheckNamespace(context.Background(), c, "prod"); err != nil {
		t.Errorf("prod: %v", err)
	}
	if err := CheckNamespace(context.Background(), c, "nope"); err == nil || !strings.Contains(err.Error(), "namespace/nope not found") {
		t.Errorf("nope: %v", err)
	}
}
