package debugpod

import (
	"regexp"
	"strings"
	"time"
)

// What a container's waiting state says about the collector pod's future.
// The kubelet reports why a container is not running yet in
// status.containerStatuses[].state.waiting (reason, message), and it
// retries most of these by itself: a failed pod sync is retried after
// backOffPeriod, 10 s with jitter (kubernetes/kubernetes
// pkg/kubelet/kubelet.go backOffPeriod, pkg/kubelet/pod_workers.go
// completeWork), an image pull after a back-off starting at 10 s
// (pkg/kubelet/kubelet.go imageBackOffPeriod). Failing a node on the
// first sight of a state the kubelet heals on its own reports a node as
// unscannable exactly when users re-scan: right after restarting a
// kubelet.
type waitVerdict int

const (
	// waitProgressing is a normal step or a start-up race the kubelet
	// heals: wait until the deadline (--timeout).
	waitProgressing waitVerdict = iota
	// waitRetrying is an error the kubelet retries and that may heal: wait
	// up to retryGrace, then fail naming it.
	waitRetrying
	// waitFinal cannot heal within a scan: fail now, naming the cause.
	waitFinal
)

// defaultRetryGrace is how long a retrying state may last: long enough for
// the kubelet to retry a failed sync at least twice (10-15 s each) and an
// image pull twice (10 s, then 20 s), far shorter than --timeout's default.
const defaultRetryGrace = 45 * time.Second

// Hints for the causes users can act on.
const (
	hintPull      = "the image cannot be pulled; check --image, --image-pull-secret and the node's registry access (or pre-load the image)"
	hintNeverPull = "the image is not on the node and --image-pull-policy is Never"
	hintName      = "--image is not a valid image reference"
	hintConfig    = "the container's configuration is invalid (an admission webhook may have changed the pod)"
	hintCreate    = "the container runtime cannot create the container"
	hintStart     = "the container runtime cannot start the container"
	hintCrash     = "the container keeps crashing"
	hintRetried   = "the kubelet keeps retrying it"
)

// transientConfigErrors are CreateContainerConfigError messages of
// start-up races (kubernetes/kubernetes pkg/kubelet/kubelet_pods.go
// makeEnvironmentVariables and getServiceEnvVarMap): a kubelet builds a
// pod's environment only once its informer has listed the services, which
// it does within seconds of (re)starting.
var transientConfigErrors = []string{
	"services have not yet been read at least once",
	"failed to list services when setting up env vars",
}

// permanentConfigErrors are CreateContainerConfigError messages of a pod
// spec the kubelet can never run: a ConfigMap, Secret or key it names is
// missing (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables), the
// image's user breaks runAsNonRoot
// (pkg/kubelet/kuberuntime/security_context_others.go verifyRunAsNonRoot),
// a hostname is invalid (GeneratePodHostNameAndDomain). Our pod names none
// of these; an admission webhook that rewrote it can.
// A ConfigMap or Secret the kubelet cannot yet read from its cache ("failed
// to sync configmap cache") is not among them: that one is retried.
var permanentConfigErrors = regexp.MustCompile(`(configmap|secret) "[^"]*" not found|couldn't find key|non-root|runasnonroot|is not a valid dns|cannot find the volume|nil pod\.spec\.enableservicelinks`)

// transientPullErrors mark an image pull that failed on the way to the
// registry, not on the image (a timeout, a refused or reset connection, a
// registry answering 5xx), which a later pull can get past.
var transientPullErrors = []string{
	"i/o timeout", "connection refused", "connection reset", "tls handshake timeout",
	"context deadline exceeded", "502 bad gateway", "503 service unavailable", "504 gateway timeout",
	"registryunavailable", "registry is unavailable", "temporary failure in name resolution",
}

// classifyWaiting judges a container's waiting reason and message, and
// gives the hint for an error.
func classifyWaiting(reason, message string) (waitVerdict, string) {
	msg := strings.ToLower(message)
	switch reason {
	case "", "ContainerCreating", "PodInitializing":
		return waitProgressing, ""
	case "CreateContainerConfigError":
		switch {
		case containsAny(msg, transientConfigErrors):
			return waitProgressing, ""
		case permanentConfigErrors.MatchString(msg):
			return waitFinal, hintConfig
		}
		return waitRetrying, hintConfig
	case "ErrImagePull", "ImagePullBackOff":
		// pkg/kubelet/images/image_manager.go: ImagePullBackOff's message
		// carries the last pull's error.
		if containsAny(msg, transientPullErrors) {
			return waitRetrying, hintPull
		}
		return waitFinal, hintPull
	case "RegistryUnavailable", "ImageInspectError":
		// k8s.io/cri-api pkg/errors ErrRegistryUnavailable; an inspect is
		// a runtime call the next sync repeats.
		return waitRetrying, hintPull
	case "ErrImageNeverPull":
		return waitFinal, hintNeverPull
	case "InvalidImageName":
		return waitFinal, hintName
	case "SignatureValidationFailed":
		return waitFinal, "the image's signature does not validate"
	case "CreateContainerError":
		// The runtime's CreateContainer fails transiently after a kubelet
		// or runtime restart (containerd: "failed to reserve container
		// name"; a CRI call that timed out) and permanently on a broken
		// image: give it the grace.
		return waitRetrying, hintCreate
	case "PreCreateHookError", "PreStartHookError":
		// The kubelet's resource managers (pkg/kubelet/kuberuntime
		// kuberuntime_container.go startContainer); retried with the sync.
		return waitRetrying, hintRetried
	case "RunContainerError":
		// The runtime could not start the process (a missing shell, a
		// broken mount); restartPolicy Never does not retry.
		return waitFinal, hintStart
	case "CrashLoopBackOff":
		return waitFinal, hintCrash
	}
	// A reason this version does not know: wait for the deadline rather
	// than report a node the kubelet may be about to run.
	return waitProgressing, ""
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
