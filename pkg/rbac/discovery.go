//go:build !harden_fuzz

package rbac

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// Discover reads from the API server's discovery which resources are
// namespaced, the flag `kubectl auth can-i` and `kubectl api-resources`
// read. Groups whose discovery failed (an aggregated API server that is
// down) are recorded, not fatal: their resources then have an unknown
// scope, which who-can says. Any other failure is an error.
func Discover(d discovery.DiscoveryInterface) (*Discovery, error) {
	_, lists, err := d.ServerGroupsAndResources()
	out := &Discovery{}
	if err != nil {
		var failed *discovery.ErrGroupDiscoveryFailed
		if !errors.As(err, &failed) {
			return nil, fmt.Errorf("reading API discovery: %w", err)
		}
		groups := map[string]bool{}
		for gv := range failed.Groups {
			groups[gv.Group] = true
		}
		for g := range groups {
			out.FailedGroups = append(out.FailedGroups, g)
		}
		sort.Strings(out.FailedGroups)
	}
	seen := map[groupResource]bool{}
	for _, l := range lists {
		if l == nil {
			continue
		}
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			return nil, fmt.Errorf("reading API discovery: group version %q: %w", l.GroupVersion, err)
		}
		for _, r := range l.APIResources {
			if r.Name == "" || strings.Contains(r.Name, "/") {
				continue // subresources share their resource's scope
			}
			gr := groupResource{gv.Group, r.Name}
			if seen[gr] {
				continue
			}
			seen[gr] = true
			out.Resources = append(out.Resources, APIResource{Group: gv.Group, Resource: r.Name, Namespaced: r.Namespaced})
		}
	}
	sort.Slice(out.Resources, func(i, j int) bool {
		a, b := out.Resources[i], out.Resources[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		return a.Resource < b.Resource
	})
	if len(out.Resources) == 0 {
		return nil, errors.New("reading API discovery: the API server lists no resources")
	}
	return out, nil
}
