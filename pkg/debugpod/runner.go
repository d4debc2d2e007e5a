package debugpod

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// cleanupTimeout bounds a pod's or namespace's deletion, which runs on a
// fresh context so that it happens even when the scan's context is done.
const cleanupTimeout = 30 * time.Second

// namespaceWait is how long Close waits for the temporary namespace to go.
const namespaceWait = 15 * time.Second

// NodeResult is the outcome of one node's collection.
type NodeResult struct {
	Node     string
	Evidence *evidence.Node
	Err      error
}

// Runner runs collector pods with one client. Use NewRunner, then Prepare
// once, Collect or CollectAll, and Close (always, e.g. deferred).
type Runner struct {
	client    kubernetes.Interface
	opts      Options
	ns        string
	prepared  bool
	createdNS bool
	// logs opens the collector's log; tests replace it because the fake
	// clientset's GetLogs always answers "fake logs".
	logs func(ctx context.Context, ns, pod string, limit int64) (io.ReadCloser, error)
	// retryDelay is the first pause before creating a pod again when the
	// new namespace's default service account does not exist yet.
	retryDelay time.Duration
}

// NewRunner checks the options and fills defaults; a missing ScanID gets
// a random one.
func NewRunner(client kubernetes.Interface, o Options) (*Runner, error) {
	if client == nil {
		return nil, errors.New("debugpod: nil kubernetes client")
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	if o.ScanID == "" {
		o.ScanID = strings.ToLower(o.RandomSuffix())
	}
	r := &Runner{client: client, opts: o, ns: o.Namespace, retryDelay: 250 * time.Millisecond}
	if r.ns == "" {
		r.ns = NamespaceName(o.ScanID)
	}
	r.logs = func(ctx context.Context, ns, pod string, limit int64) (io.ReadCloser, error) {
		return client.CoreV1().Pods(ns).GetLogs(pod, &corev1.PodLogOptions{Container: ContainerName, LimitBytes: &limit}).Stream(ctx)
	}
	return r, nil
}

// ScanID is the scan id labelled on every object of this runner.
func (r *Runner) ScanID() string { return r.opts.ScanID }

// Namespace is where the pods run (the temporary one or Options.Namespace).
func (r *Runner) Namespace() string { return r.ns }

func (r *Runner) progress(node, phase string) {
	if r.opts.Progress != nil {
		r.opts.Progress(node, phase)
	}
}

func (r *Runner) warn(format string, a ...any) {
	if r.opts.Warn != nil {
		r.opts.Warn(fmt.Sprintf(format, a...))
	}
}

// access is one permission the scan needs.
type access struct {
	verb, resource, subresource, namespace string
}

func (a access) String() string {
	res := a.resource
	if a.subresource != "" {
		res += "/" + a.subresource
	}
	if a.namespace == "" {
		return a.verb + " " + res
	}
	return fmt.Sprintf("%s %s in namespace %s", a.verb, res, a.namespace)
}

// Prepare checks permissions with SelfSubjectAccessReviews, checks the Pod
// Security level of a given --namespace, and creates the temporary
// namespace. It never adopts an existing namespace it did not create.
func (r *Runner) Prepare(ctx context.Context) error {
	if r.prepared {
		return errors.New("debugpod: runner already prepared")
	}
	needs := []access{
		{"create", "pods", "", r.ns}, {"get", "pods", "", r.ns}, {"watch", "pods", "", r.ns},
		{"get", "pods", "log", r.ns}, {"delete", "pods", "", r.ns},
	}
	if r.opts.Namespace == "" {
		needs = append(needs, access{"create", "namespaces", "", ""}, access{"delete", "namespaces", "", ""})
	}
	var missing []string
	for _, a := range needs {
		ok, err := r.allowed(ctx, a)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("preflight: %w", ctx.Err())
			}
			r.warn("cannot check permission to %s: %v", a, err)
			continue
		}
		if !ok {
			missing = append(missing, a.String())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the node scan needs permission to %s; ask a cluster admin or run with a more privileged context (--context)", strings.Join(missing, ", "))
	}
	if r.opts.Namespace != "" {
		if err := r.checkNamespace(ctx); err != nil {
			return err
		}
		r.prepared = true
		return nil
	}
	_, err := r.client.CoreV1().Namespaces().Create(ctx, GenerateNamespace(r.opts.ScanID), metav1.CreateOptions{})
	switch {
	case apierrors.IsAlreadyExists(err):
		return fmt.Errorf("namespace/%s already exists; it is not ours to use or delete: pick another scan id, or remove leftovers with kubectl harden cleanup: %w", r.ns, err)
	case err != nil:
		return fmt.Errorf("create temporary namespace/%s: %w", r.ns, err)
	}
	r.createdNS, r.prepared = true, true
	return nil
}

