package debugpod

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// cleanupTimeout bounds a pod's or namespace's deletion, which runs on a
// fresh context so that it happens even when the scan's context is done.
const cleanupTimeout = 30 * time.Second

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
	watch     *podWatch
	// logs opens the collector's log; tests replace it because the fake
	// clientset's GetLogs always answers "fake logs".
	logs func(ctx context.Context, ns, pod string, limit int64) (io.ReadCloser, error)
	// retryDelay is the first pause before creating a pod again when the
	// new namespace's default service account does not exist yet.
	retryDelay time.Duration
	// retryGrace is how long a collector pod may stay in a state the
	// kubelet retries (defaultRetryGrace; tests shorten it).
	retryGrace time.Duration
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
	r := &Runner{client: client, opts: o, ns: o.Namespace, retryDelay: 100 * time.Millisecond, retryGrace: defaultRetryGrace}
	if r.ns == "" {
		r.ns = NamespaceName(o.ScanID)
	}
	r.logs = o.Logs
	if r.logs == nil {
		r.logs = func(ctx context.Context, ns, pod string, limit int64) (io.ReadCloser, error) {
			return client.CoreV1().Pods(ns).GetLogs(pod, &corev1.PodLogOptions{Container: ContainerName, LimitBytes: &limit}).Stream(ctx)
		}
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

// RequiredPermissions are the requests a runner makes for its pods in
// namespace ns; temporary says that the runner creates ns itself (no
// -n), and deletes it at the end. The namespace of an existing -n is read
// to check its Pod Security level (without that permission the check is
// skipped with a warning).
func RequiredPermissions(ns string, temporary bool) []access.Permission {
	const why = "the debug pods that collect node evidence"
	ps := []access.Permission{
		access.Resource("create", "pods").In(ns).For(why),
		access.Resource("list", "pods").In(ns).For("one watch of the scan's pods (list, then watch)"),
		access.Resource("watch", "pods").In(ns).For("one watch of the scan's pods (list, then watch)"),
		access.Resource("get", "pods/log").In(ns).For("the evidence, read from the pod's log"),
		access.Resource("delete", "pods").In(ns).For(why + ", deleted on success, error, timeout and Ctrl-C"),
	}
	if temporary {
		ps = append(ps,
			access.Resource("create", "namespaces").For("the temporary namespace of the debug pods"),
			access.Resource("delete", "namespaces").Named(ns).In(ns).For("the temporary namespace, deleted at the end"),
		)
	} else {
		ps = append(ps, access.Resource("get", "namespaces").Named(ns).In(ns).As(access.Degrades).
			For("to refuse a namespace whose Pod Security level rejects the debug pod before creating anything"))
	}
	return ps
}

// Prepare checks permissions with SelfSubjectAccessReviews (all at once),
// checks the Pod Security level of a given --namespace, creates the
// temporary namespace and starts the scan's one pod watch. It never adopts
// an existing namespace it did not create. Call Close even when Prepare
// fails.
func (r *Runner) Prepare(ctx context.Context) error {
	if r.prepared {
		return errors.New("debugpod: runner already prepared")
	}
	if err := r.preflight(ctx); err != nil {
		return err
	}
	if r.opts.Namespace != "" {
		if err := r.checkNamespace(ctx); err != nil {
			return err
		}
	} else {
		_, err := r.client.CoreV1().Namespaces().Create(ctx, GenerateNamespace(r.opts.ScanID), metav1.CreateOptions{})
		switch {
		case apierrors.IsAlreadyExists(err):
			return fmt.Errorf("namespace/%s already exists; it is not ours to use or delete: pick another scan id, or remove leftovers with kubectl harden cleanup: %w", r.ns, err)
		case err != nil:
			return fmt.Errorf("create temporary namespace/%s: %w", r.ns, err)
		}
		r.createdNS = true
	}
	wctx, cancel := context.WithTimeout(ctx, max(r.opts.Timeout, 10*time.Second))
	defer cancel()
	w, err := startPodWatch(wctx, r.client, r.ns, r.opts.ScanID)
	if err != nil {
		return err
	}
	r.watch, r.prepared = w, true
	return nil
}

// preflight asks the API server, in parallel, whether this user may do
// everything the scan does.
func (r *Runner) preflight(ctx context.Context) error {
	lacking, err := access.Require(ctx, r.client, "the node scan", RequiredPermissions(r.ns, r.opts.Namespace == ""))
	if ctx.Err() != nil {
		return fmt.Errorf("preflight: %w", ctx.Err())
	}
	var missing *access.MissingError
	if errors.As(err, &missing) {
		return missing
	}
	if err != nil {
		r.warn("cannot check every permission of the scan: %v", err)
	}
	for _, p := range lacking {
		r.warn("missing permission to %s: %s", p, p.Why)
	}
	return nil
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
	ch := r.watch.register(pod.Name)
	defer r.watch.unregister(pod.Name)
	created, err := r.createPod(wctx, pod)
	if err != nil {
		return nil, r.ctxError(ctx, wctx, node, fmt.Errorf("node/%s: create collector pod: %w", node, explainCreate(err, r.ns)))
	}
	defer func() {
		if derr := r.deletePod(ctx, node, created.Name); derr != nil {
			err = errors.Join(err, derr)
		}
	}()

	final, err := r.waitPod(wctx, node, created, ch)
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
	ev, err = evidence.ParseContext(wctx, rc, node)
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
	case wctx.Err() != nil && !errors.As(err, new(*timeoutError)):
		return &timeoutError{fmt.Errorf("node/%s: collection did not finish within --timeout %s: %w", node, r.opts.Timeout, err)}
	}
	return err
}

