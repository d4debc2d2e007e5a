// Package cronjob generates the manifests that run a kubectl-harden report
// inside the cluster on a schedule: a Namespace, a ServiceAccount, the
// ClusterRole and Role (with their bindings) that grant exactly the
// requests the chosen command makes (package permissions, the engines' own
// declarations), and the CronJob. Generation is pure: the same Options give
// the same objects, and nothing is applied. The job runs
// `kubectl-harden cronjob run`, which writes the report itself (Save*), so
// the image needs nothing but the plugin.
package cronjob

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"

	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod"
	"github.com/kubectl-harden/kubectl-harden/pkg/permissions"
)

// Commands are the report commands a CronJob can run.
var Commands = []string{"all", "scan nodes", "rbac", "workloads"}

// Defaults of the generator.
const (
	DefaultName      = "kubectl-harden"
	DefaultNamespace = "kubectl-harden"
	DefaultSchedule  = "0 3 * * *"
	DefaultCommand   = "all"
	// ReportsPath is where a --pvc volume is mounted in the job's pod.
	ReportsPath = "/reports"
	// ConfigMapKey is the ConfigMap key of a report (JSON).
	ConfigMapKey = "report.json"
	// ConfigMapGzipKey is the binaryData key of a report too large for
	// ConfigMapKey (gzip-compressed JSON).
	ConfigMapGzipKey = "report.json.gz"
	// runAsUser is the job's unprivileged user (distroless's "nonroot").
	runAsUser = 65532
	// ExceptionsKey is the key of the exceptions file in the ConfigMap of
	// --exceptions-configmap, mounted at ExceptionsPath.
	ExceptionsKey  = "exceptions.yaml"
	ExceptionsPath = "/etc/kubectl-harden/exceptions"
	// EnvExceptions is the variable the report commands read exceptions
	// files from (the plugin's $HARDEN_EXCEPTIONS).
	EnvExceptions = "HARDEN_EXCEPTIONS"
	// deadline bounds one run (activeDeadlineSeconds).
	deadline = 3600
)

// Options are the generator's inputs.
type Options struct {
	// Name of the CronJob, ServiceAccount, roles and bindings.
	Name string
	// Namespace of the namespaced objects; the debug pods of a node scan
	// run there too, so no namespace is created or deleted cluster-wide.
	Namespace string
	// Image holds the kubectl-harden binary (on PATH).
	Image string
	// Schedule is the cron schedule.
	Schedule string
	// Command is one of Commands.
	Command string
	// PVC is an existing PersistentVolumeClaim that gets one report per
	// run; ConfigMap a ConfigMap that holds the latest report. Exactly one.
	PVC, ConfigMap string
	// ExceptionsConfigMap is a ConfigMap (in Namespace) whose key
	// ExceptionsKey is an exceptions file the runs apply; "" for none.
	ExceptionsConfigMap string
	// DebugImage and DebugImagePullPolicy set the node scan's debug image
	// ("" keeps the plugin's default, a public image pinned by digest).
	DebugImage, DebugImagePullPolicy string
}

var scheduleRE = regexp.MustCompile(`^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4}\S+)$`)

// Validate checks the options; errors name the flag.
func (o Options) Validate() error {
	if o.Image == "" {
		return fmt.Errorf("--image is required: an image with kubectl-harden on its PATH")
	}
	if !slices.Contains(Commands, o.Command) {
		return fmt.Errorf("--command %q is not supported: use one of %s", o.Command, CommandList())
	}
	if (o.PVC == "") == (o.ConfigMap == "") {
		return fmt.Errorf("give exactly one of --pvc or --configmap: where the reports are written")
	}
	if o.ExceptionsConfigMap != "" && o.ExceptionsConfigMap == o.ConfigMap {
		return fmt.Errorf("--exceptions-configmap must not be the --configmap the reports are written to")
	}
	for _, f := range []struct{ flag, v string }{{"--pvc", o.PVC}, {"--configmap", o.ConfigMap}, {"--exceptions-configmap", o.ExceptionsConfigMap}, {"--name", o.Name}, {"--namespace", o.Namespace}} {
		if f.v == "" && (f.flag == "--name" || f.flag == "--namespace") {
			return fmt.Errorf("%s must not be empty", f.flag)
		}
		if f.v == "" {
			continue
		}
		if errs := validation.IsDNS1123Subdomain(f.v); len(errs) > 0 {
			return fmt.Errorf("%s %q is not a valid name: %s", f.flag, f.v, strings.Join(errs, "; "))
		}
	}
	if errs := validation.IsDNS1123Label(o.Namespace); len(errs) > 0 {
		return fmt.Errorf("--namespace %q is not a valid namespace name: %s", o.Namespace, strings.Join(errs, "; "))
	}
	if !scheduleRE.MatchString(strings.TrimSpace(o.Schedule)) {
		return fmt.Errorf("--schedule %q is not a cron schedule (five fields, e.g. '0 3 * * *', or @daily)", o.Schedule)
	}
	switch o.DebugImagePullPolicy {
	case "", "Always", "IfNotPresent", "Never":
	default:
		return fmt.Errorf("--debug-image-pull-policy must be Always, IfNotPresent or Never, not %q", o.DebugImagePullPolicy)
	}
	return nil
}

