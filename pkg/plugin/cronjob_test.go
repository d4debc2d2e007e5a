package plugin

import (
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
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

// TestCronJobLeastPrivilege checks the roles grant exactly what README
// "Permissions needed" lists for the command, and nothing that writes
// outside the namespace.
func TestCronJobLeastPrivilege(t *testing.T) {
	rules := func(command string, configMap bool) (cluster, ns []rbacv1.PolicyRule) {
		o := &CronJobOptions{Image: "i", Command: command, Schedule: "@daily", Name: "kh", namespace: "kh", PVC: "p"}
		if configMap {
			o.PVC, o.ConfigMap = "", "cm"
		}
		for _, obj := range o.Objects() {
			switch r := obj.(type) {
			case *rbacv1.ClusterRole:
				cluster = r.Rules
			case *rbacv1.Role:
				ns = r.Rules
			}
		}
		return cluster, ns
	}
	flat := func(rs []rbacv1.PolicyRule) map[string]bool {
		m := map[string]bool{}
		for _, r := range rs {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					k := v + " " + res
					if len(r.ResourceNames) > 0 {
						k += "/" + strings.Join(r.ResourceNames, ",")
					}
					m[k] = true
				}
			}
		}
		return m
	}
	cluster, ns := rules("rbac", false)
	want := map[string]bool{"list roles": true, "list clusterroles": true, "list rolebindings": true, "list clusterrolebindings": true, "list serviceaccounts": true, "list pods": true, "list namespaces": true, "list secrets": true}
	if got := flat(cluster); !mapsEqual(got, want) {
		t.Errorf("rbac cluster rules %v, want %v", got, want)
	}
	if len(ns) != 0 {
		t.Errorf("rbac needs no namespaced rule: %v", ns)
	}
	cluster, ns = rules("scan nodes", false)
	if got := flat(cluster); !mapsEqual(got, map[string]bool{"get nodes": true, "list nodes": true, "get namespaces/kh": true}) {
		t.Errorf("scan cluster rules %v", got)
	}
	if got := flat(ns); !mapsEqual(got, map[string]bool{"create pods": true, "get pods": true, "watch pods": true, "delete pods": true, "get pods/log": true}) {
		t.Errorf("scan namespace rules %v", got)
	}
	_, ns = rules("rbac", true)
	if got := flat(ns); !mapsEqual(got, map[string]bool{"get configmaps/cm": true, "patch configmaps/cm": true, "update configmaps/cm": true, "create configmaps": true}) {
		t.Errorf("configmap rules %v", got)
	}
	for _, command := range cronjobCommands {
		cluster, _ := rules(command, false)
		for k := range flat(cluster) {
			if v, _, _ := strings.Cut(k, " "); v != "get" && v != "list" {
				t.Errorf("%s: cluster-wide %q is more than reading", command, k)
			}
		}
	}
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
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
		{[]string{"cronjob", "--image", "i", "--pvc", "p", "--schedule", "daily", "--dry-run=client"}, "--schedule \"daily\" is not a cron schedule"},
		{[]string{"cronjob", "--image", "i", "--pvc", "p", "--dry-run=client", "-o", "wide"}, "--output \"wide\" is not supported: use one of yaml, json"},
	} {
		if out, errOut, code := run(t, tc.args...); code != ExitError || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q, want %q", tc.args, code, out, errOut, tc.want)
		}
	}
}