func (r *Runner) allowed(ctx context.Context, a access) (bool, error) {
	ssar := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: a.namespace, Verb: a.verb, Resource: a.resource, Subresource: a.subresource,
		},
	}}
	res, err := r.client.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, ssar, metav1.CreateOptions{})
	if err != nil {
		return false, err
	}
	return res.Status.Allowed, nil
}

// checkNamespace stops the scan before any pod is created when the given
// namespace's Pod Security level would reject the collector pod.
func (r *Runner) checkNamespace(ctx context.Context) error {
	ns, err := r.client.CoreV1().Namespaces().Get(ctx, r.ns, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("--namespace %s: namespace not found: %w", r.ns, err)
	case err != nil:
		r.warn("cannot read namespace/%s to check its pod-security level: %v", r.ns, err)
		return nil
	}
	level := ns.Labels[PSAEnforceLabel]
	switch level {
	case "baseline", "restricted":
		return fmt.Errorf("--namespace %s enforces the %q Pod Security level, which rejects the host-access collector pod; "+
			"allow it with: kubectl label namespace %s %s=%s --overwrite (or omit --namespace to use a temporary privileged namespace)",
			r.ns, level, r.ns, PSAEnforceLabel, PSAPrivileged)
	}
	return nil
}

// Collect runs the collector on one node and returns its evidence. The pod
// is deleted before Collect returns, whatever happened (success, error,
// timeout, cancellation), using a fresh bounded context.
func (r *Runner) Collect(ctx context.Context, node string) (ev *evidence.Node, err error) {
	if !r.prepared {
		return nil, fmt.Errorf("node/%s: debugpod runner used before Prepare", node)
	}
	// Registered first, so it runs last: after the pod's deletion.
	defer func() {
		if err != nil {
			r.progress(node, PhaseFailed)
		} else {
			r.progress(node, PhaseDone)
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("node/%s: scan cancelled: %w", node, err)
	}
	o := r.opts
	o.Namespace = r.ns
	pod := Generate(node, o)
	wctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()

	r.progress(node, PhaseCreating)
	created, err := r.createPod(wctx, pod)
	if err != nil {
		return nil, r.ctxError(ctx, wctx, node, fmt.Errorf("node/%s: create collector pod: %w", node, explainCreate(err, r.ns)))
	}
	defer func() {
		if derr := r.deletePod(ctx, node, created.Name); derr != nil {
			err = errors.Join(err, derr)
		}
	}()

	final, err := r.waitPod(wctx, node, created)
	if err != nil {
		return nil, r.ctxError(ctx, wctx, node, err)
	}
	if final.Status.Phase == corev1.PodFailed {
		return nil, fmt.Errorf("node/%s: collector pod %s failed: %s%s", node, created.Name, describePod(final), r.logTail(wctx, created.Name))
	}

	r.progress(node, PhaseReading)
	rc, err := r.logs(wctx, r.ns, created.Name, o.MaxTotalBytes+64<<10)
	if err != nil {
		return nil, r.ctxError(ctx, wctx, node, fmt.Errorf("node/%s: read collector log of pod %s: %w", node, created.Name, err))
	}
	defer rc.Close()
	ev, err = evidence.Parse(rc, node)
	if err != nil {
		return nil, r.ctxError(ctx, wctx, node, fmt.Errorf("node/%s: collector output of pod %s: %w", node, created.Name, err))
	}
	return ev, nil
}

// ctxError rewrites an error caused by the end of a context: the caller's
// cancellation, or the per-node timeout (--timeout).
func (r *Runner) ctxError(parent, wctx context.Context, node string, err error) error {
	switch {
	case parent.Err() != nil:
		return fmt.Errorf("node/%s: scan cancelled: %w", node, errors.Join(parent.Err(), err))
	case wctx.Err() != nil && !errors.As(err, new(timeoutError)):
		return fmt.Errorf("node/%s: collection did not finish within --timeout %s: %w", node, r.opts.Timeout, err)
	}
	return err
}

// timeoutError is an error that already says the node's --timeout was hit,
// so ctxError leaves it as it is.
type timeoutError struct{ error }

func (e timeoutError) Unwrap() error { return e.error }

// createPod creates the pod, retrying for a few seconds while the new
// namespace's "default" service account does not exist yet (the
// ServiceAccount admission plugin rejects pods until the controller made it).
func (r *Runner) createPod(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error) {
	delay := r.retryDelay
	deadline := time.Now().Add(15 * time.Second)
	for {
		created, err := r.client.CoreV1().Pods(r.ns).Create(ctx, pod, metav1.CreateOptions{})
		if err == nil {
			return created, nil
		}
		if !isMissingServiceAccount(err) || time.Now().After(deadline) {
			return nil, err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, errors.Join(err, ctx.Err())
		case <-t.C:
		}
		delay = min(2*delay, 2*time.Second)
	}
}

func isMissingServiceAccount(err error) bool {
	return apierrors.IsForbidden(err) && strings.Contains(err.Error(), "serviceaccount") && strings.Contains(err.Error(), "not found") ||
		apierrors.IsServerTimeout(err) && strings.Contains(err.Error(), "serviceaccount")
}

// explainCreate adds the fix to admission errors users hit.
func explainCreate(err error, ns string) error {
	msg := err.Error()
	switch {
	case apierrors.IsForbidden(err) && strings.Contains(msg, "PodSecurity"):
		return fmt.Errorf("%w (namespace %s does not admit privileged pods; allow them with: kubectl label namespace %s %s=%s --overwrite)", err, ns, ns, PSAEnforceLabel, PSAPrivileged)
	case apierrors.IsForbidden(err) && strings.Contains(msg, "securitycontextconstraints"):
		return fmt.Errorf("%w (OpenShift: grant the privileged SCC to the namespace's default service account)", err)
	}
	return err
}

// failFastReasons are container waiting reasons that will not fix
// themselves within a scan.
var failFastReasons = map[string]string{
	"ErrImagePull":               "the image cannot be pulled; check --image, --image-pull-secret and the node's registry access (or pre-load the image)",
	"ImagePullBackOff":           "the image cannot be pulled; check --image, --image-pull-secret and the node's registry access (or pre-load the image)",
	"ErrImageNeverPull":          "the image is not on the node and --image-pull-policy is Never",
	"InvalidImageName":           "--image is not a valid image reference",
	"CreateContainerConfigError": "the container's configuration is invalid",
	"CreateContainerError":       "the container runtime cannot create the container",
	"RunContainerError":          "the container runtime cannot start the container",
	"CrashLoopBackOff":           "the container keeps crashing",
}

// evaluate says whether the pod reached a final phase, or fails early.
func evaluate(node string, p *corev1.Pod) (done bool, phase string, err error) {
	if p.DeletionTimestamp != nil {
		return false, "", fmt.Errorf("node/%s: collector pod %s is being deleted by someone else", node, p.Name)
	}
	switch p.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return true, "", nil
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return false, "", fmt.Errorf("node/%s: collector pod %s cannot be scheduled: %s", node, p.Name, c.Message)
		}
	}
	for _, cs := range append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		if w := cs.State.Waiting; w != nil {
			if hint, ok := failFastReasons[w.Reason]; ok {
				return false, "", fmt.Errorf("node/%s: collector pod %s: %s: %s (image %s): %s", node, p.Name, w.Reason, w.Message, cs.Image, hint)
			}
		}
		if cs.State.Running != nil || cs.State.Terminated != nil {
			phase = PhaseRunning
		}
	}
	if phase == "" {
		phase = PhasePending
	}
	return false, phase, nil
}

