package fix

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// Workload fixes are security-context settings on the owning controller's
// pod template (a Deployment, not its Pods), rendered as a partial object
// that `kubectl apply --server-side` (and `kubectl patch --type strategic`)
// take: containers merge by name, so the container names are read from the
// live object. Settings a workload may depend on (privileged, host
// namespaces, hostPath, host ports, running as root) are decisions.

// podFix is what one check sets on a pod template.
type podFix struct {
	// container sets these keys in every container's securityContext.
	container map[string]any
	// pod sets these keys in the pod's securityContext.
	pod map[string]any
	why string
}

var workloadFixes = map[string]podFix{
	"workloads.allow-privilege-escalation": {container: map[string]any{"allowPrivilegeEscalation": false}, why: "allowPrivilegeEscalation: false in every container"},
	"workloads.net-raw-capability":         {container: map[string]any{"capabilities": map[string]any{"drop": []any{"ALL"}}}, why: "capabilities.drop [ALL] in every container"},
	"workloads.added-capabilities":         {container: map[string]any{"capabilities": map[string]any{"drop": []any{"ALL"}}}, why: "capabilities.drop [ALL] in every container (capabilities it adds stay: removing them is a decision)"},
	"workloads.seccomp-profile":            {pod: map[string]any{"seccompProfile": map[string]any{"type": "RuntimeDefault"}}, why: "seccompProfile RuntimeDefault for the pod"},
	"workloads.security-context":           {pod: map[string]any{"seccompProfile": map[string]any{"type": "RuntimeDefault"}}, container: map[string]any{"allowPrivilegeEscalation": false}, why: "a pod securityContext (seccompProfile RuntimeDefault) and allowPrivilegeEscalation: false"},
}

var workloadDecisions = map[string]string{
	"workloads.privileged-containers":  "a privileged container usually needs host access for its job (a CNI, a storage or monitoring agent): removing it breaks that job",
	"workloads.host-namespaces":        "a workload on the host's network, PID or IPC namespace usually needs it (node agents, CNIs)",
	"workloads.root-containers":        "runAsNonRoot makes the kubelet refuse an image whose user is root: set runAsUser to the image's non-root user first (the plan cannot know it)",
	"workloads.host-path-volumes":      "a hostPath volume is the workload's access to node files: replace it with another volume type where the workload allows",
	"workloads.host-ports":             "the workload's clients reach it on the host port: use a Service instead",
	"workloads.windows-host-process":   "a HostProcess container is a Windows node agent by design",
	"workloads.secrets-in-environment": "move the secret to a mounted volume: the application must read it from a file",
}

// workloadKinds are the owners a plan patches, with their API group path to
// the pod template.
var workloadKinds = map[string]bool{"deployment": true, "daemonset": true, "statefulset": true, "replicaset": true, "job": true, "cronjob": true}

func init() {
	for check, f := range workloadFixes {
		register(check, func(in Input) Fix {
			objs := failingObjects(in.Result)
			if len(objs) == 0 {
				return Fix{Disposition: Manual, Why: "the result names no object"}
			}
			return Fix{Disposition: Fixed, Why: f.why + " of the owning controller (rendered from the live object when the cluster is reachable)",
				Impact: "the controller rolls its pods out again", Objects: objs}
		})
	}
	for check, why := range workloadDecisions {
		register(check, func(in Input) Fix { return Fix{Disposition: Decision, Why: why} })
	}
	register("workloads.namespace-boundaries", psaFix)
	register("workloads.policy-control-mechanism", psaFix)
	register("workloads.namespace-network-policies", func(in Input) Fix {
		return Fix{Disposition: Decision, Why: "a default-deny NetworkPolicy stops every connection to the namespace's pods that no other policy allows: write the allow rules first (a default-deny template per namespace is under cluster/decisions/)", Objects: failingObjects(in.Result)}
	})
}

func psaFix(in Input) Fix {
	var ns []report.ObjectRef
	for _, o := range failingObjects(in.Result) {
		if o.Kind == "namespace" {
			ns = append(ns, o)
		}
	}
	if len(ns) == 0 {
		return Fix{Disposition: Manual, Why: "the result names no namespace"}
	}
	return Fix{Disposition: Fixed, Why: "Pod Security Admission labels on the namespace: enforce the strictest level (restricted, else baseline) that the server dry run shows no running pod violating; the dry run's warnings are written beside the file",
		Impact: "new pods that violate the level are rejected (running pods keep running)", Objects: ns}
}

