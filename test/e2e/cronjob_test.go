//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/cronjob"
	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// cronImage is the job image the test builds: the binary under test on
// the offline debug image's busybox (any base would do: the job runs the
// plugin alone).
const cronImage = "kubectl-harden:e2e"

// TestCronJob applies the printed manifests of every --command on the kind
// cluster, starts a job from each CronJob as a user would
// (kubectl create job --from=cronjob/...), and reads the report from the
// ConfigMap: it parses, has results from every part, and no ERROR; all and
// workloads see a workload in another namespace. Then a run that fails
// (its ClusterRoleBinding removed) fails its Job and leaves the last good
// report in place.
func TestCronJob(t *testing.T) {
	// Parallel, and so are its commands: each has a namespace, a
	// CronJob and a ClusterRoleBinding of its own, and the probe pod is only
	// read; what the reports must hold (every part, no ERROR, the probe in
	// 5.2.2) holds whatever else runs.
	t.Parallel()
	buildCronImage(t)
	probeNS := "harden-cj-probe"
	kubectl(t, "create", "namespace", probeNS)
	t.Cleanup(func() { _, _ = kubectlOut(context.Background(), "delete", "namespace", probeNS, "--wait=false") })
	// A privileged pod in a namespace of its own: workloads must see it
	// from the CronJob's namespace (5.2.2 FAIL naming it).
	kubectl(t, "label", "namespace", probeNS, "pod-security.kubernetes.io/enforce=privileged")
	kubectl(t, "run", "harden-probe", "-n", probeNS, "--image", debugImage(), "--image-pull-policy", "IfNotPresent",
		"--overrides", `{"spec":{"containers":[{"name":"harden-probe","image":"`+debugImage()+`","imagePullPolicy":"IfNotPresent","command":["sleep","3600"],"securityContext":{"privileged":true}}]}}`)
	// The subtests are parallel: they run after this function returns, and
	// a cleanup registered now runs after them (and before the probe
	// namespace's).
	t.Cleanup(func() { assertNoLeftovers(t, 2*time.Minute) })

	for i, command := range cronjob.Commands {
		t.Run(strings.ReplaceAll(command, " ", "-"), func(t *testing.T) {
			t.Parallel()
			ns := fmt.Sprintf("harden-cj-%d", i)
			name := fmt.Sprintf("harden-cj-%d", i)
			manifests := applyCronJob(t, "--image", cronImage, "--command", command, "--configmap", "harden-report",
				"--name", name, "-n", ns, "--debug-image", debugImage(), "--debug-image-pull-policy", "IfNotPresent")
			t.Cleanup(func() {
				_, _ = kubectlOut(context.Background(), "delete", "-f", manifests, "--wait=false", "--ignore-not-found")
			})

			job := runJob(t, ns, name, "run-1")
			if !job.ok {
				t.Fatalf("job %s/run-1 failed:\n%s", ns, job.logs)
			}
			rep, generated := readConfigMapReport(t, ns, "harden-report")
			checkCronReport(t, command, rep, probeNS)
			t.Logf("%s: %s; job log:\n%s", command, summaryLine(rep), job.logs)

			// A failed run: no RBAC left for the cluster-wide reads.
			kubectl(t, "delete", "clusterrolebinding", name)
			failed := runJob(t, ns, name, "run-2")
			if failed.ok {
				t.Errorf("run-2 without its ClusterRoleBinding succeeded:\n%s", failed.logs)
			}
			if !strings.Contains(failed.logs, "no report was written") && !strings.Contains(failed.logs, "needs permission") {
				t.Errorf("run-2's log does not say why nothing was written:\n%s", failed.logs)
			}
			jobs := kubectl(t, "get", "jobs", "-n", ns)
			if !strings.Contains(jobs, "run-2") || !strings.Contains(jobs, "Failed") {
				t.Errorf("kubectl get jobs does not show the failed run:\n%s", jobs)
			}
			if _, again := readConfigMapReport(t, ns, "harden-report"); again != generated {
				t.Errorf("the failed run replaced the last good report (generated %s, now %s)", generated, again)
			}
		})
	}
}

// debugImage is the image of the debug pods, and the base of the job image:
// HARDEN_DEBUG_IMAGE (set on machines without a registry), else the plugin's
// default, the busybox pinned by digest.
func debugImage() string { return envOr("HARDEN_DEBUG_IMAGE", debugpod.DefaultImage) }

// cronImageBuild builds the job image once for the tests that use it (they
// run in parallel: two builds and loads of one tag at once would race).
var cronImageBuild struct {
	once sync.Once
	err  error
}

