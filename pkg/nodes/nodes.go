// Package nodes reads the Node objects a scan targets, and declares the
// requests it makes for them.
package nodes

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/paged"
)

// PageSize is the page size of the node LIST: a 5 000-node cluster is
// read in 10 requests of bounded size.
const PageSize = 500

// RequiredPermissions are the requests Resolve makes: get each named node,
// or list the nodes (every node, or those of a selector).
func RequiredPermissions(named bool) []access.Permission {
	if named {
		return []access.Permission{access.Resource("get", "nodes").For("the named nodes: readiness, platform")}
	}
	return []access.Permission{access.Resource("list", "nodes").For("the nodes to scan: readiness, platform")}
}

// PlatformPermissions are the requests of the API commands' platform
// detection (the first page of nodes: provider IDs, labels, OS images).
// Without them the platform and distribution are detected from the server
// version and API groups alone,
// which a command says.
func PlatformPermissions() []access.Permission {
	return []access.Permission{access.Resource("list", "nodes").As(access.Degrades).
		For("platform and distribution detection (EKS, GKE, AKS; k3s, RKE2, k0s, Talos, MicroK8s) from provider IDs, labels, annotations and OS images; without it, from the server version (and API groups) alone")}
}

// Resolve reads the named nodes, or, with no names, lists the nodes that
// match selector ("" = every node) page by page.
func Resolve(ctx context.Context, client kubernetes.Interface, names []string, selector string) ([]*corev1.Node, error) {
	forbidden := func(err error) error {
		return fmt.Errorf("%w (the scan needs %s)", err, access.Join(RequiredPermissions(len(names) > 0)))
	}
	var out []*corev1.Node
	if len(names) > 0 {
		for _, name := range names {
			n, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				return nil, fmt.Errorf("node/%s not found in the cluster (list nodes with: kubectl get nodes)", name)
			case apierrors.IsForbidden(err):
				return nil, forbidden(err)
			case err != nil:
				return nil, fmt.Errorf("get node/%s: %w", name, err)
			}
			out = append(out, n)
		}
		return out, nil
	}
	err := paged.Each(ctx, PageSize, client.CoreV1().Nodes().List, metav1.ListOptions{LabelSelector: selector}, func(n *corev1.Node) error {
		out = append(out, n)
		return nil
	})
	switch {
	case apierrors.IsForbidden(err):
		return nil, forbidden(err)
	case err != nil:
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	if len(out) == 0 {
		if selector != "" {
			return nil, fmt.Errorf("no node matches the selector %q", selector)
		}
		return nil, errors.New("the cluster has no nodes")
	}
	return out, nil
}