// waitPod watches the pod until it succeeds or fails. It re-establishes
// the watch when the server closes it, and reads the pod once after each
// (re)start so that no transition is missed.
func (r *Runner) waitPod(ctx context.Context, node string, pod *corev1.Pod) (*corev1.Pod, error) {
	pods := r.client.CoreV1().Pods(r.ns)
	sel := fields.OneTermEqualSelector("metadata.name", pod.Name).String()
	last, lastPhase, rv := pod, "", pod.ResourceVersion
	report := func(phase string) {
		if phase != "" && phase != lastPhase {
			lastPhase = phase
			r.progress(node, phase)
		}
	}
	timeoutErr := func() error {
		return timeoutError{fmt.Errorf("node/%s: collector pod %s did not finish within --timeout %s (%s): %w", node, pod.Name, r.opts.Timeout, describePod(last), ctx.Err())}
	}
	for {
		w, err := pods.Watch(ctx, metav1.ListOptions{FieldSelector: sel, ResourceVersion: rv})
		if err != nil {
			if ctx.Err() != nil {
				return nil, timeoutErr()
			}
			if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
				rv = ""
				continue
			}
			return nil, fmt.Errorf("node/%s: watch collector pod %s: %w", node, pod.Name, err)
		}
		cur, err := pods.Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			w.Stop()
			if ctx.Err() != nil {
				return nil, timeoutErr()
			}
			if apierrors.IsNotFound(err) {
				return nil, fmt.Errorf("node/%s: collector pod %s disappeared before it finished", node, pod.Name)
			}
			return nil, fmt.Errorf("node/%s: get collector pod %s: %w", node, pod.Name, err)
		}
		last = cur
		done, phase, err := evaluate(node, cur)
		if err != nil || done {
			w.Stop()
			return cur, err
		}
		report(phase)
		closed := false
		for !closed {
			select {
			case <-ctx.Done():
				w.Stop()
				return nil, timeoutErr()
			case ev, ok := <-w.ResultChan():
				if !ok {
					closed = true
					break
				}
				switch ev.Type {
				case watch.Error:
					w.Stop()
					if st, ok := ev.Object.(*metav1.Status); ok && st.Code == 410 {
						rv = ""
					}
					closed = true
				case watch.Deleted:
					w.Stop()
					return nil, fmt.Errorf("node/%s: collector pod %s was deleted before it finished", node, pod.Name)
				case watch.Added, watch.Modified:
					p, ok := ev.Object.(*corev1.Pod)
					if !ok || p.Name != pod.Name {
						continue
					}
					last, rv = p, p.ResourceVersion
					done, phase, err := evaluate(node, p)
					if err != nil || done {
						w.Stop()
						return p, err
					}
					report(phase)
				}
			}
		}
	}
}

