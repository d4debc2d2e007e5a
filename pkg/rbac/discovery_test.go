//go:build !harden_fuzz

package rbac

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes/fake"
)

// failingDiscovery answers like an API server with an aggregated API down.
type failingDiscovery struct {
	discovery.DiscoveryInterface
	lists []*metav1.APIResourceList
	err   error
}

func (f failingDiscovery) ServerGroupsAndResources() ([]*metav1.APIGroup, []*metav1.APIResourceList, error) {
	return nil, f.lists, f.err
}

func TestDiscover(t *testing.T) {
	c := fake.NewClientset()
	fd := c.Discovery().(*fakediscovery.FakeDiscovery)
	fd.Resources = []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{{Name: "pods", Namespaced: true}, {Name: "pods/exec", Namespaced: true}, {Name: "nodes"}, {Name: "nodes/status"}}},
		{GroupVersion: "storage.k8s.io/v1", APIResources: []metav1.APIResource{{Name: "storageclasses"}}},
		{GroupVersion: "example.com/v1", APIResources: []metav1.APIResource{{Name: "widgets", Namespaced: true}}},
		{GroupVersion: "example.com/v1beta1", APIResources: []metav1.APIResource{{Name: "widgets", Namespaced: true}}},
	}
	d, err := Discover(fd)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range d.Resources {
		got = append(got, r.Group+"/"+r.Resource+map[bool]string{true: ":ns", false: ":cluster"}[r.Namespaced])
	}
	if want := "/nodes:cluster,/pods:ns,example.com/widgets:ns,storage.k8s.io/storageclasses:cluster"; strings.Join(got, ",") != want {
		t.Errorf("resources %s, want %s", strings.Join(got, ","), want)
	}

	partial := failingDiscovery{lists: fd.Resources[:1], err: &discovery.ErrGroupDiscoveryFailed{Groups: map[schema.GroupVersion]error{{Group: "metrics.k8s.io", Version: "v1beta1"}: errors.New("503")}}}
	d, err = Discover(partial)
	if err != nil || strings.Join(d.FailedGroups, ",") != "metrics.k8s.io" || len(d.Resources) != 2 {
		t.Errorf("partial discovery: %+v, %v", d, err)
	}
	if _, err := Discover(failingDiscovery{err: errors.New("connection refused")}); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("failed discovery: %v", err)
	}
}
