package report

import (
	"fmt"
	"path"
	"strings"
)

// ObjectRef names one API object an observation is about. Kind is lower
// case as kubectl writes it ("daemonset", "clusterrolebinding");
// Namespace is empty for a cluster-scoped object.
type ObjectRef struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// IsZero reports whether the reference names nothing.
func (o ObjectRef) IsZero() bool { return o == ObjectRef{} }

// String renders KIND/NAMESPACE/NAME, or KIND/NAME for a cluster-scoped
// object: the form ObjectRef.Match takes.
func (o ObjectRef) String() string {
	if o.IsZero() {
		return ""
	}
	if o.Namespace == "" {
		return o.Kind + "/" + o.Name
	}
	return o.Kind + "/" + o.Namespace + "/" + o.Name
}

// Match reports whether the object matches pattern: KIND/NAMESPACE/NAME
// for a namespaced object, KIND/NAME for a cluster-scoped one, each part a
// path.Match glob ("daemonset/kube-system/*", "clusterrolebinding/ops-*",
// "*/prod/*"). Kinds match in any case. A pattern with the wrong number of
// parts for the object never matches it; a malformed glob is an error.
func (o ObjectRef) Match(pattern string) (bool, error) {
	parts := strings.Split(pattern, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return false, fmt.Errorf("object pattern %q: want KIND/NAMESPACE/NAME or KIND/NAME", pattern)
	}
	for _, p := range parts {
		if _, err := path.Match(p, ""); err != nil {
			return false, fmt.Errorf("object pattern %q: %w", pattern, err)
		}
	}
	if o.IsZero() {
		return false, nil
	}
	want := []string{strings.ToLower(o.Kind), o.Name}
	if o.Namespace != "" {
		want = []string{strings.ToLower(o.Kind), o.Namespace, o.Name}
	}
	if len(parts) != len(want) {
		return false, nil
	}
	parts[0] = strings.ToLower(parts[0])
	for i, p := range parts {
		if ok, _ := path.Match(p, want[i]); !ok {
			return false, nil
		}
	}
	return true, nil
}

// ControlGlobs is the --control filter: control IDs or path.Match globs
// ("1.2.*", "V-2423??", "KH-PKI-*"), matched in any case. No glob keeps
// every control. It is the one definition every command uses.
type ControlGlobs []string

// ParseControlGlobs trims and validates the values of --control (empty
// values are dropped).
func ParseControlGlobs(values []string) (ControlGlobs, error) {
	var out ControlGlobs
	for _, g := range values {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("--control %q is not a valid glob: %w", g, err)
		}
		out = append(out, strings.ToUpper(g))
	}
	return out, nil
}

// Match reports whether a control ID is selected.
func (g ControlGlobs) Match(id string) bool {
	if len(g) == 0 {
		return true
	}
	id = strings.ToUpper(id)
	for _, glob := range g {
		if ok, _ := path.Match(glob, id); ok {
			return true
		}
	}
	return false
}
