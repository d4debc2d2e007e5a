// Package permissions says, for each command of kubectl-harden, every API
// request it makes, composed from the declarations of the engines that
// make them (package access). It is the one source of truth: the commands
// check it before they read anything, the CronJob's Role and ClusterRole
// are generated from it, and the README's and Krew caveats' permission
// lists are checked against it by tests.
package permissions

import (
	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod"
	"github.com/kubectl-harden/kubectl-harden/pkg/kubeletz"
	"github.com/kubectl-harden/kubectl-harden/pkg/nodes"
	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
	"github.com/kubectl-harden/kubectl-harden/pkg/workloads"
)

// Scan is what `scan` needs with its debug pods in podNamespace, which it
// creates and deletes itself when temporary (no -n); named says the nodes
// are named rather than listed.
func Scan(podNamespace string, temporary, named bool) []access.Permission {
	return access.Merge(nodes.RequiredPermissions(named), debugpod.RequiredPermissions(podNamespace, temporary), kubeletz.RequiredPermissions())
}

// RBAC is what `rbac` needs (the report, with platform detection).
func RBAC() []access.Permission {
	return access.Merge(rbac.RequiredPermissions(), nodes.PlatformPermissions())
}

// RBACQuery is what `rbac who-can` and `rbac subject` need: the snapshot,
// no benchmark.
func RBACQuery() []access.Permission { return rbac.RequiredPermissions() }

// Workloads is what `workloads` needs for namespace ns ("" = every
// namespace).
func Workloads(ns string) []access.Permission {
	return access.Merge(workloads.RequiredPermissions(ns), nodes.PlatformPermissions())
}

// All is what `all` needs: every node scanned (debug pods as in Scan),
// RBAC and the workloads of every namespace. The platform comes from the
// node list the scan reads anyway.
func All(podNamespace string, temporary bool) []access.Permission {
	return access.Merge(Scan(podNamespace, temporary, false), rbac.RequiredPermissions(), workloads.RequiredPermissions(""))
}

// Cleanup is what `cleanup` needs.
func Cleanup() []access.Permission { return debugpod.CleanupPermissions() }

// Command is one documented command line and what it needs.
type Command struct {
	// Name is the command as documented ("scan nodes").
	Name string
	// Permissions are its requests, in the documented setting.
	Permissions []access.Permission
}

// TemporaryNamespace stands for the random name of a scan's temporary
// namespace in the documentation: only a ClusterRole can grant it.
const TemporaryNamespace = "kubectl-harden-*"

// Documented lists the commands as a user runs them from a kubeconfig,
// in the order the documentation lists them: scans with a temporary
// namespace, workloads of every namespace.
func Documented() []Command {
	return []Command{
		{"scan nodes", Scan(TemporaryNamespace, true, false)},
		{"scan node/NAME", Scan(TemporaryNamespace, true, true)},
		{"scan nodes -n NS", Scan("NS", false, false)},
		{"rbac", RBAC()},
		{"rbac who-can, rbac subject", RBACQuery()},
		{"workloads", Workloads("")},
		{"workloads -n NS", Workloads("NS")},
		{"all", All(TemporaryNamespace, true)},
		{"cleanup", Cleanup()},
	}
}
