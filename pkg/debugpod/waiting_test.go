package debugpod

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// The waiting reasons and messages below are the kubelet's own
// (kubernetes/kubernetes v1.34: pkg/kubelet/kubelet_pods.go,
// pkg/kubelet/images/image_manager.go, pkg/kubelet/kuberuntime/
// kuberuntime_container.go and security_context_others.go) and
// containerd's, as they reach status.containerStatuses[].state.waiting.

func TestClassifyWaiting(t *testing.T) {
	tests := []struct {
		reason, message string
		want            waitVerdict
	}{
		{"", "", waitProgressing},
		{"ContainerCreating", "", waitProgressing},
		{"PodInitializing", "", waitProgressing},
		{"CreateContainerConfigError", "services have not yet been read at least once, cannot construct envvars", waitProgressing},
		{"CreateContainerConfigError", "failed to list services when setting up env vars", waitProgressing},
		{"CreateContainerConfigError", `configmap "kube-root-ca.crt" not found`, waitFinal},
		{"CreateContainerConfigError", `secret "creds" not found`, waitFinal},
		{"CreateContainerConfigError", "couldn't find key token in Secret kubectl-harden-x/creds", waitFinal},
		{"CreateContainerConfigError", `container has runAsNonRoot and image will run as root (pod: "x_y(uid)", container: collector)`, waitFinal},
		{"CreateContainerConfigError", "failed to sync configmap cache: timed out waiting for the condition", waitRetrying},
		{"CreateContainerConfigError", "create container log directory for container collector failed: no space left on device", waitRetrying},
		{"ErrImagePull", `failed to pull and unpack image "docker.io/library/busybox:nope": failed to resolve reference "docker.io/library/busybox:nope": docker.io/library/busybox:nope: not found`, waitFinal},
		{"ErrImagePull", `failed to pull and unpack image "registry.local/busybox:1.37": failed to resolve reference: pull access denied, repository does not exist or may require authorization`, waitFinal},
		{"ErrImagePull", `failed to pull and unpack image "registry.local/busybox:1.37": failed to do request: Head "https://registry.local/v2/busybox/manifests/1.37": dial tcp 10.0.0.5:443: i/o timeout`, waitRetrying},
		{"ImagePullBackOff", `Back-off pulling image "busybox:nope": ErrImagePull: not found`, waitFinal},
		{"ImagePullBackOff", `Back-off pulling image "busybox:1.37": ErrImagePull: failed to do request: dial tcp 10.0.0.5:443: connect: connection refused`, waitRetrying},
		{"RegistryUnavailable", "image pull failed for busybox:1.37 because the registry is unavailable", waitRetrying},
		{"ImageInspectError", `Failed to inspect image "": rpc error: code = DeadlineExceeded`, waitRetrying},
		{"ErrImageNeverPull", `Container image "local/nope:0" is not present with pull policy of Never`, waitFinal},
		{"InvalidImageName", `Failed to apply default image tag "Busy Box": couldn't parse image name`, waitFinal},
		{"SignatureValidationFailed", "image pull failed for busybox because the signature validation failed", waitFinal},
		{"CreateContainerError", `failed to reserve container name "collector_kubectl-harden-w-x7k2p_...": name is reserved`, waitRetrying},
		{"CreateContainerError", "context deadline exceeded", waitRetrying},
		{"PreCreateHookError", "not enough cpus available to satisfy request", waitRetrying},
		{"PreStartHookError", "", waitRetrying},
		{"RunContainerError", `failed to create containerd task: exec: "sh": executable file not found in $PATH`, waitFinal},
		{"CrashLoopBackOff", "back-off 10s restarting failed container", waitFinal},
		{"SomethingNewInAFutureKubelet", "", waitProgressing},
	}
	names := map[waitVerdict]string{waitProgressing: "progressing", waitRetrying: "retrying", waitFinal: "final"}
	for _, tt := range tests {
		t.Run(tt.reason+"/"+tt.message, func(t *testing.T) {
			got, hint := classifyWaiting(tt.reason, tt.message)
			if got != tt.want {
				t.Errorf("classifyWaiting(%q, %q) = %s, want %s", tt.reason, tt.message, names[got], names[tt.want])
			}
			if got != waitProgressing && hint == "" {
				t.Errorf("classifyWaiting(%q, %q): no hint for an error", tt.reason, tt.message)
			}
		})
	}
}