// timeoutError marks an error that already says the node ran out of
// --timeout, so that ctxError does not say it twice.
type timeoutError struct{ err error }

func (e *timeoutError) Error() string { return e.err.Error() }
func (e *timeoutError) Unwrap() error { return e.err }

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
		delay = min(2*delay, time.Second)
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

// maxNodeText bounds one piece of node-controlled text (a status message,
// an image name, a log tail) in an error.
const maxNodeText = 512

// podCheck is what one status of the collector pod says.
type podCheck struct {
	done  bool   // the pod succeeded or failed
	phase string // progress to report
	err   error  // a state that cannot heal: fail now
	// retrying is the error to return if a state the kubelet retries
	// lasts longer than the grace.
	retrying error
}

// evaluate judges one status of the collector pod: done, failing now
// (only for states that cannot heal within a scan, see classifyWaiting),
// retrying (fails once the state has outlasted the grace), or still on
// its way (waited for until the deadline).
func evaluate(node string, p *corev1.Pod) podCheck {
	if p.DeletionTimestamp != nil {
		return podCheck{err: fmt.Errorf("node/%s: collector pod %s is being deleted by someone else", node, p.Name)}
	}
	switch p.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return podCheck{done: true}
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return podCheck{err: fmt.Errorf("node/%s: collector pod %s cannot be scheduled: %s", node, p.Name, safetext.Clip(c.Message, maxNodeText))}
		}
	}
	var pc podCheck
	for _, cs := range append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		if w := cs.State.Waiting; w != nil {
			verdict, hint := classifyWaiting(w.Reason, w.Message)
			cause := fmt.Sprintf("%s: %s (image %s)", safetext.Clip(w.Reason, 64), safetext.Clip(w.Message, maxNodeText), safetext.Clip(cs.Image, 256))
			switch verdict {
			case waitFinal:
				return podCheck{err: fmt.Errorf("node/%s: collector pod %s: %s: %s", node, p.Name, cause, hint)}
			case waitRetrying:
				if pc.retrying == nil {
					pc.retrying = fmt.Errorf("node/%s: collector pod %s: %s, although the kubelet retried it: %s", node, p.Name, cause, hint)
				}
			}
		}
		if cs.State.Running != nil || cs.State.Terminated != nil {
			pc.phase = PhaseRunning
		}
	}
	if pc.phase == "" {
		pc.phase = PhasePending
	}
	return pc
}

