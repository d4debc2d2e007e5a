package plugin

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/utils/ptr"

	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod"
)

// cronjobCommands are the report commands a generated CronJob can run.
var cronjobCommands = []string{"all", "scan nodes", "rbac", "workloads"}

// CronJobOptions holds the flags of `kubectl harden cronjob`.
type CronJobOptions struct {
	genericiooptions.IOStreams
	configFlags *genericclioptions.ConfigFlags
	Output      OutputFlags
	Image       string
	Schedule    string
	Command     string
	PVC         string
	ConfigMap   string
	Name        string
	DryRun      string

	namespace string
	printer   *OutputPrinter
}

// NewCmdCronJob builds `kubectl harden cronjob`.
func NewCmdCronJob(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &CronJobOptions{IOStreams: streams, configFlags: configFlags, Output: OutputFlags{Formats: []string{"yaml", "json"}}}
	cmd := &cobra.Command{
		Use:   "cronjob --image IMAGE --dry-run=client (--pvc NAME | --configmap NAME)",
		Short: "Print a CronJob, with least-privilege RBAC, that runs a report on a schedule",
		Long: `Print (never apply) the manifests that run kubectl-harden inside the cluster on
a schedule: a Namespace, a ServiceAccount, the least-privilege ClusterRole,
Role and bindings the chosen command needs, and a CronJob. Each run writes a
JSON report to a PersistentVolumeClaim (--pvc, one file per run, named by
date) or to a ConfigMap (--configmap, key report.json, replaced each run).

The image must contain /bin/sh and kubectl-harden on PATH; with --configmap it
must also contain kubectl. Node scans create their debug pods in the
CronJob's namespace (passed as -n), which is labelled for privileged pods, so
no namespace is ever created or deleted cluster-wide.

Review the output, then apply it yourself:
  kubectl harden cronjob --image IMAGE --pvc reports --dry-run=client -o yaml | kubectl apply -f -`,
		Example: `  # Every report, nightly, one file per run on a PVC (create the PVC first)
  kubectl harden cronjob --image registry.example.com/kubectl-harden:v0.1.0 --pvc harden-reports --dry-run=client -o yaml

  # RBAC only, weekly, the latest report in a ConfigMap
  kubectl harden cronjob --image IMAGE --command rbac --schedule '0 6 * * 1' --configmap harden-report --dry-run=client -o yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run()
		},
	}
	o.Output.AddFlags(cmd)
	cmd.Flags().StringVar(&o.Image, "image", "", "Image that holds /bin/sh and kubectl-harden (and kubectl, with --configmap). Required.")
	cmd.Flags().StringVar(&o.Schedule, "schedule", "0 3 * * *", "Cron schedule of the runs.")
	cmd.Flags().StringVar(&o.Command, "command", "all", "Report command to run: one of "+strings.Join(quoteAll(cronjobCommands), ", ")+".")
	cmd.Flags().StringVar(&o.PVC, "pvc", "", "Existing PersistentVolumeClaim (in the namespace) to write one report per run to.")
	cmd.Flags().StringVar(&o.ConfigMap, "configmap", "", "ConfigMap (in the namespace) to write the latest report to, under the key report.json.")
	cmd.Flags().StringVar(&o.Name, "name", "kubectl-harden", "Name of the CronJob, ServiceAccount, roles and bindings.")
	cmd.Flags().StringVar(&o.DryRun, "dry-run", "", `Must be "client": the manifests are printed, never applied.`)
	_ = cmd.RegisterFlagCompletionFunc("command", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return cronjobCommands, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// Complete reads the namespace (default kubectl-harden) and -o.
func (o *CronJobOptions) Complete() error {
	o.namespace = "kubectl-harden"
	if o.configFlags != nil && o.configFlags.Namespace != nil && *o.configFlags.Namespace != "" {
		o.namespace = *o.configFlags.Namespace
	}
	var err error
	o.printer, err = o.Output.ToPrinter()
	return err
}

var cronScheduleRE = regexp.MustCompile(`^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4}\S+)$`)

// Validate checks the flags.
func (o *CronJobOptions) Validate() error {
	if o.DryRun != "client" {
		return fmt.Errorf("--dry-run=client is required: cronjob only prints manifests and never applies them (review them, then pipe them to kubectl apply -f -)")
	}
	if o.Image == "" {
		return fmt.Errorf("--image is required: an image with /bin/sh and kubectl-harden")
	}
	if !slices.Contains(cronjobCommands, o.Command) {
		return fmt.Errorf("--command %q is not supported: use one of %s", o.Command, strings.Join(quoteAll(cronjobCommands), ", "))
	}
	if (o.PVC == "") == (o.ConfigMap == "") {
		return fmt.Errorf("give exactly one of --pvc or --configmap: where the reports are written")
	}
	for flag, v := range map[string]string{"--pvc": o.PVC, "--configmap": o.ConfigMap, "--name": o.Name, "--namespace": o.namespace} {
		if v == "" {
			continue
		}
		if errs := validation.IsDNS1123Subdomain(v); len(errs) > 0 {
			return fmt.Errorf("%s %q is not a valid name: %s", flag, v, strings.Join(errs, "; "))
		}
	}
	if !cronScheduleRE.MatchString(strings.TrimSpace(o.Schedule)) {
		return fmt.Errorf("--schedule %q is not a cron schedule (five fields, e.g. '0 3 * * *', or @daily)", o.Schedule)
	}
	return nil
}

// scans reports whether the command scans nodes.
func (o *CronJobOptions) scans() bool { return o.Command == "all" || o.Command == "scan nodes" }

// readsRBAC reports whether the command reads RBAC.
func (o *CronJobOptions) readsRBAC() bool { return o.Command == "all" || o.Command == "rbac" }

// Objects builds the manifests.
func (o *CronJobOptions) Objects() []runtime.Object {
	labels := map[string]string{"app.kubernetes.io/name": "kubectl-harden", "app.kubernetes.io/component": "scheduled-report"}
	meta := func(kind, apiVersion, name, ns string) (metav1.TypeMeta, metav1.ObjectMeta) {
		return metav1.TypeMeta{Kind: kind, APIVersion: apiVersion}, metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels}
	}
	var objs []runtime.Object

	nsLabels := map[string]string{}
	for k, v := range labels {
		nsLabels[k] = v
	}
	if o.scans() {
		// The debug pods of a node scan are privileged and run here.
		nsLabels[debugpod.PSAEnforceLabel] = "privileged"
	}
	ns := &corev1.Namespace{}
	ns.TypeMeta, ns.ObjectMeta = meta("Namespace", "v1", o.namespace, "")
	ns.Labels = nsLabels
	objs = append(objs, ns)

	sa := &corev1.ServiceAccount{AutomountServiceAccountToken: ptr.To(true)}
	sa.TypeMeta, sa.ObjectMeta = meta("ServiceAccount", "v1", o.Name, o.namespace)
	objs = append(objs, sa)
	subject := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: o.Name, Namespace: o.namespace}}

	// Cluster-wide: exactly what README "Permissions needed" lists.
	var clusterRules []rbacv1.PolicyRule
	if o.scans() {
		clusterRules = append(clusterRules,
			rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list"}},
			// To check the Pod Security level of the namespace the pods run in.
			rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"namespaces"}, ResourceNames: []string{o.namespace}, Verbs: []string{"get"}},
		)
	}
	if o.readsRBAC() {
		clusterRules = append(clusterRules,
			rbacv1.PolicyRule{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"roles", "clusterroles", "rolebindings", "clusterrolebindings"}, Verbs: []string{"list"}},
			rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"serviceaccounts", "pods", "namespaces", "secrets"}, Verbs: []string{"list"}},
		)
	}
	if o.Command == "workloads" || o.Command == "all" {
		clusterRules = append(clusterRules,
			rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods", "namespaces"}, Verbs: []string{"list"}},
		)
	}
	clusterRules = mergeRules(clusterRules)
	cr := &rbacv1.ClusterRole{Rules: clusterRules}
	cr.TypeMeta, cr.ObjectMeta = meta("ClusterRole", "rbac.authorization.k8s.io/v1", o.Name, "")
	crb := &rbacv1.ClusterRoleBinding{Subjects: subject, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: o.Name}}
	crb.TypeMeta, crb.ObjectMeta = meta("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", o.Name, "")
	objs = append(objs, cr, crb)

	// In the namespace only: the debug pods, and the ConfigMap.
	var nsRules []rbacv1.PolicyRule
	if o.scans() {
		nsRules = append(nsRules,
			rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"create", "get", "watch", "delete"}},
			rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}},
		)
	}
	if o.ConfigMap != "" {
		nsRules = append(nsRules,
			rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{o.ConfigMap}, Verbs: []string{"get", "patch", "update"}},
			// create cannot be limited to a name.
			rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"create"}},
		)
	}
	if len(nsRules) > 0 {
		role := &rbacv1.Role{Rules: nsRules}
		role.TypeMeta, role.ObjectMeta = meta("Role", "rbac.authorization.k8s.io/v1", o.Name, o.namespace)
		rb := &rbacv1.RoleBinding{Subjects: subject, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: o.Name}}
		rb.TypeMeta, rb.ObjectMeta = meta("RoleBinding", "rbac.authorization.k8s.io/v1", o.Name, o.namespace)
		objs = append(objs, role, rb)
	}

	objs = append(objs, o.cronJob(meta))
	return objs
}

// mergeRules drops a rule's resources that an earlier identical-verb rule
// of the same group already grants (workloads and rbac both list pods).
func mergeRules(rules []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	for _, r := range rules {
		dup := false
		for i := range out {
			p := &out[i]
			if slices.Equal(p.APIGroups, r.APIGroups) && slices.Equal(p.Verbs, r.Verbs) && len(p.ResourceNames) == 0 && len(r.ResourceNames) == 0 {
				for _, res := range r.Resources {
					if !slices.Contains(p.Resources, res) {
						p.Resources = append(p.Resources, res)
					}
				}
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, r)
		}
	}
	return out
}

// script is the shell the CronJob runs. The report is written whatever the
// exit code (1 means a target could not be scanned, and its results are
// ERROR in the report); the job fails when kubectl-harden did.
func (o *CronJobOptions) script() string {
	run := fmt.Sprintf("kubectl-harden %s -n %s -o json", o.Command, o.namespace)
	if o.PVC != "" {
		return strings.Join([]string{
			"set -u",
			`f="/reports/report-$(date -u +%Y-%m-%dT%H%M%SZ).json"`,
			run + ` > "$f.tmp"; rc=$?`,
			`mv "$f.tmp" "$f"`,
			`echo "wrote $f (exit $rc)" >&2`,
			`exit $rc`,
		}, "\n") + "\n"
	}
	return strings.Join([]string{
		"set -u",
		run + ` > /tmp/report.json; rc=$?`,
		fmt.Sprintf(`kubectl create configmap %s -n %s --from-file=report.json=/tmp/report.json --dry-run=client -o yaml | kubectl apply -f - || exit 1`, o.ConfigMap, o.namespace),
		`exit $rc`,
	}, "\n") + "\n"
}

func (o *CronJobOptions) cronJob(meta func(kind, apiVersion, name, ns string) (metav1.TypeMeta, metav1.ObjectMeta)) *batchv1.CronJob {
	vol := corev1.Volume{Name: "reports", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
	mount := corev1.VolumeMount{Name: "reports", MountPath: "/tmp"}
	if o.PVC != "" {
		vol.VolumeSource = corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: o.PVC}}
		mount.MountPath = "/reports"
	}
	volumes := []corev1.Volume{vol}
	mounts := []corev1.VolumeMount{mount}
	if o.PVC != "" {
		// kubectl's discovery cache and any temporary file.
		volumes = append(volumes, corev1.Volume{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		mounts = append(mounts, corev1.VolumeMount{Name: "tmp", MountPath: "/tmp"})
	}
	pod := corev1.PodSpec{
		ServiceAccountName: o.Name,
		RestartPolicy:      corev1.RestartPolicyNever,
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr.To(true),
			RunAsUser:      ptr.To[int64](65532),
			RunAsGroup:     ptr.To[int64](65532),
			FSGroup:        ptr.To[int64](65532),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{{
			Name:    "kubectl-harden",
			Image:   o.Image,
			Command: []string{"/bin/sh", "-c", o.script()},
			Env:     []corev1.EnvVar{{Name: "HOME", Value: "/tmp"}},
			SecurityContext: &corev1.SecurityContext{
				AllowPrivilegeEscalation: ptr.To(false),
				ReadOnlyRootFilesystem:   ptr.To(true),
				Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			},
			VolumeMounts: mounts,
		}},
		Volumes: volumes,
	}
	cj := &batchv1.CronJob{Spec: batchv1.CronJobSpec{
		Schedule:                   o.Schedule,
		ConcurrencyPolicy:          batchv1.ForbidConcurrent,
		SuccessfulJobsHistoryLimit: ptr.To[int32](3),
		FailedJobsHistoryLimit:     ptr.To[int32](3),
		JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
			BackoffLimit:          ptr.To[int32](0),
			ActiveDeadlineSeconds: ptr.To[int64](3600),
			Template:              corev1.PodTemplateSpec{Spec: pod},
		}},
	}}
	cj.TypeMeta, cj.ObjectMeta = meta("CronJob", "batch/v1", o.Name, o.namespace)
	cj.Spec.JobTemplate.Spec.Template.Labels = cj.Labels
	return cj
}

// Run prints the manifests as a List.
func (o *CronJobOptions) Run() error {
	list := &corev1.List{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}}
	for _, obj := range o.Objects() {
		list.Items = append(list.Items, runtime.RawExtension{Object: obj})
	}
	var p printers.ResourcePrinter = &printers.YAMLPrinter{}
	if o.printer != nil && o.printer.Format == "json" {
		p = &printers.JSONPrinter{}
	}
	return p.PrintObj(list, o.Out)
}