func waitingPod(p *corev1.Pod, reason, message string) watch.Event {
	return watch.Event{Type: watch.Modified, Object: withStatus(p, corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{
		Name: ContainerName, Image: p.Spec.Containers[0].Image,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}},
	}}})}
}

// TestCollectWaitsOutTransientStates runs the collector through the states
// a kubelet reports, as a node would after a kubelet restart: states that
// heal are waited out and the collection succeeds; states that cannot heal
// fail at once; a retried state that does not heal fails after the grace,
// before --timeout; every error names the kubelet's reason and message.
func TestCollectWaitsOutTransientStates(t *testing.T) {
	const grace = 600 * time.Millisecond
	tests := []struct {
		name    string
		states  [][2]string // waiting reason and message, in order
		heals   bool        // the container then runs and succeeds
		wantErr []string
	}{
		{name: "kubelet restarted: services not yet read", heals: true, states: [][2]string{
			{"ContainerCreating", ""},
			{"CreateContainerConfigError", "services have not yet been read at least once, cannot construct envvars"},
		}},
		{name: "container name still reserved after a restart", heals: true, states: [][2]string{
			{"CreateContainerError", `failed to reserve container name "collector_x": name "collector_x" is reserved`},
		}},
		{name: "registry briefly unreachable", heals: true, states: [][2]string{
			{"ErrImagePull", "dial tcp 10.0.0.5:443: i/o timeout"},
			{"ImagePullBackOff", "Back-off pulling image: ErrImagePull: dial tcp 10.0.0.5:443: i/o timeout"},
		}},
		{name: "missing configmap fails fast", states: [][2]string{
			{"CreateContainerConfigError", `configmap "injected" not found`},
		}, wantErr: []string{"node/worker-1", "CreateContainerConfigError", `configmap "injected" not found`, "admission webhook"}},
		{name: "image not found fails fast", states: [][2]string{
			{"ErrImagePull", `failed to resolve reference "docker.io/library/busybox:nope": not found`},
		}, wantErr: []string{"ErrImagePull", "busybox:nope", "--image-pull-secret"}},
		{name: "image not on the node with Never", states: [][2]string{
			{"ErrImageNeverPull", `Container image "local/nope:0" is not present with pull policy of Never`},
		}, wantErr: []string{"ErrImageNeverPull", "--image-pull-policy is Never"}},
		{name: "retried error that never heals fails after the grace", states: [][2]string{
			{"CreateContainerError", "failed to mount: permission denied"},
		}, wantErr: []string{"CreateContainerError", "failed to mount: permission denied", "although the kubelet retried it", "for 600ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCluster(t)
			fc.stepDelay = 200 * time.Millisecond
			fc.script = func(_ string, p *corev1.Pod) []watch.Event {
				var evs []watch.Event
				for _, s := range tt.states {
					evs = append(evs, waitingPod(p, s[0], s[1]))
				}
				if tt.heals {
					evs = append(evs, running(p), succeeded(p))
				}
				return evs
			}
			r := newTestRunner(t, fc, Options{Timeout: 30 * time.Second}, map[string]string{"worker-1": goodOutput})
			r.retryGrace = grace
			ctx := context.Background()
			if err := r.Prepare(ctx); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err := r.Collect(ctx, "worker-1")
			took := time.Since(start)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Collect: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Collect succeeded, want an error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "did not finish within --timeout") {
				t.Errorf("waited for --timeout (%s): %v", took, err)
			}
			if left := fc.podsLeft(t); len(left) > 0 {
				t.Errorf("pods left behind: %v", left)
			}
		})
	}
}