// CommandList is Commands for a message: "all", "scan nodes", ….
func CommandList() string {
	q := make([]string, len(Commands))
	for i, c := range Commands {
		q[i] = fmt.Sprintf("%q", c)
	}
	return strings.Join(q, ", ")
}

// scans reports whether the command scans nodes (debug pods).
func scans(command string) bool { return command == "all" || command == "scan nodes" }

// CommandPermissions are the requests of the report command as the job
// runs it: debug pods in namespace ns (created there, never a namespace
// of their own), workloads of every namespace.
func CommandPermissions(command, ns string) []access.Permission {
	switch command {
	case "all":
		return permissions.All(ns, false)
	case "scan nodes":
		return permissions.Scan(ns, false, false)
	case "rbac":
		return permissions.RBAC()
	case "workloads":
		return permissions.Workloads("")
	}
	return nil
}

// ConfigMapPermissions are the requests SaveConfigMap makes for the
// ConfigMap name in namespace ns. Creating cannot be limited to a name.
func ConfigMapPermissions(ns, name string) []access.Permission {
	const why = "the latest report"
	return []access.Permission{
		access.Resource("get", "configmaps").Named(name).In(ns).For(why),
		access.Resource("update", "configmaps").Named(name).In(ns).For(why),
		access.Resource("create", "configmaps").In(ns).For(why + " (the first run; create cannot be limited to a name)"),
	}
}

// Permissions are every request a run of the job makes: the command's
// and the destination's.
func (o Options) Permissions() []access.Permission {
	ps := CommandPermissions(o.Command, o.Namespace)
	if o.ConfigMap != "" {
		ps = append(ps, ConfigMapPermissions(o.Namespace, o.ConfigMap)...)
	}
	return access.Merge(ps)
}

// Granted are the permissions the generated roles grant: every required
// one and those the command degrades without, never an opt-in one
// (nodes/proxy reaches the kubelet API, more than a report needs).
func (o Options) Granted() []access.Permission {
	return access.Only(o.Permissions(), access.Required, access.Degrades)
}

// ReportArgs is the report command line (without the binary) that a run
// executes: JSON output, the debug pods in ns for a node scan.
func ReportArgs(command, ns, debugImage, debugPullPolicy string) []string {
	args := strings.Fields(command)
	if command == "workloads" {
		args = append(args, "--all-namespaces")
	}
	if scans(command) {
		args = append(args, "--namespace", ns)
		if debugImage != "" {
			args = append(args, "--image", debugImage)
		}
		if debugPullPolicy != "" {
			args = append(args, "--image-pull-policy", debugPullPolicy)
		}
	}
	return append(args, "--output", "json")
}

// RunArgs are the container's arguments: `kubectl-harden cronjob run`
// with the command and the destination.
func (o Options) RunArgs() []string {
	args := []string{"cronjob", "run", "--command", o.Command, "--namespace", o.Namespace}
	if o.ConfigMap != "" {
		args = append(args, "--configmap", o.ConfigMap)
	} else {
		args = append(args, "--dir", ReportsPath)
	}
	if o.DebugImage != "" {
		args = append(args, "--debug-image", o.DebugImage)
	}
	if o.DebugImagePullPolicy != "" {
		args = append(args, "--debug-image-pull-policy", o.DebugImagePullPolicy)
	}
	return args
}

