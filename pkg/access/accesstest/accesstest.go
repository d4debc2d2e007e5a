// Package accesstest helps tests prove that an engine's declared
// permissions are the requests it really makes: a fake clientset records
// every request, Requests turns them into permissions, and Uncovered lists
// those no declared permission covers. AnswerReviews makes a fake answer
// SelfSubjectAccessReviews as an authorizer would.
package accesstest

import (
	"sync"

	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/access"
)

// Recorder is what a fake clientset or metadata client offers.
type Recorder interface {
	Actions() []k8stesting.Action
}

// Requests returns the API requests the fakes recorded, as permissions
// (SelfSubjectAccessReviews left out: everyone may make them).
func Requests(fakes ...Recorder) []access.Permission {
	var out []access.Permission
	for _, f := range fakes {
		for _, a := range f.Actions() {
			res := a.GetResource()
			// Everyone may review their own access, read the version and
			// read API discovery (the fake records /api and /apis as get
			// group and get resource): the bootstrap ClusterRoles
			// system:basic-user and system:discovery grant them to every
			// authenticated user (kubernetes/kubernetes
			// plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go).
			if res.Resource == "selfsubjectaccessreviews" || res.Resource == "version" {
				continue
			}
			if res.Group == "" && res.Version == "" && (res.Resource == "group" || res.Resource == "resource") && a.GetVerb() == "get" {
				continue
			}
			p := access.Permission{Verb: a.GetVerb(), Group: res.Group, Resource: res.Resource, Subresource: a.GetSubresource(), Namespace: a.GetNamespace()}
			// Get, delete and patch actions all name their object.
			switch x := a.(type) {
			case interface{ GetName() string }:
				p.Name = x.GetName()
			case k8stesting.UpdateAction:
				if o, ok := x.GetObject().(interface{ GetName() string }); ok {
					p.Name = o.GetName()
				}
			}
			if p.Resource == "namespaces" && p.Name != "" {
				// A request on namespace NAME is authorized in NAME.
				p.Namespace = p.Name
			}
			out = append(out, p)
		}
	}
	return access.Merge(out)
}

// Uncovered returns the requests that no declared permission covers.
func Uncovered(requests, declared []access.Permission) []access.Permission {
	var out []access.Permission
	for _, r := range requests {
		covered := false
		for _, d := range declared {
			if d.Covers(r) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, r)
		}
	}
	return out
}

// Reviews answers SelfSubjectAccessReviews on a fake clientset and
// records what was asked.
type Reviews struct {
	mu    sync.Mutex
	asked []access.Permission
}

// Asked returns the permissions asked so far.
func (r *Reviews) Asked() []access.Permission {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]access.Permission(nil), r.asked...)
}

// AnswerReviews makes f answer every SelfSubjectAccessReview with
// allowed(permission asked); a nil allowed allows everything.
func AnswerReviews(f interface {
	PrependReactor(verb, resource string, reaction k8stesting.ReactionFunc)
}, allowed func(access.Permission) bool) *Reviews {
	r := &Reviews{}
	f.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		ssar := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview).DeepCopy()
		ra := ssar.Spec.ResourceAttributes
		if ra == nil {
			ssar.Status.Allowed = true
			return true, ssar, nil
		}
		p := access.Permission{Verb: ra.Verb, Group: ra.Group, Resource: ra.Resource, Subresource: ra.Subresource, Name: ra.Name, Namespace: ra.Namespace}
		r.mu.Lock()
		r.asked = append(r.asked, p)
		r.mu.Unlock()
		ssar.Status.Allowed = allowed == nil || allowed(p)
		if !ssar.Status.Allowed {
			ssar.Status.Reason = "denied by the test"
		}
		return true, ssar, nil
	})
	return r
}

// Deny returns an allowed func for AnswerReviews that denies exactly the
// requests that one of denied covers.
func Deny(denied ...access.Permission) func(access.Permission) bool {
	return func(p access.Permission) bool {
		for _, d := range denied {
			if d.Covers(p) {
				return false
			}
		}
		return true
	}
}
