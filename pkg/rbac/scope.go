package rbac

import (
	"fmt"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubectl-harden/kubectl-harden/pkg/access"
)

// Request scope. The RBAC authorizer never looks at whether a resource is
// namespaced: it visits the ClusterRoleBindings and the RoleBindings of
// the request's namespace, whatever the resource. So the namespace a
// request carries decides which RoleBindings count, and that namespace is
// set by the API server's request parsing, not by the caller: a request on
// a cluster-scoped resource (nodes, storageclasses, a cluster-scoped CRD)
// carries no namespace, while GET, PUT, PATCH and DELETE of
// /api/v1/namespaces/NAME carry namespace NAME (kubernetes/kubernetes
// staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go,
// NewRequestInfo: a path /namespaces/{namespace}/... sets the namespace,
// and namespaces' own status and finalize subresources stay on it).
// `kubectl auth can-i -n NS` sends NS for any resource and only warns
// "resource ... is not namespace scoped", using discovery's namespaced flag
// (kubernetes/kubectl pkg/cmd/auth/cani.go, isNamespaced): a
// SubjectAccessReview in NS for a cluster-scoped resource then answers a
// question no real request asks. Request below derives the attributes a
// real request carries.

// APIResource is what API discovery says about one resource: its group,
// its plural name and whether it is namespaced. Subresources share their
// resource's scope and are not listed.
type APIResource struct {
	Group      string `json:"group,omitempty"`
	Resource   string `json:"resource"`
	Namespaced bool   `json:"namespaced"`
}

// Discovery is the part of the API server's discovery the engine reads,
// saved in the snapshot so that offline evaluation scopes requests as the
// live one does.
type Discovery struct {
	// Resources are every served resource, each group/resource once.
	Resources []APIResource `json:"resources"`
	// FailedGroups are the API groups whose discovery failed (typically
	// an aggregated API server that is down): the scope of their
	// resources is unknown.
	FailedGroups []string `json:"failedGroups,omitempty"`
}

// Scope sources, as ResourceScope.Source reports them.
const (
	// ScopeFromDiscovery: the snapshot's API discovery decided.
	ScopeFromDiscovery = "discovery"
	// ScopeAuthorizationOnly: a resource that exists only for
	// authorization (impersonated users, groups, uids and user extras;
	// certificate signers), always checked without a namespace.
	ScopeAuthorizationOnly = "authorization-only"
	// ScopeBuiltIn: the snapshot has no discovery (saved by an older
	// version); the scope of a built-in Kubernetes resource is known.
	ScopeBuiltIn = "built-in"
	// ScopeUnknown: nothing tells whether the resource is namespaced.
	ScopeUnknown = "unknown"
)

// ResourceScope says whether a resource is namespaced and how that is known.
type ResourceScope struct {
	// Namespaced is meaningful only when Source is not ScopeUnknown.
	Namespaced bool   `json:"namespaced"`
	Source     string `json:"source"`
}

// Known reports whether the scope is known.
func (s ResourceScope) Known() bool { return s.Source != ScopeUnknown }

type groupResource struct{ group, resource string }

// authorizationOnly are resources that are never served but are
// authorized, always with an empty namespace: impersonation of users,
// groups, uids and user extras (kubernetes/kubernetes
// staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go:
// only an impersonated service account carries a namespace), and the
// approve, sign and attest verbs on certificate signers (kubernetes/kubernetes
// pkg/apis/certificates, plugin/pkg/admission/certificates: signers are
// checked by name, cluster-wide).
var authorizationOnly = map[groupResource]bool{
	{"", "users"}: true, {"", "groups"}: true,
	{"authentication.k8s.io", "uids"}: true, {"authentication.k8s.io", "userextras"}: true,
	{"certificates.k8s.io", "signers"}: true,
}