// waitPod waits, on the scan's one pod watch, until the pod succeeds or
// fails. ch receives the pod's updates (registered before the pod was
// created); the watch's cache is read once in case an update came first.
// A state the kubelet retries fails the node once it has lasted
// r.retryGrace without a break (a timer fires then: the kubelet does not
// update an unchanged status); every other state waits for ctx.
func (r *Runner) waitPod(ctx context.Context, node string, pod *corev1.Pod, ch <-chan podEvent) (*corev1.Pod, error) {
	last, lastPhase := pod, ""
	timeoutErr := func() error {
		return &timeoutError{fmt.Errorf("node/%s: collector pod %s did not finish within --timeout %s (%s): %w", node, pod.Name, r.opts.Timeout, describePod(last), ctx.Err())}
	}
	var retrying error // the current retrying state's error, nil outside one
	grace := time.NewTimer(r.retryGrace)
	grace.Stop()
	defer grace.Stop()
	check := func(p *corev1.Pod) (bool, error) {
		last = p
		pc := evaluate(node, p)
		if pc.err != nil || pc.done {
			return true, pc.err
		}
		switch {
		case pc.retrying != nil && retrying == nil:
			grace.Reset(r.retryGrace)
		case pc.retrying == nil:
			grace.Stop()
		}
		retrying = pc.retrying
		if pc.phase != "" && pc.phase != lastPhase {
			lastPhase = pc.phase
			r.progress(node, pc.phase)
		}
		return false, nil
	}
	cur := pod
	if p, ok := r.watch.get(pod.Name); ok && p.ResourceVersion != "" {
		cur = p
	}
	if stop, err := check(cur); stop {
		return last, err
	}
	for {
		select {
		case <-ctx.Done():
			return nil, timeoutErr()
		case <-grace.C:
			if retrying != nil {
				return last, fmt.Errorf("%w (for %s)", retrying, r.retryGrace)
			}
		case ev := <-ch:
			if ev.deleted {
				return nil, fmt.Errorf("node/%s: collector pod %s was deleted before it finished", node, pod.Name)
			}
			if stop, err := check(ev.pod); stop {
				return last, err
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
	// Everything below is written by the node's kubelet (or by whoever
	// can update pod status): bounded and made inert.
	clip := func(s string) string { return safetext.Clip(s, maxNodeText) }
	if p.Status.Reason != "" {
		parts = append(parts, "reason "+clip(p.Status.Reason))
	}
	if p.Status.Message != "" {
		parts = append(parts, clip(p.Status.Message))
	}
	for _, cs := range p.Status.ContainerStatuses {
		switch {
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
			parts = append(parts, fmt.Sprintf("container %s waiting: %s %s", clip(cs.Name), clip(cs.State.Waiting.Reason), clip(cs.State.Waiting.Message)))
		case cs.State.Terminated != nil:
			t := cs.State.Terminated
			parts = append(parts, fmt.Sprintf("container %s exited with code %d (%s)", clip(cs.Name), t.ExitCode, clip(t.Reason)))
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Status == corev1.ConditionFalse && c.Message != "" {
			parts = append(parts, fmt.Sprintf("%s: %s", clip(string(c.Type)), clip(c.Message)))
		}
	}
	// At most a few parts of maxNodeText each, but a hostile status can
	// list many containers and conditions.
	return safetext.Clip(strings.TrimSpace(strings.Join(parts, ", ")), 4*maxNodeText)
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
	for i, l := range lines {
		// The log is the node's: each line bounded (its end kept, where
		// the error usually is) and made inert.
		if len(l) > maxNodeText/2 {
			l = "..." + l[len(l)-maxNodeText/2:]
		}
		lines[i] = safetext.Clip(strings.TrimSpace(l), maxNodeText/2+16)
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
// stop the others. Nodes not started when ctx ends get its error. It holds
// every node's evidence: CollectEach does not.
func (r *Runner) CollectAll(ctx context.Context, nodes []string, parallel int) []NodeResult {
	index := make(map[string]int, len(nodes))
	for i, n := range nodes {
		index[n] = i
	}
	results := make([]NodeResult, len(nodes))
	r.CollectEach(ctx, nodes, parallel, func(nr NodeResult) { results[index[nr.Node]] = nr })
	return results
}

// CollectEach collects from every node with a pool of parallel workers (at
// least 1) and hands each node's result to each as soon as that node is
// done, so that the caller holds evidence of at most parallel nodes at a
// time. each is called from the workers, one call at a time. Nodes not
// started when ctx ends get its error. It returns when every node has had
// its call.
func (r *Runner) CollectEach(ctx context.Context, nodes []string, parallel int, each func(NodeResult)) {
	parallel = max(1, min(parallel, len(nodes)))
	jobs := make(chan string)
	var mu sync.Mutex
	emit := func(nr NodeResult) {
		mu.Lock()
		defer mu.Unlock()
		each(nr)
	}
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range jobs {
				ev, err := r.Collect(ctx, n)
				emit(NodeResult{Node: n, Evidence: ev, Err: err})
			}
		}()
	}
	for i, n := range nodes {
		select {
		case jobs <- n:
			continue
		case <-ctx.Done():
		}
		for _, rest := range nodes[i:] {
			emit(NodeResult{Node: rest, Err: fmt.Errorf("node/%s: scan cancelled: %w", rest, ctx.Err())})
		}
		break
	}
	close(jobs)
	wg.Wait()
}

// Close stops the pod watch and requests the deletion of the temporary
// namespace (which removes any pod left in it); it does not wait for the
// namespace to terminate: the namespace controller finishes that on its
// own, and `kubectl harden cleanup` removes a namespace whose deletion was
// never requested. It returns the namespace whose deletion it requested
// ("" with --namespace). The deletion uses a fresh bounded context, so
// Close works after the scan's context is cancelled.
func (r *Runner) Close(ctx context.Context) (string, error) {
	r.watch.stop()
	r.watch = nil
	if !r.createdNS {
		return "", nil
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	err := r.client.CoreV1().Namespaces().Delete(dctx, r.ns, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)})
	if err != nil && !apierrors.IsNotFound(err) {
		return "", fmt.Errorf("delete temporary namespace/%s (remove it with kubectl harden cleanup): %w", r.ns, err)
	}
	r.createdNS = false
	return r.ns, nil
}

// CleanupPermissions are the requests Cleanup makes: it lists what
// kubectl-harden labelled, everywhere, and deletes it.
func CleanupPermissions() []access.Permission {
	const why = "objects labelled " + ManagedByLabel + "=" + ManagedBy
	return []access.Permission{
		access.Resource("list", "namespaces").For(why),
		access.Resource("delete", "namespaces").For(why + " and named " + NamePrefix + "*"),
		access.Resource("list", "pods").For(why),
		access.Resource("delete", "pods").For(why),
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
