// Package access is the one permission check of kubectl-harden. Every
// engine declares the API requests it makes as Permissions, next to the
// code that makes them; Check asks the API server about all of them at
// once (SelfSubjectAccessReviews, in parallel) and returns the ones the
// caller lacks. The same declarations generate the RBAC of the CronJob
// and the permission lists of the documentation, so what is checked, what
// is documented and what is granted cannot drift apart.
package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Need says what happens when a permission is missing.
type Need int

const (
	// Required permissions are needed for a complete report: a command
	// names every missing one, and either stops before it reads anything
	// or reports the controls that need it as ERROR.
	Required Need = iota
	// Degrades marks a permission whose absence makes the command less
	// precise but not wrong (e.g. listing nodes to detect the platform of
	// an RBAC report): the command says so and goes on. Generated RBAC
	// grants it.
	Degrades
	// OptIn marks a powerful permission that only enables an extra
	// comparison (e.g. nodes/proxy, which reaches the kubelet API): the
	// command says so and goes on, and generated RBAC does not grant it.
	OptIn
)

// Permission is one kind of API request a command makes: a verb on a
// resource (and subresource), optionally limited to one object name, either
// cluster-wide or in one namespace.
type Permission struct {
	Verb        string `json:"verb"`
	Group       string `json:"group,omitempty"`
	Resource    string `json:"resource"`
	Subresource string `json:"subresource,omitempty"`
	// Name limits the request to one object (RBAC resourceNames).
	Name string `json:"name,omitempty"`
	// Namespace is where the request is made; "" is cluster-wide, which
	// for a namespaced resource means every namespace.
	Namespace string `json:"namespace,omitempty"`
	// Need says what happens without it (Required by default).
	Need Need `json:"need,omitempty"`
	// Why says what the permission is used for, for people reading the
	// documentation or a warning.
	Why string `json:"why,omitempty"`
}

// Resource returns a Permission for verb on a resource given as
// "resource[/subresource][.group]" (e.g. "pods/log", "deployments.apps").
func Resource(verb, resource string) Permission {
	res, group, _ := strings.Cut(resource, ".")
	res, sub, _ := strings.Cut(res, "/")
	return Permission{Verb: verb, Group: group, Resource: res, Subresource: sub}
}

// In returns p limited to namespace ns.
func (p Permission) In(ns string) Permission { p.Namespace = ns; return p }

// Named returns p limited to the object called name.
func (p Permission) Named(name string) Permission { p.Name = name; return p }

// For returns p with the reason it is needed.
func (p Permission) For(why string) Permission { p.Why = why; return p }

// As returns p with need n.
func (p Permission) As(n Need) Permission { p.Need = n; return p }

// ResourceString is "resource[/subresource][.group]", as kubectl writes it.
func (p Permission) ResourceString() string {
	return ResourceString(p.Resource, p.Subresource, p.Group)
}

// ResourceString writes a resource as "resource[/subresource][.group]", the
// way `kubectl describe clusterrole` lists a rule's resources.
func ResourceString(resource, subresource, group string) string {
	s := resource
	if subresource != "" {
		s += "/" + subresource
	}
	if group != "" {
		s += "." + group
	}
	return s
}

// Scope says where the request is made: "cluster-wide" or "in namespace NS".
func (p Permission) Scope() string {
	if p.Namespace == "" {
		return "cluster-wide"
	}
	return "in namespace " + p.Namespace
}

// String reads like "list pods cluster-wide" or "get pods/log in
// namespace x": verb, resource, name and scope, as a sentence names them.
func (p Permission) String() string {
	s := p.Verb + " " + p.ResourceString()
	if p.Name != "" {
		s += " named " + p.Name
	}
	return s + " " + p.Scope()
}

// key identifies the request (not its need or reason).
func (p Permission) key() string {
	return strings.Join([]string{p.Verb, p.Group, p.Resource, p.Subresource, p.Name, p.Namespace}, "\x00")
}

// Covers reports whether p allows every request q stands for: same verb,
// resource and subresource, p unlimited by name or limited to q's name,
// and p cluster-wide or in q's namespace.
func (p Permission) Covers(q Permission) bool {
	return p.Verb == q.Verb && p.Group == q.Group && p.Resource == q.Resource && p.Subresource == q.Subresource &&
		(p.Name == "" || p.Name == q.Name) && (p.Namespace == "" || p.Namespace == q.Namespace)
}

