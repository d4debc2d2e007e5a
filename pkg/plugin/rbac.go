package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/version"
)

// rbacSource is what every rbac subcommand needs: a snapshot of the
// cluster's RBAC objects, read live (after a permission preflight) or
// loaded from a file saved with --save-snapshot.
type rbacSource struct {
	configFlags  *genericclioptions.ConfigFlags
	FromSnapshot string
	// Benchmark is --benchmark of `rbac`; withBenchmark makes load choose
	// one (the report command; who-can and subject need none), and a
	// preset benchmark (from `all`) is taken as it is.
	Benchmark     string
	withBenchmark bool
	preset        *report.Metadata

	restConfig *rest.Config
	md         report.Metadata
}

func (s *rbacSource) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.FromSnapshot, "from-snapshot", "", "Evaluate an RBAC snapshot saved with --save-snapshot, with no cluster at all.")
}

// load returns the snapshot and fills the report metadata.
func (s *rbacSource) load(ctx context.Context, errOut io.Writer) (*rbac.Snapshot, error) {
	if s.FromSnapshot != "" {
		b, err := os.ReadFile(s.FromSnapshot)
		if err != nil {
			return nil, fmt.Errorf("--from-snapshot: %w", err)
		}
		snap, err := rbac.DecodeSnapshot(b)
		if err != nil {
			return nil, fmt.Errorf("--from-snapshot %s: %w", s.FromSnapshot, err)
		}
		s.md = report.Metadata{Source: "snapshot:" + s.FromSnapshot}
		if err := offlineBenchmark(s.Benchmark, &s.md); err != nil {
			return nil, err
		}
		return snap, nil
	}
	var err error
	if s.restConfig, err = s.configFlags.ToRESTConfig(); err != nil {
		return nil, err
	}
	client, err := kubernetes.NewForConfig(s.restConfig)
	if err != nil {
		return nil, err
	}
	meta, err := metadata.NewForConfig(s.restConfig)
	if err != nil {
		return nil, err
	}
	s.md = report.Metadata{Server: s.restConfig.Host, Source: "cluster"}
	if raw, err := s.configFlags.ToRawKubeConfigLoader().RawConfig(); err == nil {
		s.md.Context = raw.CurrentContext
		if *s.configFlags.Context != "" {
			s.md.Context = *s.configFlags.Context
		}
	}
	sv, err := client.Discovery().ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("reading the server version from %s: %w", s.restConfig.Host, err)
	}
	s.md.ServerVersion = sv.GitVersion
	switch {
	case s.preset != nil:
		s.md.Benchmark, s.md.BenchmarkReason, s.md.Platform = s.preset.Benchmark, s.preset.BenchmarkReason, s.preset.Platform
	case s.withBenchmark:
		if err := apiBenchmark(ctx, client, s.Benchmark, sv.GitVersion, &s.md, errOut); err != nil {
			return nil, err
		}
	}
	if err := rbac.Preflight(ctx, client); err != nil {
		return nil, err
	}
	snap, err := rbac.Collect(ctx, client, rbac.CollectOptions{Metadata: meta})
	if err != nil {
		return nil, err
	}
	// Which resources are namespaced decides which RoleBindings a request
	// can use; it is saved with the snapshot for offline evaluation.
	if snap.Discovery, err = rbac.Discover(client.Discovery()); err != nil {
		return nil, err
	}
	if len(snap.Discovery.FailedGroups) > 0 {
		fmt.Fprintf(errOut, "Warning: API discovery failed for %s: whether their resources are namespaced is unknown\n", strings.Join(snap.Discovery.FailedGroups, ", "))
	}
	return snap, nil
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
func NewCmdRBAC(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &RBACOptions{IOStreams: streams, rbacSource: rbacSource{configFlags: configFlags, withBenchmark: true}}
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
  kubectl harden rbac subject serviceaccount/kube-system:coredns`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	o.Report.AddFlags(cmd)
	o.addFlags(cmd)
	cmd.Flags().BoolVar(&o.IncludeSystem, "include-system", false, "Also report grants of Kubernetes' built-in bootstrap roles and bindings (as INFO).")
	cmd.Flags().StringVar(&o.SaveSnapshot, "save-snapshot", "", "Write the RBAC snapshot that was read (no secret data) to this JSON file.")
	addBenchmarkFlag(cmd, &o.Benchmark)
	cmd.AddCommand(newCmdWhoCan(configFlags, streams), newCmdSubject(configFlags, streams))
	return cmd
}

// Complete validates the flags.
func (o *RBACOptions) Complete() error {
	var err error
	if o.report, err = o.Report.ToOptions(); err != nil {
		return err
	}
	if o.FromSnapshot != "" && o.SaveSnapshot != "" {
		return errors.New("--save-snapshot and --from-snapshot cannot be used together")
	}
	if err := checks.ValidateBenchmark(o.Benchmark); err != nil {
		return fmt.Errorf("--benchmark: %w", err)
	}
	return nil
}

// Run reads the RBAC objects, evaluates the controls and prints the report.
func (o *RBACOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	report, err := o.rbacReport(ctx)
	if err != nil {
		return err
	}
	return o.report.Finish(report, o.Out, o.ErrOut)
}

// rbacReport reads (or loads) the RBAC snapshot, saves it when asked and
// evaluates it into the RBAC report.
func (o *RBACOptions) rbacReport(ctx context.Context) (*report.Report, error) {
	snap, err := o.load(ctx, o.ErrOut)
	if err != nil {
		return nil, err
	}
	if o.SaveSnapshot != "" {
		if err := saveSnapshot(o.SaveSnapshot, snap, "RBAC snapshot", o.ErrOut); err != nil {
			return nil, err
		}
	}
	md := o.md
	md.Generated = time.Now().UTC()
	md.ToolVersion = version.Get().Version
	report := report.NewReport(report.KindRBAC, md)
	report.AddTarget(rbacTarget(rbac.Build(snap), rbac.EvalOptions{IncludeSystem: o.IncludeSystem}, md.Benchmark))
	return report, nil
}

// WhoCanOptions holds the flags of `kubectl harden rbac who-can`.
type WhoCanOptions struct {
	genericiooptions.IOStreams
	rbacSource
	AllNamespaces bool
	Subresource   string
	OutputFlags
	NoHeaders bool

	attrs rbac.Attributes
}

func newCmdWhoCan(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &WhoCanOptions{IOStreams: streams, rbacSource: rbacSource{configFlags: configFlags}}
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
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	o.addFlags(cmd)
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "List subjects allowed in at least one namespace, with the namespaces (SCOPE).")
	cmd.Flags().StringVar(&o.Subresource, "subresource", "", "The subresource, e.g. exec, log, proxy, token, approval.")
	o.OutputFlags = OutputFlags{Formats: documentFormats}
	o.OutputFlags.AddFlags(cmd)
	cmd.Flags().BoolVar(&o.NoHeaders, "no-headers", false, "When printing a table, leave out the header row.")
	return cmd
}

// Complete turns the arguments into request attributes, resolving the
// resource name (short names, kinds, group suffixes) with discovery.
func (o *WhoCanOptions) Complete(args []string) error {
	if _, err := o.OutputFlags.ToPrinter(); err != nil {
		return err
	}
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
		if mapper, err := o.configFlags.ToRESTMapper(); err == nil {
			if gvr, err := mapper.ResourceFor(gr.WithVersion("")); err == nil {
				o.attrs.APIGroup, o.attrs.Resource = gvr.Group, gvr.Resource
			} else {
				fmt.Fprintf(o.ErrOut, "Warning: the server does not know the resource %q; matching it as given\n", resArg)
			}
		}
	}
	if !o.AllNamespaces {
		if o.FromSnapshot != "" {
			o.attrs.Namespace = *o.configFlags.Namespace
			if o.attrs.Namespace == "" {
				o.attrs.Namespace = metav1.NamespaceDefault
			}
		} else {
			ns, _, err := o.configFlags.ToRawKubeConfigLoader().Namespace()
			if err != nil {
				return err
			}
			o.attrs.Namespace = ns
		}
	}
	return nil
}

// WhoCanResult is the document printed by `who-can -o json|yaml`.
type WhoCanResult struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Request is the request as the API server authorizes it: a
	// cluster-scoped resource without a namespace, namespaces/NAME in
	// namespace NAME (Scope says how).
	Request rbac.Attributes   `json:"request"`
	Scope   rbac.RequestScope `json:"scope"`
	Grants  []rbac.Grant      `json:"grants"`
}

// Run prints who can.
func (o *WhoCanOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	snap, err := o.load(ctx, o.ErrOut)
	if err != nil {
		return err
	}
	m := rbac.Build(snap)
	var grants []rbac.Grant
	var attrs rbac.Attributes
	var scope rbac.RequestScope
	if o.AllNamespaces {
		attrs, scope = m.RequestInAnyNamespace(o.attrs)
		grants = m.WhoCanInAnyNamespace(o.attrs)
	} else {
		attrs, scope = m.Request(o.attrs)
		grants = m.WhoCan(attrs)
	}
	if grants == nil {
		grants = []rbac.Grant{}
	}
	for _, n := range scope.Notes {
		fmt.Fprintf(o.ErrOut, "Warning: %s\n", n)
	}
	doc := WhoCanResult{APIVersion: report.ReportAPIVersion, Kind: "WhoCanResult", Request: attrs, Scope: scope, Grants: grants}
	if ok, err := o.printDocument(doc, o.Out); ok {
		return err
	}
	if len(grants) == 0 {
		fmt.Fprintf(o.ErrOut, "No subject can %s.\n", attrs)
		return nil
	}
	return printGrants(grants, o.Output == "wide", o.NoHeaders, o.Out)
}

// printGrants prints grants as a table: who, where, through what.
func printGrants(grants []rbac.Grant, wide, noHeaders bool, out io.Writer) error {
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Kind", Type: "string"},
		{Name: "Subject", Type: "string"},
		{Name: "Scope", Type: "string"},
		{Name: "Binding", Type: "string"},
		{Name: "Role", Type: "string"},
		{Name: "Rule", Type: "string", Priority: 1},
		{Name: "Default", Type: "string", Priority: 1},
	}}
	for _, g := range grants {
		name := g.Subject.Name
		if g.Subject.Kind == rbac.KindServiceAccount {
			name = g.Subject.Namespace + ":" + g.Subject.Name
		}
		def := "no"
		if g.Default {
			def = "yes"
		}
		t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{g.Subject.Kind, name, g.Scope(), g.Binding.String(), g.Role.String(), ruleString(g.Rule), def}})
	}
	return printTable(t, wide, noHeaders, out)
}

// ruleString renders a policy rule compactly: verbs on group/resources.
func ruleString(r rbacv1.PolicyRule) string {
	verbs, resources := ruleParts(r)
	s := verbs + " " + resources
	if len(r.ResourceNames) > 0 {
		s += " [" + strings.Join(r.ResourceNames, ",") + "]"
	}
	return s
}

// SubjectOptions holds the flags of `kubectl harden rbac subject`.
type SubjectOptions struct {
	genericiooptions.IOStreams
	rbacSource
	OutputFlags
	NoHeaders bool

	subject rbac.Subject
}

func newCmdSubject(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &SubjectOptions{IOStreams: streams, rbacSource: rbacSource{configFlags: configFlags}}
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
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	o.addFlags(cmd)
	o.OutputFlags = OutputFlags{Formats: documentFormats}
	o.OutputFlags.AddFlags(cmd)
	cmd.Flags().BoolVar(&o.NoHeaders, "no-headers", false, "When printing a table, leave out the header row.")
	return cmd
}

// Complete parses the subject.
func (o *SubjectOptions) Complete(args []string) error {
	if _, err := o.OutputFlags.ToPrinter(); err != nil {
		return err
	}
	var err error
	o.subject, err = rbac.ParseSubject(args[0])
	return err
}

// SubjectPermissions is the document printed by `subject -o json|yaml`.
type SubjectPermissions struct {
	APIVersion string       `json:"apiVersion"`
	Kind       string       `json:"kind"`
	Subject    rbac.Subject `json:"subject"`
	Rules      []rbac.Grant `json:"rules"`
	// FullControl is true when the subject (or one of its groups) already
	// holds full control; then no path is listed.
	FullControl bool `json:"fullControl"`
	// PathsToClusterAdmin holds the subject's shortest path to full
	// control, if it has one (through itself or one of its groups).
	PathsToClusterAdmin []rbac.Path `json:"pathsToClusterAdmin"`
	// PathsToNamespaceAdmin holds, per namespace, the shortest path to
	// */*/* there, short of full control.
	PathsToNamespaceAdmin []rbac.Path `json:"pathsToNamespaceAdmin"`
}

// Run prints the subject's permissions.
func (o *SubjectOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	snap, err := o.load(ctx, o.ErrOut)
	if err != nil {
		return err
	}
	m := rbac.Build(snap)
	rules := m.Permissions(o.subject)
	if rules == nil {
		rules = []rbac.Grant{}
	}
	doc := SubjectPermissions{APIVersion: report.ReportAPIVersion, Kind: "SubjectPermissions", Subject: o.subject, Rules: rules,
		PathsToClusterAdmin: []rbac.Path{}, PathsToNamespaceAdmin: []rbac.Path{}}
	path, full := m.PathToClusterAdmin(o.subject)
	doc.FullControl = full
	if path != nil {
		doc.PathsToClusterAdmin = append(doc.PathsToClusterAdmin, *path)
	}
	if !full {
		doc.PathsToNamespaceAdmin = append(doc.PathsToNamespaceAdmin, m.PathsToNamespaceAdmin(o.subject)...)
	}
	if ok, err := o.printDocument(doc, o.Out); ok {
		return err
	}
	if len(rules) == 0 {
		fmt.Fprintf(o.ErrOut, "%s holds no permission.\n", o.subject)
		return nil
	}
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Scope", Type: "string"},
		{Name: "Verbs", Type: "string"},
		{Name: "Resources", Type: "string"},
		{Name: "Names", Type: "string"},
		{Name: "Via", Type: "string"},
		{Name: "Binding", Type: "string", Priority: 1},
		{Name: "Role", Type: "string", Priority: 1},
		{Name: "Inert", Type: "string", Priority: 1},
	}}
	for _, g := range rules {
		verbs, resources := ruleParts(g.Rule)
		via := g.Subject.Kind + " " + g.Subject.Name
		if g.Subject.Kind == rbac.KindServiceAccount {
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
		t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{scope, verbs, resources, orNone(strings.Join(g.Rule.ResourceNames, ",")), via, g.Binding.String(), g.Role.String(), orNone(strings.Join(g.Inert, "; "))}})
	}
	if err := printTable(t, o.Output == "wide", o.NoHeaders, o.Out); err != nil {
		return err
	}
	paths := append(doc.PathsToClusterAdmin, doc.PathsToNamespaceAdmin...)
	switch {
	case full:
		fmt.Fprintf(o.ErrOut, "%s holds full control.\n", o.subject)
		return nil
	case len(paths) == 0:
		fmt.Fprintf(o.ErrOut, "%s has no path to cluster-admin or to admin of a namespace.\n", o.subject)
		return nil
	}
	fmt.Fprintln(o.Out)
	return printPaths(paths, o.Output == "wide", o.NoHeaders, o.Out)
}

// printPaths prints paths as a table, one row per step: the goal
// (cluster-admin, or namespace/NAME for admin of a namespace), who takes
// the step, how, whom it becomes, and (wide) the technique and the
// binding of every grant the step needs.
func printPaths(paths []rbac.Path, wide, noHeaders bool, out io.Writer) error {
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Goal", Type: "string"},
		{Name: "Step", Type: "integer"},
		{Name: "From", Type: "string"},
		{Name: "How", Type: "string"},
		{Name: "Becomes", Type: "string"},
		{Name: "Technique", Type: "string", Priority: 1},
		{Name: "Grants", Type: "string", Priority: 1},
	}}
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
				gs = []rbac.Grant{st.Grant}
			}
			var grants []string
			for _, g := range gs {
				grants = append(grants, g.Binding.String()+" ("+g.Role.String()+")")
			}
			t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{goal, int64(i + 1), st.From.String(), st.How, to, st.Technique, strings.Join(grants, ", ")}})
		}
	}
	return printTable(t, wide, noHeaders, out)
}

func ruleParts(r rbacv1.PolicyRule) (verbs, resources string) {
	verbs = strings.Join(r.Verbs, ",")
	if len(r.NonResourceURLs) > 0 {
		return verbs, strings.Join(r.NonResourceURLs, ",")
	}
	var res []string
	for _, g := range r.APIGroups {
		for _, rs := range r.Resources {
			if g == "" {
				res = append(res, rs)
			} else {
				res = append(res, rs+"."+g)
			}
		}
	}
	return verbs, strings.Join(res, ",")
}