// failingObjects are the objects a result's FAIL lines name.
func failingObjects(r report.Result) []report.ObjectRef {
	var out []report.ObjectRef
	seen := map[report.ObjectRef]bool{}
	for _, o := range r.Evidence {
		if o.Object.IsZero() || (o.Status != report.StatusFail && o.Status != report.StatusWarn) || seen[o.Object] {
			continue
		}
		seen[o.Object] = true
		out = append(out, o.Object)
	}
	return out
}

// objectFile names an object's file under cluster/.
func objectFile(prefix string, o report.ObjectRef) string {
	for _, part := range []string{o.Kind, o.Namespace, o.Name} {
		if part != "" && !safeName.MatchString(part) {
			return prefix + "unnamed.yaml"
		}
	}
	name := o.Kind + "-"
	if o.Namespace != "" {
		name += o.Namespace + "-"
	}
	return prefix + name + o.Name + ".yaml"
}

// RenderCluster renders the plan's API objects from the live cluster and
// validates each with a server-side dry run, writing the warnings beside
// it. Objects that cannot be rendered are listed in PLAN.md with the
// reason. Without a client, every workload fix says it needs the cluster.
func (p *Plan) RenderCluster(ctx context.Context, client kubernetes.Interface) {
	if p.Cluster == nil {
		p.Cluster = map[string]string{}
	}
	type tmpl struct {
		ref       report.ObjectRef
		container map[string]any
		pod       map[string]any
	}
	patches := map[report.ObjectRef]*tmpl{}
	var order []report.ObjectRef
	namespaces := map[string]bool{}
	denies := map[string]bool{}
	for i := range p.Items {
		it := &p.Items[i]
		if it.Check == "workloads.namespace-network-policies" {
			for _, o := range it.Fix.Objects {
				if o.Kind == "namespace" {
					denies[o.Name] = true
				}
			}
			continue
		}
		if it.Fix.Disposition != Fixed || len(it.Fix.Objects) == 0 {
			continue
		}
		if client == nil {
			it.Fix = Fix{Disposition: Manual, Why: "rendering the fix needs the cluster (container names, a server dry run): run `kubectl harden fix` with access to it"}
			continue
		}
		if it.Check == "workloads.namespace-boundaries" || it.Check == "workloads.policy-control-mechanism" {
			for _, o := range it.Fix.Objects {
				namespaces[o.Name] = true
			}
			continue
		}
		f := workloadFixes[it.Check]
		var skipped []string
		for _, o := range it.Fix.Objects {
			if !workloadKinds[o.Kind] {
				skipped = append(skipped, o.String())
				continue
			}
			t, ok := patches[o]
			if !ok {
				t = &tmpl{ref: o, container: map[string]any{}, pod: map[string]any{}}
				patches[o] = t
				order = append(order, o)
			}
			for k, v := range f.container {
				t.container[k] = v
			}
			for k, v := range f.pod {
				t.pod[k] = v
			}
		}
		switch {
		case len(skipped) == len(it.Fix.Objects):
			it.Fix = Fix{Disposition: Manual, Why: "no controller to patch: a bare pod cannot change its security context, recreate it from a controller: " + strings.Join(skipped, ", ")}
		case len(skipped) > 0:
			it.Fix.Why += "; not patched (a bare pod cannot change its security context: recreate it from a controller): " + strings.Join(skipped, ", ")
		}
	}
	for _, ns := range slices.Sorted(maps.Keys(denies)) {
		p.Cluster["cluster/decisions/networkpolicy-"+ns+"-default-deny.yaml"] = fmt.Sprintf("# A default-deny ingress policy for namespace %s: once applied, no pod of the\n# namespace accepts a connection that another NetworkPolicy does not allow.\n# Write those allow rules first.\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-ingress\n  namespace: %s\nspec:\n  podSelector: {}\n  policyTypes:\n  - Ingress\n", ns, ns)
	}
	if client == nil {
		return
	}
	sort.Slice(order, func(i, j int) bool { return order[i].String() < order[j].String() })
	notRendered := map[report.ObjectRef]string{}
	defer p.unrendered(notRendered)
	for _, ref := range order {
		t := patches[ref]
		obj, err := partialWorkload(ctx, client, ref, t.container, t.pod)
		file := objectFile("cluster/", ref)
		if err != nil {
			notRendered[ref] = safetext.Clip(err.Error(), 500)
			p.Cluster[file+".error.txt"] = "not rendered: " + notRendered[ref] + "\n"
			continue
		}
		p.writeValidated(ctx, client, file, obj, "# Security context of "+ref.String()+" (kubectl harden fix). Apply with\n#   kubectl apply --server-side --field-manager kubectl-harden-fix -f FILE\n# The controller rolls its pods out again.\n")
	}
	for _, ns := range slices.Sorted(maps.Keys(namespaces)) {
		level := ""
		var stricter []string
		for _, l := range []string{"restricted", "baseline"} {
			obj := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns, "labels": map[string]any{
				"pod-security.kubernetes.io/enforce": l, "pod-security.kubernetes.io/warn": l, "pod-security.kubernetes.io/audit": l}}}
			w, err := dryRun(ctx, client, report.ObjectRef{Kind: "namespace", Name: ns}, obj)
			if err != nil {
				p.Cluster[objectFile("cluster/", report.ObjectRef{Kind: "namespace", Name: ns})+".error.txt"] = "dry run failed: " + safetext.Clip(err.Error(), 500) + "\n"
				level = ""
				break
			}
			level = l
			if len(w) == 0 {
				break
			}
			if l == "restricted" {
				for _, x := range w {
					stricter = append(stricter, "restricted would warn: "+x)
				}
			}
		}
		if level == "" {
			continue
		}
		obj := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns, "labels": map[string]any{
			"pod-security.kubernetes.io/enforce": level, "pod-security.kubernetes.io/warn": level, "pod-security.kubernetes.io/audit": level}}}
		file := objectFile("cluster/", report.ObjectRef{Kind: "namespace", Name: ns})
		p.writeValidated(ctx, client, file, obj, "# Pod Security Admission level "+level+" for namespace "+ns+" (kubectl harden fix): the strictest\n# level the server dry run accepts; see the .dryrun.txt file beside it for the pods it would reject.\n")
		if level != "restricted" {
			dr := strings.TrimSuffix(file, ".yaml") + ".dryrun.txt"
			for _, x := range stricter {
				p.Cluster[dr] += safetext.Clip(x, 1000) + "\n"
			}
		}
	}
}