// Merge returns the permissions of every list once, in first-seen order:
// a request declared twice keeps the strongest need (Required first) and
// the first reason, and a request that a broader one with a need at least
// as strong covers is dropped (list pods cluster-wide covers list pods in
// namespace x).
func Merge(lists ...[]Permission) []Permission {
	var uniq []Permission
	index := map[string]int{}
	for _, l := range lists {
		for _, p := range l {
			if i, ok := index[p.key()]; ok {
				uniq[i].Need = min(uniq[i].Need, p.Need)
				if uniq[i].Why == "" {
					uniq[i].Why = p.Why
				}
				continue
			}
			index[p.key()] = len(uniq)
			uniq = append(uniq, p)
		}
	}
	var out []Permission
	for i, p := range uniq {
		if !slices.ContainsFunc(uniq, func(q Permission) bool { return q.key() != uniq[i].key() && q.Covers(p) && q.Need <= p.Need }) {
			out = append(out, p)
		}
	}
	return out
}

// Only returns the permissions of ps whose need is one of needs.
func Only(ps []Permission, needs ...Need) []Permission {
	var out []Permission
	for _, p := range ps {
		if slices.Contains(needs, p.Need) {
			out = append(out, p)
		}
	}
	return out
}

// parallelReviews bounds the reviews in flight: enough to finish the
// longest list (about twenty) in two round trips, few enough to stay
// inside a default client rate limiter's burst.
const parallelReviews = 10

// Check asks the API server whether the caller may make each request
// (one SelfSubjectAccessReview per permission, in parallel) and returns
// the permissions it may not, in the order given. A review that could not
// be made is an error naming the permission; the other answers are still
// returned.
func Check(ctx context.Context, client kubernetes.Interface, ps []Permission) (missing []Permission, err error) {
	type answer struct {
		allowed bool
		err     error
	}
	answers := make([]answer, len(ps))
	sem := make(chan struct{}, parallelReviews)
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				answers[i].err = ctx.Err()
				return
			}
			defer func() { <-sem }()
			answers[i].allowed, answers[i].err = review(ctx, client, p)
		}()
	}
	wg.Wait()
	var errs []error
	for i, p := range ps {
		switch a := answers[i]; {
		case a.err != nil:
			errs = append(errs, fmt.Errorf("selfsubjectaccessreview for %s: %w", p, a.err))
		case !a.allowed:
			missing = append(missing, p)
		}
	}
	if ctx.Err() != nil {
		return missing, ctx.Err()
	}
	return missing, errors.Join(errs...)
}

func review(ctx context.Context, client kubernetes.Interface, p Permission) (bool, error) {
	r := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: p.Namespace, Verb: p.Verb, Group: p.Group, Resource: p.Resource, Subresource: p.Subresource, Name: p.Name,
		},
	}}
	res, err := client.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, r, metav1.CreateOptions{})
	if err != nil {
		return false, err
	}
	return res.Status.Allowed, nil
}

// MissingError names every permission a command lacks.
type MissingError struct {
	// What is the part of the command that needs them ("the node scan").
	What    string
	Missing []Permission
}

// Error lists the missing permissions.
func (e *MissingError) Error() string {
	return fmt.Sprintf("%s needs permission to %s; ask a cluster admin or run with a more privileged context (--context)", e.What, Join(e.Missing))
}

// Join renders permissions as a comma-separated list.
func Join(ps []Permission) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ", ")
}

// Require checks ps and returns a *MissingError naming the Required ones
// the caller lacks; the others are returned for the caller to warn about.
func Require(ctx context.Context, client kubernetes.Interface, what string, ps []Permission) (lacking []Permission, err error) {
	missing, err := Check(ctx, client, ps)
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("checking permissions: %w", err)
	}
	if req := Only(missing, Required); len(req) > 0 {
		return nil, errors.Join(&MissingError{What: what, Missing: req}, err)
	}
	return Only(missing, Degrades, OptIn), err
}