// builtinClusterScoped and builtinNamespaced are the built-in resources of
// Kubernetes 1.34 as its discovery lists them (`kubectl api-resources
// --namespaced=false|true` on a v1.34 API server), plus those of APIs that
// are off by default (clustertrustbundles, mutatingadmissionpolicies,
// leasecandidates, storage versions). They decide only for snapshots saved
// without discovery; discovery, which also knows custom resources and
// aggregated APIs, always wins.
var builtinClusterScoped = map[groupResource]bool{
	{"", "componentstatuses"}: true, {"", "namespaces"}: true, {"", "nodes"}: true, {"", "persistentvolumes"}: true,
	{"admissionregistration.k8s.io", "mutatingwebhookconfigurations"}: true, {"admissionregistration.k8s.io", "validatingwebhookconfigurations"}: true,
	{"admissionregistration.k8s.io", "validatingadmissionpolicies"}: true, {"admissionregistration.k8s.io", "validatingadmissionpolicybindings"}: true,
	{"admissionregistration.k8s.io", "mutatingadmissionpolicies"}: true, {"admissionregistration.k8s.io", "mutatingadmissionpolicybindings"}: true,
	{"apiextensions.k8s.io", "customresourcedefinitions"}: true, {"apiregistration.k8s.io", "apiservices"}: true,
	{"authentication.k8s.io", "selfsubjectreviews"}: true, {"authentication.k8s.io", "tokenreviews"}: true,
	{"authorization.k8s.io", "selfsubjectaccessreviews"}: true, {"authorization.k8s.io", "selfsubjectrulesreviews"}: true, {"authorization.k8s.io", "subjectaccessreviews"}: true,
	{"certificates.k8s.io", "certificatesigningrequests"}: true, {"certificates.k8s.io", "clustertrustbundles"}: true,
	{"flowcontrol.apiserver.k8s.io", "flowschemas"}: true, {"flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"}: true,
	{"networking.k8s.io", "ingressclasses"}: true, {"networking.k8s.io", "ipaddresses"}: true, {"networking.k8s.io", "servicecidrs"}: true,
	{"node.k8s.io", "runtimeclasses"}:                    true,
	{"rbac.authorization.k8s.io", "clusterrolebindings"}: true, {"rbac.authorization.k8s.io", "clusterroles"}: true,
	{"resource.k8s.io", "deviceclasses"}: true, {"resource.k8s.io", "resourceslices"}: true,
	{"scheduling.k8s.io", "priorityclasses"}: true,
	{"storage.k8s.io", "csidrivers"}:         true, {"storage.k8s.io", "csinodes"}: true, {"storage.k8s.io", "storageclasses"}: true,
	{"storage.k8s.io", "volumeattachments"}: true, {"storage.k8s.io", "volumeattributesclasses"}: true,
	{"storagemigration.k8s.io", "storageversionmigrations"}: true, {"internal.apiserver.k8s.io", "storageversions"}: true,
}

var builtinNamespaced = map[groupResource]bool{
	{"", "bindings"}: true, {"", "configmaps"}: true, {"", "endpoints"}: true, {"", "events"}: true, {"", "limitranges"}: true,
	{"", "persistentvolumeclaims"}: true, {"", "pods"}: true, {"", "podtemplates"}: true, {"", "replicationcontrollers"}: true,
	{"", "resourcequotas"}: true, {"", "secrets"}: true, {"", "serviceaccounts"}: true, {"", "services"}: true,
	{"apps", "controllerrevisions"}: true, {"apps", "daemonsets"}: true, {"apps", "deployments"}: true, {"apps", "replicasets"}: true, {"apps", "statefulsets"}: true,
	{"authorization.k8s.io", "localsubjectaccessreviews"}: true,
	{"autoscaling", "horizontalpodautoscalers"}:           true, {"batch", "cronjobs"}: true, {"batch", "jobs"}: true,
	{"coordination.k8s.io", "leases"}: true, {"coordination.k8s.io", "leasecandidates"}: true,
	{"discovery.k8s.io", "endpointslices"}: true, {"events.k8s.io", "events"}: true,
	{"networking.k8s.io", "ingresses"}: true, {"networking.k8s.io", "networkpolicies"}: true,
	{"policy", "poddisruptionbudgets"}:            true,
	{"rbac.authorization.k8s.io", "rolebindings"}: true, {"rbac.authorization.k8s.io", "roles"}: true,
	{"resource.k8s.io", "resourceclaims"}: true, {"resource.k8s.io", "resourceclaimtemplates"}: true,
	{"storage.k8s.io", "csistoragecapacities"}: true,
}