// describePod summarises why a pod is where it is, for error messages.
func describePod(p *corev1.Pod) string {
	if p == nil {
		return "no status"
	}
	parts := []string{"phase " + string(p.Status.Phase)}
	if p.Status.Phase == "" {
		parts[0] = "phase Pending"
	}
	if p.Status.Reason != "" {
		parts = append(parts, "reason "+p.Status.Reason)
	}
	if p.Status.Message != "" {
		parts = append(parts, p.Status.Message)
	}
	for _, cs := range p.Status.ContainerStatuses {
		switch {
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
			parts = append(parts, fmt.Sprintf("container %s waiting: %s %s", cs.Name, cs.State.Waiting.Reason, cs.State.Waiting.Message))
		case cs.State.Terminated != nil:
			t := cs.State.Terminated
			parts = append(parts, fmt.Sprintf("container %s exited with code %d (%s)", cs.Name, t.ExitCode, t.Reason))
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Status == corev1.ConditionFalse && c.Message != "" {
			parts = append(parts, fmt.Sprintf("%s: %s", c.Type, c.Message))
		}
	}
	return strings.TrimSpace(strings.Join(parts, ", "))
}

// logTail returns the end of a failed collector's log for the error.
func (r *Runner) logTail(ctx context.Context, pod string) string {
	rc, err := r.logs(ctx, r.ns, pod, 64<<10)
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 64<<10))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	s := strings.TrimSpace(strings.Join(lines, " | "))
	if s == "" {
		return ""
	}
	return "; log ends with: " + s
}

