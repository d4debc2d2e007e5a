package permissions

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/access"
)

// verbOrder lists verbs in the order people read them.
var verbOrder = []string{"get", "list", "watch", "create", "update", "patch", "delete"}

func verbRank(v string) int {
	if i := slices.Index(verbOrder, v); i >= 0 {
		return i
	}
	return len(verbOrder)
}

// Summary renders permissions as one line for people: per scope, the verbs
// of each resource ("list nodes, namespaces; in namespace kh: create,
// delete pods, get pods/log"), the required ones first and the others
// after "optional:" (degrades) or "opt-in:" (never granted by generated
// RBAC).
func Summary(ps []access.Permission) string {
	var parts []string
	for _, need := range []access.Need{access.Required, access.Degrades, access.OptIn} {
		s := summarize(access.Only(ps, need))
		if s == "" {
			continue
		}
		switch need {
		case access.Degrades:
			s = "optional: " + s
		case access.OptIn:
			s = "opt-in: " + s
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func summarize(ps []access.Permission) string {
	type group struct {
		scope string
		items []string // "verbs resource"
	}
	var groups []*group
	find := func(scope string) *group {
		for _, g := range groups {
			if g.scope == scope {
				return g
			}
		}
		g := &group{scope: scope}
		groups = append(groups, g)
		return g
	}
	// verbs per resource (with name) per scope, in first-seen order
	type key struct{ scope, res string }
	verbs := map[key][]string{}
	var order []key
	for _, p := range ps {
		res := p.ResourceString()
		if p.Name != "" {
			res += " named " + p.Name
		}
		k := key{p.Scope(), res}
		if _, ok := verbs[k]; !ok {
			order = append(order, k)
		}
		if !slices.Contains(verbs[k], p.Verb) {
			verbs[k] = append(verbs[k], p.Verb)
		}
	}
	// Resources with the same verbs are listed together: "list nodes, pods".
	type row struct {
		scope, verbs string
		res          []string
	}
	var rows []*row
	for _, k := range order {
		vs := verbs[k]
		slices.SortFunc(vs, func(a, b string) int { return verbRank(a) - verbRank(b) })
		v := strings.Join(vs, ", ")
		i := slices.IndexFunc(rows, func(r *row) bool {
			return r.scope == k.scope && r.verbs == v && !strings.Contains(k.res, " named ") && !strings.Contains(r.res[0], " named ")
		})
		if i < 0 {
			rows = append(rows, &row{scope: k.scope, verbs: v, res: []string{k.res}})
			continue
		}
		rows[i].res = append(rows[i].res, k.res)
	}
	for _, r := range rows {
		find(r.scope).items = append(find(r.scope).items, r.verbs+" "+strings.Join(r.res, ", "))
	}
	var out []string
	for _, g := range groups {
		s := strings.Join(g.items, "; ")
		if g.scope != "cluster-wide" {
			s = g.scope + ": " + s
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func needName(n access.Need) string {
	switch n {
	case access.Degrades:
		return "optional"
	case access.OptIn:
		return "opt-in"
	}
	return "required"
}

// Markdown renders the README's permission table: one row per command
// and permission, with its need and what it is used for.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| command | permission | need | used for |\n|---|---|---|---|\n")
	for _, c := range Documented() {
		for _, p := range c.Permissions {
			fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", c.Name, p, needName(p.Need), p.Why)
		}
	}
	return b.String()
}

// caveatCommands are the commands the Krew caveats list; the others are
// variants in the README's table, and all needs what its parts need.
var caveatCommands = []string{"scan nodes", "scan nodes -n NS", "rbac", "workloads", "cleanup"}

// Caveats renders the permission list of the Krew caveats: one line per
// command, wrapped for a terminal.
func Caveats() string {
	var b strings.Builder
	for _, c := range Documented() {
		if slices.Contains(caveatCommands, c.Name) {
			b.WriteString(wrap("* "+c.Name+": "+Summary(c.Permissions)+".", 70, "  "))
		}
	}
	b.WriteString(wrap("* all: what scan nodes, rbac and workloads need.", 70, "  "))
	return b.String()
}

// wrap breaks s into lines of at most width characters, continuing with
// indent.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line = indent + w
			continue
		}
		if line == "" {
			line = w
		} else {
			line += " " + w
		}
	}
	b.WriteString(line + "\n")
	return b.String()
}
