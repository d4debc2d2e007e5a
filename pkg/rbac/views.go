package rbac

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/report/format"
)

// WhoCanResult is the document of `rbac who-can`: every grant that allows
// a request.
type WhoCanResult struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Request is the request as the API server authorizes it: a
	// cluster-scoped resource without a namespace, namespaces/NAME in
	// namespace NAME (Scope says how).
	Request Attributes   `json:"request"`
	Scope   RequestScope `json:"scope"`
	Grants  []Grant      `json:"grants"`
}

// WhoCanResult answers who can make the request attrs: in its namespace,
// or, with anyNamespace, in at least one namespace.
func (m *Model) WhoCanResult(attrs Attributes, anyNamespace bool) WhoCanResult {
	var grants []Grant
	var scope RequestScope
	if anyNamespace {
		attrs, scope = m.RequestInAnyNamespace(attrs)
		grants = m.WhoCanInAnyNamespace(attrs)
	} else {
		attrs, scope = m.Request(attrs)
		grants = m.WhoCan(attrs)
	}
	if grants == nil {
		grants = []Grant{}
	}
	return WhoCanResult{APIVersion: report.ReportAPIVersion, Kind: "WhoCanResult", Request: attrs, Scope: scope, Grants: grants}
}

// Sections lay the grants out as a table: who, where, through what.
func (r WhoCanResult) Sections() []format.Section {
	if len(r.Grants) == 0 {
		return []format.Section{{Note: fmt.Sprintf("No subject can %s.", r.Request)}}
	}
	t := &metav1.Table{ColumnDefinitions: format.Columns(
		[]string{"Kind", "Subject", "Scope", "Binding", "Role"},
		[]string{"Rule", "Default"}, nil)}
	for _, g := range r.Grants {
		name := g.Subject.Name
		if g.Subject.Kind == KindServiceAccount {
			name = g.Subject.Namespace + ":" + g.Subject.Name
		}
		def := "no"
		if g.Default {
			def = "yes"
		}
		t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{g.Subject.Kind, name, g.Scope(), g.Binding.String(), g.Role.String(), RuleString(g.Rule), def}})
	}
	return []format.Section{{Table: t}}
}

// SubjectPermissions is the document of `rbac subject`: what a subject
// may do, and its paths to more.
type SubjectPermissions struct {
	APIVersion string  `json:"apiVersion"`
	Kind       string  `json:"kind"`
	Subject    Subject `json:"subject"`
	Rules      []Grant `json:"rules"`
	// FullControl is true when the subject (or one of its groups) already
	// holds full control; then no path is listed.
	FullControl bool `json:"fullControl"`
	// PathsToClusterAdmin holds the subject's shortest path to full
	// control, if it has one (through itself or one of its groups).
	PathsToClusterAdmin []Path `json:"pathsToClusterAdmin"`
	// PathsToNamespaceAdmin holds, per namespace, the shortest path to
	// */*/* there, short of full control.
	PathsToNamespaceAdmin []Path `json:"pathsToNamespaceAdmin"`
}

// SubjectPermissions gathers a subject's rules and paths.
func (m *Model) SubjectPermissions(s Subject) SubjectPermissions {
	rules := m.Permissions(s)
	if rules == nil {
		rules = []Grant{}
	}
	doc := SubjectPermissions{APIVersion: report.ReportAPIVersion, Kind: "SubjectPermissions", Subject: s, Rules: rules,
		PathsToClusterAdmin: []Path{}, PathsToNamespaceAdmin: []Path{}}
	path, full := m.PathToClusterAdmin(s)
	doc.FullControl = full
	if path != nil {
		doc.PathsToClusterAdmin = append(doc.PathsToClusterAdmin, *path)
	}
	if !full {
		doc.PathsToNamespaceAdmin = append(doc.PathsToNamespaceAdmin, m.PathsToNamespaceAdmin(s)...)
	}
	return doc
}

// Sections lay the rules out as a table, then the paths as another (or
// say why there is none).
func (d SubjectPermissions) Sections() []format.Section {
	if len(d.Rules) == 0 {
		return []format.Section{{Note: fmt.Sprintf("%s holds no permission.", d.Subject)}}
	}
	t := &metav1.Table{ColumnDefinitions: format.Columns(
		[]string{"Scope", "Verbs", "Resources", "Names", "Via"},
		[]string{"Binding", "Role", "Inert"}, nil)}
	for _, g := range d.Rules {
		verbs, resources := RuleVerbs(g.Rule), RuleResources(g.Rule)
		via := g.Subject.Kind + " " + g.Subject.Name
		if g.Subject.Kind == KindServiceAccount {
			via = "itself"
		}
		// A RoleBinding's rule that no request can use is shown as such.
		scope := g.Scope()
		switch {
		case g.InertAll:
			scope += " (inert)"
		case len(g.Inert) > 0:
			scope += " (partly inert)"
		}
		t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{scope, verbs, resources, format.OrNone(strings.Join(g.Rule.ResourceNames, ",")), via, g.Binding.String(), g.Role.String(), format.OrNone(strings.Join(g.Inert, "; "))}})
	}
	out := []format.Section{{Table: t}}
	paths := append(append([]Path{}, d.PathsToClusterAdmin...), d.PathsToNamespaceAdmin...)
	switch {
	case d.FullControl:
		return append(out, format.Section{Note: fmt.Sprintf("%s holds full control.", d.Subject)})
	case len(paths) == 0:
		return append(out, format.Section{Note: fmt.Sprintf("%s has no path to cluster-admin or to admin of a namespace.", d.Subject)})
	}
	return append(out, format.Section{Table: pathsTable(paths)})
}

// pathsTable lays paths out one row per step: the goal (cluster-admin, or
// namespace/NAME for admin of a namespace), who takes the step, how, whom
// it becomes, and (wide) the technique and the binding of every grant the
// step needs.
func pathsTable(paths []Path) *metav1.Table {
	t := &metav1.Table{ColumnDefinitions: format.Columns(
		[]string{"Goal", "Step", "From", "How", "Becomes"},
		[]string{"Technique", "Grants"}, map[string]string{"Step": "integer"})}
	for _, p := range paths {
		goal := "cluster-admin"
		if p.Namespace != "" {
			goal = "namespace/" + p.Namespace
		}
		for i, st := range p.Steps {
			to := "<none>"
			switch {
			case st.To != nil:
				to = st.To.String()
			case i == len(p.Steps)-1 && p.Namespace != "":
				to = "admin of namespace " + p.Namespace
			case i == len(p.Steps)-1:
				to = "full control (cluster-admin)"
			}
			gs := st.Grants
			if len(gs) == 0 {
				gs = []Grant{st.Grant}
			}
			var grants []string
			for _, g := range gs {
				grants = append(grants, g.Binding.String()+" ("+g.Role.String()+")")
			}
			t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{goal, int64(i + 1), st.From.String(), st.How, to, st.Technique, strings.Join(grants, ", ")}})
		}
	}
	return t
}
