package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// rbacSource is what every rbac subcommand needs: a snapshot of the
// cluster's RBAC objects, read live (after a permission check) or loaded
// from a file saved with --save-snapshot.
type rbacSource struct {
	factory      ClientFactory
	FromSnapshot string
	// Benchmark is --benchmark of `rbac`; withBenchmark makes load choose
	// one (the report command; who-can and subject need none).
	Benchmark     string
	withBenchmark bool

	md report.Metadata
}

func (s *rbacSource) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.FromSnapshot, "from-snapshot", "", "Evaluate an RBAC snapshot saved with --save-snapshot, with no cluster at all.")
}

// load returns the snapshot and fills the report metadata.
func (s *rbacSource) load(ctx context.Context, errOut io.Writer) (snap *rbac.Snapshot, err error) {
	snap, s.md, err = loadSnapshot(ctx, s.factory, s.FromSnapshot, s.Benchmark, s.withBenchmark, errOut, rbac.DecodeSnapshot,
		func(ctx context.Context, cl *cluster) (*rbac.Snapshot, error) { return collectRBAC(ctx, cl, errOut) })
	return snap, err
}

// collectRBAC checks every permission the RBAC collection needs (naming
// all the missing ones: an incomplete snapshot would give false PASS
// results, so none are reported) and reads the snapshot.
func collectRBAC(ctx context.Context, cl *cluster, errOut io.Writer) (*rbac.Snapshot, error) {
	if _, err := access.Require(ctx, cl.client, "rbac", rbac.RequiredPermissions()); err != nil {
		return nil, err
	}
	snap, err := rbac.Collect(ctx, cl.client, rbac.CollectOptions{Metadata: cl.meta})
	if err != nil {
		return nil, err
	}
	// Which resources are namespaced decides which RoleBindings a request
	// can use; it is saved with the snapshot for offline evaluation.
	if snap.Discovery, err = rbac.Discover(cl.client.Discovery()); err != nil {
		return nil, err
	}
	if len(snap.Discovery.FailedGroups) > 0 {
		fmt.Fprintf(errOut, "Warning: API discovery failed for %s: whether their resources are namespaced is unknown\n", strings.Join(snap.Discovery.FailedGroups, ", "))
	}
	return snap, nil
}

// rbacReport evaluates a snapshot into the RBAC report.
func rbacReport(snap *rbac.Snapshot, md report.Metadata, includeSystem bool) *report.Report {
	r := newReport(report.KindRBAC, md)
	r.AddTarget(rbac.Evaluate(rbac.Build(snap), rbac.EvalOptions{Benchmark: md.Benchmark, IncludeSystem: includeSystem}))
	return r
}

// RBACOptions holds the flags of `kubectl harden rbac`.
type RBACOptions struct {
	genericiooptions.IOStreams
	rbacSource
	Report        ReportFlags
	IncludeSystem bool
	SaveSnapshot  string

	report *ReportOptions
}

// NewCmdRBAC builds `kubectl harden rbac` and its subcommands.
func NewCmdRBAC(f ClientFactory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &RBACOptions{IOStreams: streams, rbacSource: rbacSource{factory: f, withBenchmark: true}}
	cmd := &cobra.Command{
		Use:   "rbac",
		Short: "Check RBAC and service accounts (CIS 5.1 and beyond)",
		Long: `Check the cluster's Roles, ClusterRoles, bindings and service accounts from the
API: every CIS Kubernetes Benchmark 5.1 control decided with the subjects and
bindings as evidence, plus kubectl-harden's own controls (KH-RBAC-*): legacy
service-account token Secrets, dangling bindings, grants to anonymous and all
authenticated users, and paths from ordinary subjects to cluster-admin.

Kubernetes' own bootstrap roles and bindings are recognised and left out of the
findings; --include-system reports them as INFO. Secret values are never read:
only the metadata of service-account token Secrets is listed.

Needs list on roles, clusterroles, rolebindings, clusterrolebindings,
serviceaccounts, pods, namespaces and secrets (metadata); missing permissions
are named before anything is evaluated.

` + exitCodesHelp,
		Example: `  # Every RBAC control
  kubectl harden rbac

  # Only findings, with the evidence, and fail CI on FAIL
  kubectl harden rbac --status FAIL,WARN -o wide --fail-on FAIL

  # Who can read secrets in namespace prod, and through which binding
  kubectl harden rbac who-can get secrets -n prod

  # What a service account may do
  kubectl harden rbac subject serviceaccount/kube-system:coredns

  # Gate CI with the accepted risks kept in Git; list them
  kubectl harden rbac --exceptions exceptions.yaml --fail-on FAIL
  kubectl harden rbac --exceptions exceptions.yaml --status ACCEPTED -o wide`,
		Args: noArgs,
		RunE: runE(o),
	}
	o.Report.AddFlags(cmd)
	o.addFlags(cmd)
	cmd.Flags().BoolVar(&o.IncludeSystem, "include-system", false, "Also report grants of Kubernetes' built-in bootstrap roles and bindings (as INFO).")
	cmd.Flags().StringVar(&o.SaveSnapshot, "save-snapshot", "", "Write the RBAC snapshot that was read (no secret data) to this JSON file.")
	addBenchmarkFlag(cmd, &o.Benchmark)
	cmd.AddCommand(newCmdWhoCan(f, streams), newCmdSubject(f, streams))
	return cmd
}