// Objects builds the manifests, in the order to apply them.
func Objects(o Options) []runtime.Object {
	labels := map[string]string{"app.kubernetes.io/name": "kubectl-harden", "app.kubernetes.io/component": "scheduled-report"}
	meta := func(kind, apiVersion, name, ns string) (metav1.TypeMeta, metav1.ObjectMeta) {
		return metav1.TypeMeta{Kind: kind, APIVersion: apiVersion}, metav1.ObjectMeta{Name: name, Namespace: ns, Labels: maps.Clone(labels)}
	}
	var objs []runtime.Object

	ns := &corev1.Namespace{}
	ns.TypeMeta, ns.ObjectMeta = meta("Namespace", "v1", o.Namespace, "")
	if scans(o.Command) {
		// The debug pods of a node scan are privileged and run here.
		ns.Labels[debugpod.PSAEnforceLabel] = debugpod.PSAPrivileged
	}
	objs = append(objs, ns)

	sa := &corev1.ServiceAccount{AutomountServiceAccountToken: ptr.To(true)}
	sa.TypeMeta, sa.ObjectMeta = meta("ServiceAccount", "v1", o.Name, o.Namespace)
	objs = append(objs, sa)
	subjects := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: o.Name, Namespace: o.Namespace}}

	cluster, namespaced := access.Rules(o.Granted())
	if len(cluster) > 0 {
		cr := &rbacv1.ClusterRole{Rules: cluster}
		cr.TypeMeta, cr.ObjectMeta = meta("ClusterRole", "rbac.authorization.k8s.io/v1", o.Name, "")
		crb := &rbacv1.ClusterRoleBinding{Subjects: subjects, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: o.Name}}
		crb.TypeMeta, crb.ObjectMeta = meta("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", o.Name, "")
		objs = append(objs, cr, crb)
	}
	nsNames := slices.Sorted(maps.Keys(namespaced))
	for _, n := range nsNames {
		role := &rbacv1.Role{Rules: namespaced[n]}
		role.TypeMeta, role.ObjectMeta = meta("Role", "rbac.authorization.k8s.io/v1", o.Name, n)
		rb := &rbacv1.RoleBinding{Subjects: subjects, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: o.Name}}
		rb.TypeMeta, rb.ObjectMeta = meta("RoleBinding", "rbac.authorization.k8s.io/v1", o.Name, n)
		objs = append(objs, role, rb)
	}
	cj := cronJob(o)
	cj.TypeMeta, cj.ObjectMeta = meta("CronJob", "batch/v1", o.Name, o.Namespace)
	cj.Spec.JobTemplate.Spec.Template.Labels = maps.Clone(labels)
	return append(objs, cj)
}

func cronJob(o Options) *batchv1.CronJob {
	volumes := []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	mounts := []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}}
	env := []corev1.EnvVar{{Name: "HOME", Value: "/tmp"}}
	if o.ExceptionsConfigMap != "" {
		// The kubelet mounts the ConfigMap: the job's roles need no access
		// to it. A missing ConfigMap or key keeps the pod from starting
		// (the Job fails) rather than running without the exceptions.
		volumes = append(volumes, corev1.Volume{Name: "exceptions", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: o.ExceptionsConfigMap},
			Items:                []corev1.KeyToPath{{Key: ExceptionsKey, Path: ExceptionsKey}},
		}}})
		mounts = append(mounts, corev1.VolumeMount{Name: "exceptions", MountPath: ExceptionsPath, ReadOnly: true})
		env = append(env, corev1.EnvVar{Name: EnvExceptions, Value: ExceptionsPath + "/" + ExceptionsKey})
	}
	if o.PVC != "" {
		volumes = append(volumes, corev1.Volume{Name: "reports", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: o.PVC}}})
		mounts = append(mounts, corev1.VolumeMount{Name: "reports", MountPath: ReportsPath})
	}
	pod := corev1.PodSpec{
		ServiceAccountName: o.Name,
		RestartPolicy:      corev1.RestartPolicyNever,
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr.To(true),
			RunAsUser:      ptr.To[int64](runAsUser),
			RunAsGroup:     ptr.To[int64](runAsUser),
			FSGroup:        ptr.To[int64](runAsUser),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{{
			Name:    "kubectl-harden",
			Image:   o.Image,
			Command: []string{"kubectl-harden"},
			Args:    o.RunArgs(),
			// client-go may cache under $HOME; the root filesystem is read-only.
			Env: env,
			SecurityContext: &corev1.SecurityContext{
				AllowPrivilegeEscalation: ptr.To(false),
				ReadOnlyRootFilesystem:   ptr.To(true),
				Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
			},
			VolumeMounts: mounts,
		}},
		Volumes: volumes,
	}
	return &batchv1.CronJob{Spec: batchv1.CronJobSpec{
		Schedule:                   o.Schedule,
		ConcurrencyPolicy:          batchv1.ForbidConcurrent,
		SuccessfulJobsHistoryLimit: ptr.To[int32](3),
		FailedJobsHistoryLimit:     ptr.To[int32](3),
		JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
			// A failed run is reported as a failed Job, not retried: it
			// wrote no report, and the next schedule tries again.
			BackoffLimit:          ptr.To[int32](0),
			ActiveDeadlineSeconds: ptr.To[int64](deadline),
			Template:              corev1.PodTemplateSpec{Spec: pod},
		}},
	}}
}