// unrendered turns a workload fix none of whose controllers could be
// rendered into a manual one that says why.
func (p *Plan) unrendered(notRendered map[report.ObjectRef]string) {
items:
	for i := range p.Items {
		it := &p.Items[i]
		if it.Fix.Disposition != Fixed || workloadFixes[it.Check].why == "" {
			continue
		}
		var why []string
		for _, o := range it.Fix.Objects {
			if !workloadKinds[o.Kind] {
				continue
			}
			e, failed := notRendered[o]
			if !failed {
				continue items
			}
			why = append(why, o.String()+": "+e)
		}
		it.Fix = Fix{Disposition: Manual, Why: "not rendered: " + strings.Join(why, "; ")}
	}
}

// writeValidated writes an object and the server dry run's result beside it.
func (p *Plan) writeValidated(ctx context.Context, client kubernetes.Interface, file string, obj map[string]any, header string) {
	b, err := yaml.Marshal(obj)
	if err != nil {
		p.Cluster[file+".error.txt"] = err.Error() + "\n"
		return
	}
	p.Cluster[file] = header + string(b)
	ref := report.ObjectRef{Kind: strings.ToLower(fmt.Sprint(obj["kind"]))}
	if md, ok := obj["metadata"].(map[string]any); ok {
		ref.Name, _ = md["name"].(string)
		ref.Namespace, _ = md["namespace"].(string)
	}
	w, err := dryRun(ctx, client, ref, obj)
	var s strings.Builder
	if err != nil {
		fmt.Fprintf(&s, "server dry run: FAILED: %s\n", safetext.Clip(err.Error(), 1000))
	} else {
		s.WriteString("server dry run: accepted\n")
	}
	for _, x := range w {
		fmt.Fprintf(&s, "warning: %s\n", safetext.Clip(x, 1000))
	}
	p.Cluster[strings.TrimSuffix(file, ".yaml")+".dryrun.txt"] = s.String()
}