// scopes indexes a snapshot's discovery.
type scopes struct {
	have   bool
	byGR   map[groupResource]bool
	failed map[string]bool
	// byName maps a resource name to its scopes over every group, for
	// rules whose apiGroups is "*".
	byName map[string][]bool
}

func newScopes(d *Discovery) scopes {
	sc := scopes{byGR: map[groupResource]bool{}, failed: map[string]bool{}, byName: map[string][]bool{}}
	if d == nil {
		for gr := range builtinClusterScoped {
			sc.byName[gr.resource] = append(sc.byName[gr.resource], false)
		}
		for gr := range builtinNamespaced {
			sc.byName[gr.resource] = append(sc.byName[gr.resource], true)
		}
		return sc
	}
	sc.have = true
	for _, r := range d.Resources {
		gr := groupResource{r.Group, r.Resource}
		if _, dup := sc.byGR[gr]; dup {
			continue
		}
		sc.byGR[gr] = r.Namespaced
		sc.byName[r.Resource] = append(sc.byName[r.Resource], r.Namespaced)
	}
	for _, g := range d.FailedGroups {
		sc.failed[g] = true
	}
	return sc
}

// of returns the scope of a resource ("pods", or "pods/exec": a
// subresource has its resource's scope) in one API group.
func (sc scopes) of(group, resource string) ResourceScope {
	resource, _, _ = strings.Cut(resource, "/")
	gr := groupResource{group, resource}
	switch {
	case resource == rbacv1.ResourceAll:
		// kubectl's isNamespaced answers true for "*": it matches the
		// namespaced resources too.
		return ResourceScope{Namespaced: true, Source: ScopeFromDiscovery}
	case authorizationOnly[gr]:
		return ResourceScope{Source: ScopeAuthorizationOnly}
	case sc.have:
		if ns, ok := sc.byGR[gr]; ok {
			return ResourceScope{Namespaced: ns, Source: ScopeFromDiscovery}
		}
		return ResourceScope{Source: ScopeUnknown}
	case builtinClusterScoped[gr]:
		return ResourceScope{Source: ScopeBuiltIn}
	case builtinNamespaced[gr]:
		return ResourceScope{Namespaced: true, Source: ScopeBuiltIn}
	}
	return ResourceScope{Source: ScopeUnknown}
}

// anyNamespaced reports whether a resource name is namespaced in at least
// one group, or may be (unknown), for rules with apiGroups "*".
func (sc scopes) anyNamespaced(resource string) bool {
	resource, _, _ = strings.Cut(resource, "/")
	if resource == rbacv1.ResourceAll {
		return true
	}
	list, ok := sc.byName[resource]
	if !ok {
		return true // unknown: a custom resource of that name may be namespaced
	}
	for _, ns := range list {
		if ns {
			return true
		}
	}
	return sc.have && len(sc.failed) > 0
}

// isNamespaceObject reports whether a is a request on one Namespace object
// by name, which the API server authorizes in that namespace: get, watch
// (the deprecated /watch/namespaces/NAME path), update, patch and delete of
// namespaces/NAME and of its status and finalize subresources. create,
// list and deletecollection address the collection and carry no namespace.
func isNamespaceObject(a Attributes) bool {
	if !a.IsResourceRequest() || a.APIGroup != "" || a.Resource != "namespaces" {
		return false
	}
	switch a.Subresource {
	case "", "status", "finalize":
	default:
		return false
	}
	switch a.Verb {
	case "get", "watch", "update", "patch", "delete", rbacv1.VerbAll:
		return true
	}
	return false
}