// Complete turns the report flags into options.
func (o *RBACOptions) Complete(*cobra.Command, []string) error {
	var err error
	o.report, err = o.Report.ToOptions()
	return err
}

// Validate checks the flags; it needs no cluster.
func (o *RBACOptions) Validate() error {
	return validateSnapshotFlags(o.FromSnapshot, o.SaveSnapshot, o.Benchmark)
}

// Run reads the RBAC objects, evaluates the controls and prints the report.
func (o *RBACOptions) Run(ctx context.Context) error {
	snap, err := o.load(ctx, o.ErrOut)
	if err != nil {
		return err
	}
	if o.SaveSnapshot != "" {
		if err := saveSnapshot(o.SaveSnapshot, snap, "RBAC snapshot", o.ErrOut); err != nil {
			return err
		}
	}
	return o.report.Finish(rbacReport(snap, o.md, o.IncludeSystem), o.Out, o.ErrOut)
}

// rbacQuery is what who-can and subject share: the snapshot to read, -o
// (a document or its table) and the table flags.
type rbacQuery struct {
	genericiooptions.IOStreams
	rbacSource
	OutputFlags
	TableFlags
}

func newRBACQuery(f ClientFactory, streams genericiooptions.IOStreams) rbacQuery {
	return rbacQuery{IOStreams: streams, rbacSource: rbacSource{factory: f}, OutputFlags: OutputFlags{Formats: documentFormats}}
}

// addFlags registers --from-snapshot, -o and the table flags.
func (q *rbacQuery) addFlags(cmd *cobra.Command) {
	q.rbacSource.addFlags(cmd)
	q.OutputFlags.AddFlags(cmd)
	q.TableFlags.AddFlags(cmd, "")
}

// Validate checks -o; it needs no cluster.
func (q *rbacQuery) Validate() error {
	_, err := q.OutputFlags.ToPrinter()
	return err
}

// WhoCanOptions holds the flags of `kubectl harden rbac who-can`.
type WhoCanOptions struct {
	rbacQuery
	AllNamespaces bool
	Subresource   string

	attrs rbac.Attributes
}

func newCmdWhoCan(f ClientFactory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &WhoCanOptions{rbacQuery: newRBACQuery(f, streams)}
	cmd := &cobra.Command{
		Use:   "who-can VERB (RESOURCE[/NAME] | NONRESOURCEURL)",
		Short: "List every subject that can do something, and through which binding",
		Long: `List every subject (user, group, service account) that RBAC allows to perform
a request, with the binding and role that allow it. The answer follows the
Kubernetes RBAC authorizer exactly: wildcards, resource names, subresources,
RoleBindings to ClusterRoles (namespace-scoped), the system:authenticated,
system:unauthenticated and system:serviceaccounts groups, and system:masters,
which is allowed everything without any binding.

Without -n the request is in the kubeconfig's namespace. With -A the answer
is every subject allowed in at least one namespace: cluster-wide grants
(SCOPE cluster-wide) and, for namespaced resources, the RoleBindings that
allow it in their namespace (SCOPE is that namespace).`,
		Example: `  # Who can read secrets in namespace prod
  kubectl harden rbac who-can get secrets -n prod

  # Who can exec into pods in at least one namespace, and where
  kubectl harden rbac who-can create pods --subresource exec -A

  # Who can read one named secret
  kubectl harden rbac who-can get secrets/db-password -n prod

  # Who can proxy to the kubelet API
  kubectl harden rbac who-can get nodes --subresource proxy -A

  # A non-resource URL
  kubectl harden rbac who-can get /metrics`,
		Args: exactArgs("VERB", "RESOURCE (or a non-resource URL)"),
		RunE: runE(o),
	}
	o.rbacSource.addFlags(cmd)
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "List subjects allowed in at least one namespace, with the namespaces (SCOPE).")
	cmd.Flags().StringVar(&o.Subresource, "subresource", "", "The subresource, e.g. exec, log, proxy, token, approval.")
	o.OutputFlags.AddFlags(cmd)
	o.TableFlags.AddFlags(cmd, "")
	return cmd
}