// buildCronImage builds the job image from the Dockerfile with the binary
// under test and loads it into the kind nodes, once per test binary.
func buildCronImage(t *testing.T) {
	t.Helper()
	cronImageBuild.once.Do(func() { cronImageBuild.err = buildCronImageOnce() })
	if cronImageBuild.err != nil {
		t.Fatal(cronImageBuild.err)
	}
}

func buildCronImageOnce() error {
	dir, err := os.MkdirTemp("", "harden-e2e-cronimage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := os.ReadFile(filepath.Join(cluster.binDir, "kubectl-harden"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "kubectl-harden"), bin, 0o755); err != nil {
		return err
	}
	df, err := os.ReadFile(filepath.Join(cluster.repoRoot, "Dockerfile"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), df, 0o644); err != nil {
		return err
	}
	if out, err := exec.Command(cluster.docker, "build", "-q", "-t", cronImage, "--build-arg", "BASE="+debugImage(), dir).CombinedOutput(); err != nil {
		return fmt.Errorf("docker build: %v\n%s", err, out)
	}
	kind, err := exec.LookPath("kind")
	if err != nil {
		kind = filepath.Join(envOr("KINDLAB_CACHE", "/var/cache/kindlab"), "bin", "kind")
	}
	if out, err := exec.Command(kind, "load", "docker-image", cronImage, "--name", cluster.name).CombinedOutput(); err != nil {
		return fmt.Errorf("kind load docker-image %s: %v\n%s", cronImage, err, out)
	}
	return nil
}

type jobRun struct {
	ok   bool
	logs string
}

// runJob starts a Job from the CronJob and waits for it to complete or fail.
func runJob(t *testing.T, ns, cron, job string) jobRun {
	t.Helper()
	// The job's scan creates pods of kubectl harden.
	defer busy(t)()
	kubectl(t, "create", "job", "-n", ns, "--from=cronjob/"+cron, job)
	var ok, done bool
	if !eventually(8*time.Minute, 500*time.Millisecond, func() bool {
		j, err := cluster.client.BatchV1().Jobs(ns).Get(context.Background(), job, metav1.GetOptions{})
		if err != nil {
			return false
		}
		for _, c := range j.Status.Conditions {
			if c.Status != corev1.ConditionTrue {
				continue
			}
			switch c.Type {
			case "Complete":
				ok, done = true, true
			case "Failed":
				done = true
			}
		}
		return done
	}) {
		logs, _ := kubectlOut(context.Background(), "logs", "-n", ns, "job/"+job)
		t.Fatalf("job %s/%s did not finish in 8 minutes:\n%s", ns, job, logs)
	}
	logs, _ := kubectlOut(context.Background(), "logs", "-n", ns, "job/"+job)
	return jobRun{ok: ok, logs: logs}
}

// readConfigMapReport reads and decodes the report of a ConfigMap, and
// returns it with its generation time.
func readConfigMapReport(t *testing.T, ns, name string) (*report.Report, string) {
	t.Helper()
	cm, err := cluster.client.CoreV1().ConfigMaps(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("configmap %s/%s: %v", ns, name, err)
	}
	data, ok := cm.Data[cronjob.ConfigMapKey]
	if !ok {
		t.Fatalf("configmap %s/%s has no %s (keys %v, binary %d)", ns, name, cronjob.ConfigMapKey, cm.Data, len(cm.BinaryData))
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(data), &rep); err != nil {
		t.Fatalf("configmap %s/%s: not a JSON report: %v", ns, name, err)
	}
	return &rep, cm.Annotations["harden.kubectl.io/generated"]
}

// checkCronReport checks a scheduled report has every part of its command,
// complete.
func checkCronReport(t *testing.T, command string, rep *report.Report, probeNS string) {
	t.Helper()
	want := map[string][]string{
		"all":        {cluster.cp, cluster.worker, report.ClusterTargetName, "workloads"},
		"scan nodes": {cluster.cp, cluster.worker},
		"rbac":       {report.ClusterTargetName},
		"workloads":  {"workloads"},
	}[command]
	var names []string
	for _, tg := range rep.Targets {
		names = append(names, tg.Name)
		if tg.Error != "" || tg.Summary.Error > 0 || len(tg.Results) == 0 {
			t.Errorf("%s: target %s: error %q, %d results, ERROR: %s", command, tg.Name, tg.Error, len(tg.Results), errorReasons(tg))
		}
	}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("%s: targets %v, want %v", command, names, want)
	}
	if command == "all" || command == "workloads" {
		tg := target(t, rep, "workloads")
		if res := result(t, tg, "5.2.2"); !strings.Contains(describe(res), probeNS) {
			t.Errorf("%s: the privileged pod in namespace %s is not in 5.2.2: %s", command, probeNS, describe(res))
		}
	}
}