// RequestScope is how Request derived the attributes it returns.
type RequestScope struct {
	// Scope is the resource's scope (empty for a non-resource URL).
	Scope *ResourceScope `json:"scope,omitempty"`
	// Notes say, in words, every change made to the request and what
	// could not be decided.
	Notes []string `json:"notes,omitempty"`
}

// Request returns the attributes the API server authorizes for the request
// a describes (as `kubectl auth can-i` reads it), and why they differ:
//
//   - a request on a cluster-scoped resource carries no namespace, so
//     RoleBindings never count (bind on clusterroles excepted: it is
//     checked in the namespace of the RoleBinding being created);
//   - namespaces/NAME is authorized in namespace NAME;
//   - create of a resource (not of a subresource) is a POST to the
//     collection: the object's name is not part of the request, so rules
//     limited by resourceNames never allow it;
//   - a non-resource URL carries no namespace.
//
// When the scope of the resource is unknown the namespace is kept, as a
// SubjectAccessReview would keep it, and a note says so.
func (m *Model) Request(a Attributes) (Attributes, RequestScope) {
	var rs RequestScope
	if !a.IsResourceRequest() {
		a.Namespace = ""
		return a, rs
	}
	sc := m.scopes.of(a.APIGroup, a.Resource)
	rs.Scope = &sc
	if a.Verb == "create" && a.Subresource == "" && a.Name != "" {
		rs.Notes = append(rs.Notes, fmt.Sprintf("create is a POST to the collection: the name %q is not part of the request, so rules limited by resourceNames never allow it", a.Name))
		a.Name = ""
	}
	switch {
	case isNamespaceObject(a) && a.Name != "":
		if a.Namespace != a.Name {
			rs.Notes = append(rs.Notes, fmt.Sprintf("a request on namespaces/%s is authorized in namespace %s (RoleBindings there count)", a.Name, a.Name))
		}
		a.Namespace = a.Name
	case a.APIGroup == rbacv1.GroupName && a.Resource == "clusterroles" && a.Verb == "bind":
		// Checked in the namespace of the RoleBinding being created.
	case !sc.Known():
		if a.Namespace != "" {
			rs.Notes = append(rs.Notes, fmt.Sprintf("%s: %s, so whether it is namespaced cannot be decided; RoleBindings of namespace %s are included as a SubjectAccessReview in that namespace would include them, though no real request uses them if the resource is cluster-scoped",
				resourceName(a), m.unknownWhy(a.APIGroup), a.Namespace))
		}
	case !sc.Namespaced:
		if a.Namespace != "" {
			rs.Notes = append(rs.Notes, fmt.Sprintf("%s is not namespaced (%s): requests on it carry no namespace, so RoleBindings (of namespace %s or any other) never allow them", resourceName(a), scopeWhy(sc), a.Namespace))
			if a.APIGroup == "" && a.Resource == "namespaces" && a.Name == "" {
				rs.Notes = append(rs.Notes, fmt.Sprintf("a RoleBinding in namespace %s can allow get, update, patch and delete of namespace %s itself: ask about namespaces/%s", a.Namespace, a.Namespace, a.Namespace))
			}
		}
		a.Namespace = ""
	}
	return a, rs
}

// RequestInAnyNamespace is Request for WhoCanInAnyNamespace: the request
// without a namespace (namespaces/NAME keeps NAME), and notes on which
// RoleBindings can count.
func (m *Model) RequestInAnyNamespace(a Attributes) (Attributes, RequestScope) {
	a.Namespace = ""
	b, rs := m.Request(a)
	switch {
	case !b.IsResourceRequest():
		rs.Notes = append(rs.Notes, "a non-resource URL carries no namespace: only ClusterRoleBindings can allow it")
	case isNamespaceObject(b) && b.Name == "":
		rs.Notes = append(rs.Notes, fmt.Sprintf("%s of namespaces/NAME is authorized in namespace NAME: a RoleBinding in namespace N allows it on namespace N itself, and is listed with N", b.Verb))
	case isNamespaceObject(b):
	case !rs.Scope.Known():
		rs.Notes = append(rs.Notes, fmt.Sprintf("%s: %s, so whether it is namespaced cannot be decided; RoleBinding grants are listed as if it were", resourceName(b), m.unknownWhy(b.APIGroup)))
	case !m.roleBindingCan(b):
		rs.Notes = append(rs.Notes, fmt.Sprintf("%s is not namespaced (%s): only ClusterRoleBindings can allow it", resourceName(b), scopeWhy(*rs.Scope)))
	}
	return b, rs
}

