//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestFaults runs scans that go wrong and wants, each time, a clear message on
// stderr, the documented exit code and no object of kubectl harden left behind.
func TestFaults(t *testing.T) {
	t.Run("SIGINT during a scan", func(t *testing.T) {
		s, pod := startScanUntilPod(t, "node/"+cluster.worker, "--timeout", "2m")
		cmd, stderr := s.cmd, s.stderr
		start := time.Now()
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatalf("SIGINT: %v", err)
		}
		err := s.wait(t, 90*time.Second)
		t.Logf("exited %s after SIGINT (pod %s/%s was %s): %v; stderr: %s", time.Since(start).Round(time.Millisecond), pod.Namespace, pod.Name, pod.Status.Phase, err, strings.TrimSpace(stderr.String()))
		if signalled(cmd) {
			t.Errorf("killed by SIGINT without handling it (no cleanup can have run)")
		} else if code := exitCode(err); code != 130 {
			t.Errorf("exit %d after SIGINT, want 130 as documented (README, Exit codes)", code)
		}
		expectStderr(t, stderr.String(), `(?i)interrupt`)
		assertNoLeftovers(t, 90*time.Second)
	})

	t.Run("SIGKILL during a scan then cleanup", func(t *testing.T) {
		s, pod := startScanUntilPod(t, "node/"+cluster.worker, "--timeout", "30s")
		if err := s.cmd.Process.Kill(); err != nil {
			t.Fatalf("SIGKILL: %v", err)
		}
		_ = s.wait(t, 30*time.Second)
		killedAt := time.Now()
		deadline := pod.Spec.ActiveDeadlineSeconds
		if deadline == nil {
			t.Errorf("pod %s/%s has no activeDeadlineSeconds: it can outlive a killed client", pod.Namespace, pod.Name)
		} else {
			t.Logf("pod %s/%s activeDeadlineSeconds=%d", pod.Namespace, pod.Name, *deadline)
			if *deadline > 300 {
				t.Errorf("activeDeadlineSeconds=%d with --timeout 30s, want a bound close to the timeout", *deadline)
			}
			limit := time.Duration(*deadline)*time.Second + 60*time.Second
			stopped := eventually(limit, 2*time.Second, func() bool {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				p, err := cluster.client.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
				if apierrors.IsNotFound(err) {
					return true
				}
				return err == nil && (p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed)
			})
			if !stopped {
				t.Errorf("pod %s/%s still running %s after the client was killed", pod.Namespace, pod.Name, limit)
			} else {
				t.Logf("pod %s/%s stopped %s after the client was killed", pod.Namespace, pod.Name, time.Since(killedAt).Round(time.Second))
			}
		}
		left, _ := leftovers()
		t.Logf("left before `kubectl harden cleanup`: %q", left)
		r := harden(t, 3*time.Minute, "cleanup")
		if r.exit != 0 {
			t.Errorf("cleanup failed:\n%s", r)
		}
		assertNoLeftovers(t, 90*time.Second)
		r = harden(t, 2*time.Minute, "cleanup")
		if r.exit != 0 {
			t.Errorf("cleanup with nothing to clean must succeed:\n%s", r)
		}
	})

	t.Run("node that does not exist", func(t *testing.T) {
		r := harden(t, 2*time.Minute, "scan", "node/e2e-no-such-node")
		if r.exit != 1 {
			t.Errorf("want exit 1:\n%s", r)
		}
		expectStderr(t, r.stderr, `node/e2e-no-such-node`)
		assertNoLeftovers(t, 60*time.Second)
	})

	t.Run("image that cannot be pulled", func(t *testing.T) {
		r := harden(t, 3*time.Minute, "scan", "node/"+cluster.worker, "--image", "local/does-not-exist:0",
			"--image-pull-policy", "Never", "--timeout", "90s", "-o", "json")
		if r.exit != 1 {
			t.Errorf("want exit 1:\n%s", r)
		}
		rep := decodeReport(t, r)
		tg := target(t, rep, cluster.worker)
		if tg.Summary.Error == 0 || tg.Summary.Error != tg.Summary.Total {
			t.Errorf("want every result ERROR, got %+v", tg.Summary)
		}
		why := tg.Error + " " + errorReasons(*tg)
		if !regexp.MustCompile(`(?i)does-not-exist|ErrImageNeverPull|image`).MatchString(why) {
			t.Errorf("the reason does not name the image problem: %q", why)
		}
		t.Logf("target error: %s", tg.Error)
		assertNoLeftovers(t, 90*time.Second)
	})

	t.Run("namespace enforcing restricted PodSecurity", func(t *testing.T) {
		const ns = "harden-e2e-restricted"
		freshNamespace(t, ns, "restricted")
		ctx := context.Background()

		r := harden(t, 2*time.Minute, "scan", "node/"+cluster.worker, "-n", ns)
		if r.exit != 1 {
			t.Errorf("want exit 1:\n%s", r)
		}
		expectStderr(t, r.stderr, `pod-security\.kubernetes\.io/enforce`)
		expectStderr(t, r.stderr, `privileged`)
		pods, err := cluster.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil || len(pods.Items) != 0 {
			t.Errorf("pods in %s after a refused scan: %v (err %v)", ns, pods, err)
		}
		got, err := cluster.client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err != nil || got.DeletionTimestamp != nil {
			t.Errorf("the user's namespace %s must never be deleted: %v %v", ns, err, got)
		}
		assertNoLeftovers(t, 30*time.Second)
	})

	t.Run("user without permission to create pods", func(t *testing.T) {
		r := harden(t, 2*time.Minute, "scan", "node/"+cluster.worker, "--as", "system:serviceaccount:default:nobody")
		if r.exit != 1 {
			t.Errorf("want exit 1:\n%s", r)
		}
		expectStderr(t, r.stderr, `(?i)forbidden|not allowed|permission`)
		assertNoLeftovers(t, 60*time.Second)
	})

	t.Run("timeout below the minimum", func(t *testing.T) {
		r := harden(t, time.Minute, "scan", "node/"+cluster.worker, "--timeout", "1s")
		if r.exit != 1 {
			t.Errorf("want exit 1:\n%s", r)
		}
		expectStderr(t, r.stderr, `--timeout`)
		assertNoLeftovers(t, 10*time.Second)
	})

	t.Run("per-node timeout on a frozen node", func(t *testing.T) {
		// A node whose kubelet and container runtime are frozen (docker
		// pause) still looks Ready to the API for ~40s, but its pod never
		// starts: the scan must give up after --timeout with ERROR results.
		node := cluster.worker
		if out, err := exec.Command(cluster.docker, "pause", node).CombinedOutput(); err != nil {
			t.Fatalf("docker pause %s: %v\n%s", node, err, out)
		}
		paused := time.Now()
		unpause := func() {
			state, _ := exec.Command(cluster.docker, "inspect", "-f", "{{.State.Paused}}", node).Output()
			if strings.TrimSpace(string(state)) != "true" {
				return
			}
			if out, err := exec.Command(cluster.docker, "unpause", node).CombinedOutput(); err != nil {
				t.Errorf("docker unpause %s: %v\n%s", node, err, out)
			}
		}
		t.Cleanup(func() {
			unpause()
			waitNodeReady(t, node, paused)
		})
		r := harden(t, 2*time.Minute, "scan", "node/"+node, "--timeout", "10s", "-o", "json")
		unpause()
		if r.exit != 1 {
			t.Errorf("want exit 1:\n%s", r)
		}
		if r.took > 60*time.Second {
			t.Errorf("the scan took %s with --timeout 10s", r.took)
		}
		rep := decodeReport(t, r)
		tg := target(t, rep, node)
		if tg.Summary.Error == 0 {
			t.Errorf("want ERROR results after the timeout, got %+v", tg.Summary)
		}
		why := tg.Error + " " + errorReasons(*tg)
		if !regexp.MustCompile(`(?i)time(d)? ?out|deadline|10s`).MatchString(why) {
			t.Errorf("the reason does not say the node timed out: %q", why)
		}
		t.Logf("target error: %s", tg.Error)
		for _, res := range tg.Results {
			if res.Status == report.StatusPass {
				t.Errorf("a timed-out node must not PASS anything: %s", describe(&res))
				break
			}
		}
		// the pod can only go once the node's kubelet runs again
		assertNoLeftovers(t, 3*time.Minute)
	})
}