func summaryLine(rep *report.Report) string {
	s := rep.Summary
	return fmt.Sprintf("%s, %d targets: %d PASS, %d FAIL, %d WARN, %d INFO, %d N/A, %d ERROR", rep.Kind, len(rep.Targets), s.Pass, s.Fail, s.Warn, s.Info, s.NA, s.Error)
}

// TestCronJobPVC runs the CronJob with --pvc. kind's StorageClass has no
// provisioner, so the claim binds a static local PersistentVolume on the
// worker (the way a cluster without dynamic provisioning offers one); the
// reports are then read from the node's directory. A failed run adds no
// file and leaves no temporary file.
func TestCronJobPVC(t *testing.T) {
	// Parallel: its namespace, PersistentVolume, CronJob and binding are
	// its own, and its node directory is read by no scan.
	t.Parallel()
	buildCronImage(t)
	const (
		ns, name, pvc = "harden-cj-pvc", "harden-cj-pvc", "harden-reports"
		dir           = "/var/tmp/harden-e2e-reports"
		class         = "harden-e2e-static"
	)
	nodeExec(t, cluster.worker, "rm -rf "+dir+" && mkdir -p "+dir+" && chmod 0777 "+dir)
	pv := fmt.Sprintf(`apiVersion: v1
kind: PersistentVolume
metadata: {name: %[1]s}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: %[2]s
  local: {path: %[3]s}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: kubernetes.io/hostname, operator: In, values: [%[4]s]}
---
apiVersion: v1
kind: Namespace
metadata: {name: %[5]s}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: %[6]s, namespace: %[5]s}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: %[2]s
  volumeName: %[1]s
  resources: {requests: {storage: 1Gi}}
`, name, class, dir, cluster.worker, ns, pvc)
	storage := filepath.Join(t.TempDir(), "storage.yaml")
	testutil.WriteFile(t, storage, pv)
	kubectl(t, "apply", "-f", storage)
	t.Cleanup(func() {
		ctx := context.Background()
		_, _ = kubectlOut(ctx, "delete", "namespace", ns, "--wait=true", "--timeout=60s")
		_, _ = kubectlOut(ctx, "delete", "pv", name, "--ignore-not-found")
		_, _ = nodeExecErr(cluster.worker, "rm -rf "+dir, nil)
	})
	applyCronJob(t, "--image", cronImage, "--command", "rbac", "--pvc", pvc, "--name", name, "-n", ns)
	t.Cleanup(func() {
		_, _ = kubectlOut(context.Background(), "delete", "clusterrole,clusterrolebinding", name, "--ignore-not-found")
	})

	if job := runJob(t, ns, name, "run-1"); !job.ok {
		t.Fatalf("job %s/run-1 failed:\n%s", ns, job.logs)
	}
	files := strings.Fields(nodeExec(t, cluster.worker, "ls -A "+dir))
	if len(files) != 1 || !strings.HasPrefix(files[0], "report-") || !strings.HasSuffix(files[0], ".json") {
		t.Fatalf("files on the volume: %v, want one report-*.json", files)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(nodeExec(t, cluster.worker, "cat "+dir+"/"+files[0])), &rep); err != nil {
		t.Fatalf("%s: not a JSON report: %v", files[0], err)
	}
	checkCronReport(t, "rbac", &rep, "")
	t.Logf("pvc: %s: %s", files[0], summaryLine(&rep))

	kubectl(t, "delete", "clusterrolebinding", name)
	if job := runJob(t, ns, name, "run-2"); job.ok {
		t.Errorf("run-2 without its ClusterRoleBinding succeeded:\n%s", job.logs)
	}
	if after := strings.Fields(nodeExec(t, cluster.worker, "ls -A "+dir)); strings.Join(after, ",") != files[0] {
		t.Errorf("after a failed run the volume holds %v, want only %s", after, files[0])
	}
}

// applyCronJob prints the manifests of `cronjob` with args and applies
// them; it returns the manifests' file, for the caller's cleanup.
func applyCronJob(t *testing.T, args ...string) string {
	t.Helper()
	r := harden(t, time.Minute, append(append([]string{"cronjob"}, args...), "--dry-run=client", "-o", "yaml")...)
	if r.exit != 0 {
		t.Fatalf("cronjob:\n%s", r)
	}
	manifests := filepath.Join(t.TempDir(), "cronjob.yaml")
	testutil.WriteFile(t, manifests, r.stdout)
	kubectl(t, "apply", "-f", manifests)
	return manifests
}