// TestCollectErrorsBoundNodeText: what the node's kubelet writes into the
// pod's status and what the collector logs reach the error bounded and
// inert, however long and whatever bytes they hold.
func TestCollectErrorsBoundNodeText(t *testing.T) {
	hostile := "\x1b]0;owned\x07\x1b[2J" + strings.Repeat("A", 1<<20) + "\u202e\xff"
	tests := []struct {
		name   string
		script func(p *corev1.Pod) []watch.Event
		logs   string
	}{
		{"waiting message", func(p *corev1.Pod) []watch.Event {
			return []watch.Event{waitingPod(p, "ErrImagePull", hostile)}
		}, ""},
		{"status message and log tail", func(p *corev1.Pod) []watch.Event {
			return []watch.Event{{Type: watch.Modified, Object: withStatus(p, corev1.PodStatus{Phase: corev1.PodFailed, Reason: hostile, Message: hostile,
				ContainerStatuses: []corev1.ContainerStatus{{Name: ContainerName, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: hostile}}}}})}}
		}, hostile + "\n" + hostile + "\n" + hostile + "\n"},
		{"unparseable output", func(p *corev1.Pod) []watch.Event { return []watch.Event{succeeded(p)} }, "#kubectl-harden-evidence v1\n" + hostile[:2000] + " x\n#end 1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCluster(t)
			fc.script = func(_ string, p *corev1.Pod) []watch.Event { return tt.script(p) }
			r := newTestRunner(t, fc, Options{}, map[string]string{"worker-1": tt.logs})
			if err := r.Prepare(context.Background()); err != nil {
				t.Fatal(err)
			}
			_, err := r.Collect(context.Background(), "worker-1")
			if err == nil {
				t.Fatal("Collect succeeded, want an error")
			}
			msg := err.Error()
			if len(msg) > 8<<10 {
				t.Errorf("error of %d bytes", len(msg))
			}
			if i := strings.IndexAny(msg, "\x1b\x07\n\u202e"); i >= 0 || !utf8.ValidString(msg) {
				t.Errorf("error holds raw node text at %d: %q", i, msg[:min(len(msg), 300)])
			}
		})
	}
}

// FuzzPodStatus feeds what a node's kubelet writes into the collector
// pod's status (waiting reason and message, image, pod reason and message)
// to the runner's judgement: whatever it is, the verdict is one of the
// three, and every error or description made of it is bounded and inert.
func FuzzPodStatus(f *testing.F) {
	f.Add("CreateContainerConfigError", "services have not yet been read at least once, cannot construct envvars", "busybox", "", "")
	f.Add("ErrImagePull", "failed to resolve reference: not found", "docker.io/library/busybox:nope", "", "")
	f.Add("ImagePullBackOff", "Back-off pulling image: dial tcp: i/o timeout", "x", "Evicted", "\x1b[2J")
	f.Add("CreateContainerConfigError", `configmap "x" not found`, "\u202e", "", "\xff")
	f.Fuzz(func(t *testing.T, reason, message, image, podReason, podMessage string) {
		if len(reason)+len(message)+len(image)+len(podReason)+len(podMessage) > 4096 {
			return // longer text only repeats what is clipped
		}
		verdict, hint := classifyWaiting(reason, message)
		if verdict != waitProgressing && verdict != waitRetrying && verdict != waitFinal || verdict != waitProgressing && hint == "" {
			t.Fatalf("classifyWaiting(%q, %q) = %d, %q", reason, message, verdict, hint)
		}
		p := &corev1.Pod{}
		p.Name = "kubectl-harden-n-x7k2p"
		p.Status = corev1.PodStatus{Phase: corev1.PodPending, Reason: podReason, Message: podMessage, ContainerStatuses: []corev1.ContainerStatus{{
			Name: ContainerName, Image: image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}},
		}}}
		pc := evaluate("n", p)
		texts := []string{describePod(p)}
		for _, err := range []error{pc.err, pc.retrying} {
			if err != nil {
				texts = append(texts, err.Error())
			}
		}
		for _, s := range texts {
			if len(s) > 4<<10 {
				t.Errorf("%d bytes: %.80q", len(s), s)
			}
			if strings.ContainsAny(s, "\x1b\x07\n\r\u202e") || !utf8.ValidString(s) {
				t.Errorf("raw node text in %q", s)
			}
		}
	})
}

// TestCollectTimeoutNamesTheWaitingState: a start-up state that does not
// heal is waited for until --timeout, and the error then names the
// kubelet's reason and message.
func TestCollectTimeoutNamesTheWaitingState(t *testing.T) {
	fc := newFakeCluster(t)
	fc.script = func(_ string, p *corev1.Pod) []watch.Event {
		return []watch.Event{waitingPod(p, "CreateContainerConfigError", "services have not yet been read at least once, cannot construct envvars")}
	}
	r := newTestRunner(t, fc, Options{}, nil)
	r.opts.Timeout = time.Second
	if err := r.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := r.Collect(context.Background(), "worker-1")
	for _, w := range []string{"did not finish within --timeout 1s", "CreateContainerConfigError", "services have not yet been read"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v does not contain %q", err, w)
		}
	}
}