func expectStderr(t *testing.T, stderr, pattern string) {
	t.Helper()
	if !regexp.MustCompile(pattern).MatchString(stderr) {
		t.Errorf("stderr does not match %q:\n%s", pattern, stderr)
	}
}

// runningScan is a scan started in the background.
type runningScan struct {
	cmd    *exec.Cmd
	done   chan error
	stderr *bytes.Buffer
}

// wait waits for the scan to exit, killing it after timeout.
func (s *runningScan) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(timeout):
		_ = s.cmd.Process.Kill()
		t.Errorf("the scan did not exit within %s", timeout)
		return <-s.done
	}
}

// startScanUntilPod starts `kubectl harden scan ARGS` and returns as soon as
// a debug pod of it exists. (The collector needs well under a second once
// its container starts, so the kubelet may report the pod Succeeded without
// ever reporting it Running: waiting for Running would race with the scan's
// end.) It retries when the scan finishes before that.
func startScanUntilPod(t *testing.T, args ...string) (*runningScan, *corev1.Pod) {
	t.Helper()
	for attempt := 1; attempt <= 3; attempt++ {
		s, pod := tryStartScan(t, args)
		if pod != nil {
			return s, pod
		}
		t.Logf("attempt %d: the scan finished before its pod was seen:\n%s", attempt, s.stderr)
	}
	t.Fatalf("the scan finished three times before its pod could be seen")
	return nil, nil
}

func tryStartScan(t *testing.T, args []string) (*runningScan, *corev1.Pod) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, err := cluster.client.CoreV1().Pods("").Watch(ctx, metav1.ListOptions{LabelSelector: managedBy})
	if err != nil {
		t.Fatalf("watching pods: %v", err)
	}
	defer w.Stop()
	cmd := hardenCmd(context.Background(), append([]string{"scan"}, args...)...)
	s := &runningScan{cmd: cmd, done: make(chan error, 1), stderr: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = io.Discard, s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- cmd.Wait() }()
	start := time.Now()
	for {
		select {
		case err := <-s.done:
			s.done <- err // for wait
			return s, nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				_ = cmd.Process.Kill()
				t.Fatalf("the pod watch ended after %s without a debug pod", time.Since(start).Round(time.Millisecond))
			}
			if p, isPod := ev.Object.(*corev1.Pod); isPod && (ev.Type == watch.Added || ev.Type == watch.Modified) {
				t.Logf("pod %s/%s %s %s after the scan started", p.Namespace, p.Name, p.Status.Phase, time.Since(start).Round(time.Millisecond))
				return s, p
			}
		}
	}
}
