package plugin

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func TestCronJobGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"cronjob-all-pvc.yaml.golden", []string{"--image", "registry.example.com/kubectl-harden:v0.1.0", "--pvc", "harden-reports"}},
		{"cronjob-rbac-configmap.yaml.golden", []string{"--image", "img", "--command", "rbac", "--schedule", "0 6 * * 1", "--configmap", "harden-report", "-n", "security"}},
		{"cronjob-all-exceptions.yaml.golden", []string{"--image", "img", "--configmap", "harden-report", "--exceptions-configmap", "harden-exceptions"}},
		{"cronjob-scan-pvc.yaml.golden", []string{"--image", "img", "--command", "scan nodes", "--schedule", "@daily", "--pvc", "r", "--name", "nightly"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			out, errOut, code := run(t, append([]string{"cronjob", "--dry-run=client", "-o", "yaml"}, tc.args...)...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden(t, tc.golden, []byte(out))
			var list unstructured.Unstructured
			if err := yaml.Unmarshal([]byte(out), &list.Object); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCronJobErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cronjob", "--image", "i", "--pvc", "p"}, "--dry-run=client is required: cronjob only prints manifests and never applies them"},
		{[]string{"cronjob", "--image", "i", "--pvc", "p", "--dry-run=server"}, "--dry-run=client is required"},
		{[]string{"cronjob", "--pvc", "p", "--dry-run=client"}, "--image is required"},
		{[]string{"cronjob", "--image", "i", "--dry-run=client"}, "exactly one of --pvc or --configmap"},
		{[]string{"cronjob", "--image", "i", "--pvc", "p", "--configmap", "c", "--dry-run=client"}, "exactly one of --pvc or --configmap"},
		{[]string{"cronjob", "--image", "i", "--pvc", "p", "--command", "cleanup", "--dry-run=client"}, "--command \"cleanup\" is not supported"},
		{[]string{"cronjob", "--image", "i", "--pvc", "Bad_Name", "--dry-run=client"}, "--pvc \"Bad_Name\" is not a valid name"},
		{[]string{"cronjob", "--image", "i", "--configmap", "c", "--exceptions-configmap", "c", "--dry-run=client"}, "--exceptions-configmap must not be the --configmap"},
		{[]string{"cronjob", "--image", "i", "--pvc", "p", "--exceptions-configmap", "Bad_Name", "--dry-run=client"}, "--exceptions-configmap \"Bad_Name\" is not a valid name"},
		{[]string{"cronjob", "--image", "i", "--pvc", "p", "--schedule", "daily", "--dry-run=client"}, "--schedule \"daily\" is not a cron schedule"},
		{[]string{"cronjob", "--image", "i", "--pvc", "p", "--dry-run=client", "-o", "wide"}, "--output \"wide\" is not supported: use one of yaml, json"},
	} {
		if out, errOut, code := run(t, tc.args...); code != ExitError || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q, want %q", tc.args, code, out, errOut, tc.want)
		}
	}
}