// deletePod deletes the collector pod on a fresh context that outlives the
// scan's, so cancellation and timeouts still clean up.
func (r *Runner) deletePod(parent context.Context, node, name string) error {
	r.progress(node, PhaseDeleting)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), cleanupTimeout)
	defer cancel()
	err := r.client.CoreV1().Pods(r.ns).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To(int64(0))})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("node/%s: delete collector pod %s in namespace %s (remove it with kubectl harden cleanup): %w", node, name, r.ns, err)
	}
	return nil
}

// CollectAll collects from every node, at most parallel at a time (at
// least 1). Results are in the order of nodes; one node's failure does not
// stop the others. Nodes not started when ctx ends get its error.
func (r *Runner) CollectAll(ctx context.Context, nodes []string, parallel int) []NodeResult {
	if parallel < 1 {
		parallel = 1
	}
	results := make([]NodeResult, len(nodes))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, n := range nodes {
		results[i].Node = n
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			results[i].Err = fmt.Errorf("node/%s: scan cancelled: %w", n, ctx.Err())
			continue
		}
		wg.Add(1)
		go func(i int, n string) {
			defer wg.Done()
			defer func() { <-sem }()
			results[i].Evidence, results[i].Err = r.Collect(ctx, n)
		}(i, n)
	}
	wg.Wait()
	return results
}

// Close deletes the temporary namespace (which removes any pod left in
// it) and waits briefly for it to go. It is a no-op with --namespace.
// The deletion uses a fresh bounded context, so Close works after the
// scan's context is cancelled.
func (r *Runner) Close(ctx context.Context) error {
	if !r.createdNS {
		return nil
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	nss := r.client.CoreV1().Namespaces()
	w, werr := nss.Watch(dctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", r.ns).String()})
	err := nss.Delete(dctx, r.ns, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)})
	if apierrors.IsNotFound(err) {
		err = nil
	}
	if err != nil {
		if werr == nil {
			w.Stop()
		}
		return fmt.Errorf("delete temporary namespace/%s (remove it with kubectl harden cleanup): %w", r.ns, err)
	}
	r.createdNS = false
	if werr != nil {
		return nil
	}
	defer w.Stop()
	t := time.NewTimer(namespaceWait)
	defer t.Stop()
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok || ev.Type == watch.Deleted {
				return nil
			}
		case <-t.C:
			r.warn("namespace/%s is still terminating; it will go by itself", r.ns)
			return nil
		case <-dctx.Done():
			return nil
		}
	}
}

// Cleanup deletes every namespace and pod labelled
// app.kubernetes.io/managed-by=kubectl-harden, in all namespaces (for
// `kubectl harden cleanup`): leftovers of scans whose client died. Only
// namespaces also named kubectl-harden-* are deleted, so a user's own
// namespace is never removed even if someone labelled it. With dryRun it
// only lists them. It returns what it deleted (or would), as
// "namespace/NAME" and "pod/NAMESPACE/NAME", and keeps going on errors.
func Cleanup(ctx context.Context, client kubernetes.Interface, dryRun bool) ([]string, error) {
	sel := metav1.ListOptions{LabelSelector: ManagedByLabel + "=" + ManagedBy}
	var out []string
	var errs []error
	nsList, err := client.CoreV1().Namespaces().List(ctx, sel)
	if err != nil {
		return nil, fmt.Errorf("list namespaces managed by kubectl-harden: %w", err)
	}
	doomed := map[string]bool{}
	for _, ns := range nsList.Items {
		if strings.HasPrefix(ns.Name, NamePrefix) {
			doomed[ns.Name] = true
		}
	}
	pods, err := client.CoreV1().Pods(metav1.NamespaceAll).List(ctx, sel)
	if err != nil {
		errs = append(errs, fmt.Errorf("list pods managed by kubectl-harden: %w", err))
	} else {
		for _, p := range pods.Items {
			out = append(out, "pod/"+p.Namespace+"/"+p.Name)
			if dryRun {
				continue
			}
			err := client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To(int64(0))})
			if err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("delete pod %s in namespace %s: %w", p.Name, p.Namespace, err))
			}
		}
	}
	for _, ns := range nsList.Items {
		if !doomed[ns.Name] {
			continue
		}
		out = append(out, "namespace/"+ns.Name)
		if dryRun {
			continue
		}
		err := client.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete namespace/%s: %w", ns.Name, err))
		}
	}
	return out, errors.Join(errs...)
}