// partialWorkload reads the live object and renders the partial object
// that sets the security context of its pod template.
func partialWorkload(ctx context.Context, client kubernetes.Interface, ref report.ObjectRef, container, pod map[string]any) (map[string]any, error) {
	var (
		spec *corev1.PodSpec
		kind string
		err  error
	)
	apps, ns, name := client.AppsV1(), ref.Namespace, ref.Name
	switch ref.Kind {
	case "deployment":
		kind = "Deployment"
		spec, err = podSpecOf(ctx, apps.Deployments(ns).Get, name, func(o *appsv1.Deployment) *corev1.PodSpec { return &o.Spec.Template.Spec })
	case "daemonset":
		kind = "DaemonSet"
		spec, err = podSpecOf(ctx, apps.DaemonSets(ns).Get, name, func(o *appsv1.DaemonSet) *corev1.PodSpec { return &o.Spec.Template.Spec })
	case "statefulset":
		kind = "StatefulSet"
		spec, err = podSpecOf(ctx, apps.StatefulSets(ns).Get, name, func(o *appsv1.StatefulSet) *corev1.PodSpec { return &o.Spec.Template.Spec })
	case "replicaset":
		kind = "ReplicaSet"
		spec, err = podSpecOf(ctx, apps.ReplicaSets(ns).Get, name, func(o *appsv1.ReplicaSet) *corev1.PodSpec { return &o.Spec.Template.Spec })
	case "job", "cronjob":
		return nil, fmt.Errorf("%s: a Job's pod template is immutable (recreate it; for a CronJob, patch spec.jobTemplate by hand)", ref)
	default:
		return nil, fmt.Errorf("%s: not a controller the plan patches", ref)
	}
	if err != nil {
		return nil, err
	}
	tmplSpec := map[string]any{}
	if len(pod) > 0 {
		tmplSpec["securityContext"] = pod
	}
	if len(container) > 0 {
		var cs, ics []any
		for _, c := range spec.Containers {
			cs = append(cs, map[string]any{"name": c.Name, "securityContext": container})
		}
		for _, c := range spec.InitContainers {
			ics = append(ics, map[string]any{"name": c.Name, "securityContext": container})
		}
		tmplSpec["containers"] = cs
		if len(ics) > 0 {
			tmplSpec["initContainers"] = ics
		}
	}
	return map[string]any{
		"apiVersion": "apps/v1", "kind": kind,
		"metadata": map[string]any{"name": ref.Name, "namespace": ref.Namespace},
		"spec":     map[string]any{"template": map[string]any{"spec": tmplSpec}},
	}, nil
}

// podSpecOf gets the object called name with get and returns the pod spec
// spec finds in it.
func podSpecOf[T any](ctx context.Context, get func(context.Context, string, metav1.GetOptions) (*T, error), name string, spec func(*T) *corev1.PodSpec) (*corev1.PodSpec, error) {
	o, err := get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return spec(o), nil
}

// dryRunWarnings collects the API server's warnings of one dry run: the
// PSA label dry run names the running pods that would be rejected.
type dryRunWarnings struct {
	sync.Mutex
	list []string
}

type dryRunWarningsKey struct{}

// contextWarnings hands a request's warnings to the collector its context
// carries, so that dry runs at the same time never see each other's; a
// request without one is logged, as client-go does by default.
type contextWarnings struct{}

func (contextWarnings) HandleWarningHeaderWithContext(ctx context.Context, code int, agent, text string) {
	w, ok := ctx.Value(dryRunWarningsKey{}).(*dryRunWarnings)
	if !ok {
		rest.WarningLogger{}.HandleWarningHeaderWithContext(ctx, code, agent, text)
		return
	}
	if code == 299 {
		w.Lock()
		w.list = append(w.list, text)
		w.Unlock()
	}
}

// installWarnings makes contextWarnings client-go's default handler, once:
// the typed clients give no per-request handler, and the clients this
// package gets set none of their own.
var installWarnings sync.Once

// dryRun applies obj server-side with dryRun=All and returns the warnings.
func dryRun(ctx context.Context, client kubernetes.Interface, ref report.ObjectRef, obj map[string]any) ([]string, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	installWarnings.Do(func() { rest.SetDefaultWarningHandlerWithContext(contextWarnings{}) })
	warnings := &dryRunWarnings{}
	ctx = context.WithValue(ctx, dryRunWarningsKey{}, warnings)
	opts := metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: "kubectl-harden-fix"}
	switch ref.Kind {
	case "namespace":
		_, err = client.CoreV1().Namespaces().Patch(ctx, ref.Name, types.ApplyPatchType, data, opts)
	case "deployment":
		_, err = client.AppsV1().Deployments(ref.Namespace).Patch(ctx, ref.Name, types.ApplyPatchType, data, opts)
	case "daemonset":
		_, err = client.AppsV1().DaemonSets(ref.Namespace).Patch(ctx, ref.Name, types.ApplyPatchType, data, opts)
	case "statefulset":
		_, err = client.AppsV1().StatefulSets(ref.Namespace).Patch(ctx, ref.Name, types.ApplyPatchType, data, opts)
	case "replicaset":
		_, err = client.AppsV1().ReplicaSets(ref.Namespace).Patch(ctx, ref.Name, types.ApplyPatchType, data, opts)
	default:
		err = fmt.Errorf("no dry run for %s", ref.Kind)
	}
	warnings.Lock()
	defer warnings.Unlock()
	return append([]string(nil), warnings.list...), err
}