// unknownWhy explains an unknown scope.
func (m *Model) unknownWhy(group string) string {
	switch {
	case !m.scopes.have:
		return "the snapshot holds no API discovery (saved by an older version) and it is not a built-in resource"
	case m.scopes.failed[group]:
		return "discovery of API group " + quoteGroup(group) + " failed"
	}
	return "the API server's discovery does not list it"
}

func scopeWhy(sc ResourceScope) string {
	switch sc.Source {
	case ScopeAuthorizationOnly:
		return "it exists only for authorization and is always checked without a namespace"
	case ScopeBuiltIn:
		return "a built-in resource; the snapshot holds no API discovery"
	}
	return "API discovery"
}

func quoteGroup(g string) string {
	if g == "" {
		return `"" (core)`
	}
	return g
}

func resourceName(a Attributes) string {
	return access.ResourceString(a.Resource, a.Subresource, a.APIGroup)
}

// roleBindingCan reports whether a RoleBinding can ever authorize a request
// matching a (in its own namespace): never for non-resource URLs and
// cluster-scoped resources, except bind on clusterroles and requests on
// the RoleBinding's own Namespace object. A resource of unknown scope
// counts: a risk control must not drop what it cannot rule out.
func (m *Model) roleBindingCan(a Attributes) bool {
	if !a.IsResourceRequest() {
		return false
	}
	if isNamespaceObject(a) {
		return true
	}
	if a.APIGroup == rbacv1.GroupName && a.Resource == "clusterroles" && a.Verb == "bind" {
		return true
	}
	if a.APIGroup == rbacv1.APIGroupAll {
		return m.scopes.anyNamespaced(a.Resource)
	}
	sc := m.scopes.of(a.APIGroup, a.Resource)
	return !sc.Known() || sc.Namespaced
}

// inertParts returns the parts of a RoleBinding's rule that can never
// authorize a request: its non-resource URLs, and each group/resource that
// is cluster-scoped for every verb of the rule. whole is true when nothing
// of the rule can ever authorize anything.
func (m *Model) inertParts(r *rbacv1.PolicyRule) (parts []string, whole bool) {
	effective := false
	if len(r.NonResourceURLs) > 0 {
		parts = append(parts, "nonResourceURLs "+strings.Join(r.NonResourceURLs, ",")+" (RoleBindings never allow non-resource URLs)")
	}
	for _, res := range r.Resources {
		for _, g := range r.APIGroups {
			any := false
			for _, v := range r.Verbs {
				if m.roleBindingCan(ruleRequest(v, g, res)) {
					any = true
					break
				}
			}
			if any {
				effective = true
				continue
			}
			name := res
			if g != "" {
				name += "." + g
			}
			why := "cluster-scoped"
			if g != rbacv1.APIGroupAll && m.scopes.of(g, res).Source == ScopeAuthorizationOnly {
				why = "checked without a namespace"
			}
			if res == "namespaces" && g == "" {
				why = "only get, watch, update, patch and delete of the RoleBinding's own namespace are allowed"
			}
			parts = append(parts, name+" ("+why+")")
		}
	}
	sort.Strings(parts)
	return parts, len(parts) > 0 && !effective
}

// ruleRequest is the request a rule's (verb, group, resource) entry stands
// for; "resource/subresource" is split.
func ruleRequest(verb, group, resource string) Attributes {
	res, sub, _ := strings.Cut(resource, "/")
	return Attributes{Verb: verb, APIGroup: group, Resource: res, Subresource: sub}
}