// Complete turns the arguments into request attributes, resolving the
// resource name (short names, kinds, group suffixes) with discovery.
func (o *WhoCanOptions) Complete(_ *cobra.Command, args []string) error {
	verb, target := strings.ToLower(args[0]), args[1]
	if strings.HasPrefix(target, "/") {
		if o.Subresource != "" {
			return errors.New("--subresource applies to resources, not to a non-resource URL")
		}
		o.attrs = rbac.Attributes{Verb: verb, Path: target}
		return nil
	}
	resArg, name, _ := strings.Cut(target, "/")
	gr := schema.ParseGroupResource(resArg)
	o.attrs = rbac.Attributes{Verb: verb, APIGroup: gr.Group, Resource: gr.Resource, Subresource: o.Subresource, Name: name}
	if o.FromSnapshot == "" && gr.Resource != "*" {
		if mapper, err := o.factory.RESTMapper(); err == nil {
			if gvr, err := mapper.ResourceFor(gr.WithVersion("")); err == nil {
				o.attrs.APIGroup, o.attrs.Resource = gvr.Group, gvr.Resource
			} else {
				fmt.Fprintf(o.ErrOut, "Warning: the server does not know the resource %q; matching it as given\n", resArg)
			}
		}
	}
	if !o.AllNamespaces {
		if o.FromSnapshot != "" {
			o.attrs.Namespace = o.factory.Namespace()
			if o.attrs.Namespace == "" {
				o.attrs.Namespace = metav1.NamespaceDefault
			}
		} else {
			ns, err := o.factory.DefaultNamespace()
			if err != nil {
				return err
			}
			o.attrs.Namespace = ns
		}
	}
	return nil
}

// Run prints who can.
func (o *WhoCanOptions) Run(ctx context.Context) error {
	snap, err := o.load(ctx, o.ErrOut)
	if err != nil {
		return err
	}
	doc := rbac.Build(snap).WhoCanResult(o.attrs, o.AllNamespaces)
	for _, n := range doc.Scope.Notes {
		fmt.Fprintf(o.ErrOut, "Warning: %s\n", n)
	}
	return o.print(doc, o.IOStreams, o.NoHeaders)
}

// SubjectOptions holds the flags of `kubectl harden rbac subject`.
type SubjectOptions struct {
	rbacQuery

	subject rbac.Subject
}

func newCmdSubject(f ClientFactory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &SubjectOptions{rbacQuery: newRBACQuery(f, streams)}
	cmd := &cobra.Command{
		Use:   "subject (user|group|serviceaccount)/NAME",
		Short: "Show the effective permissions of a user, group or service account",
		Long: `Show every rule a subject holds, namespaced and cluster-wide, and the binding
and role each comes from. Service accounts are named NAMESPACE:NAME. A service
account also holds what its groups hold (system:serviceaccounts,
system:serviceaccounts:NAMESPACE, system:authenticated); a user is shown with
its direct bindings and system:authenticated, since RBAC cannot know the other
groups an authenticator gives it.

Below the rules come the subject's paths (or those of one of its groups): its
shortest path to cluster-admin, the one KH-RBAC-4 reports, and, namespace by
namespace, its paths to namespace admin (*/*/* in the namespace) short of
cluster-admin: binding a role that holds */*/* (bind + create rolebindings),
escalating a Role bound to it (escalate + update), impersonating someone who
can, or becoming a service account that can. Each step names the binding and
rule of every grant it needs (-o wide, -o json).`,
		Example: `  # A service account
  kubectl harden rbac subject serviceaccount/kube-system:coredns

  # A user, as JSON
  kubectl harden rbac subject user/alice -o json

  # Everything every authenticated user may do
  kubectl harden rbac subject group/system:authenticated

  # The namespaces a service account can take over, step by step, as JSON
  kubectl harden rbac subject serviceaccount/ci:deployer -o jsonpath='{.pathsToNamespaceAdmin}'`,
		Args: exactArgs("KIND/NAME (user/NAME, group/NAME or serviceaccount/NAMESPACE:NAME)"),
		RunE: runE(o),
	}
	o.addFlags(cmd)
	return cmd
}

// Complete parses the subject.
func (o *SubjectOptions) Complete(_ *cobra.Command, args []string) error {
	var err error
	o.subject, err = rbac.ParseSubject(args[0])
	return err
}

// Run prints the subject's permissions.
func (o *SubjectOptions) Run(ctx context.Context) error {
	snap, err := o.load(ctx, o.ErrOut)
	if err != nil {
		return err
	}
	return o.print(rbac.Build(snap).SubjectPermissions(o.subject), o.IOStreams, o.NoHeaders)
}
