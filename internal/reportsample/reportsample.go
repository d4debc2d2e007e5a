// Package reportsample holds the small report the printers' tests share:
// every status, evidence from files, flags and objects, and one node that
// could not be scanned.
package reportsample

import (
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// Report is a node report with every status, evidence from files and
// flags, and one node that could not be scanned.
func Report() *report.Report {
	r := report.NewReport(report.KindNodeScan, report.Metadata{
		Context: "kind-demo", Server: "https://127.0.0.1:6443", ServerVersion: "v1.34.4",
		Benchmark: report.BenchmarkCIS112, BenchmarkReason: "server v1.34 maps to cis-1.12",
		Generated: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), ToolVersion: "v0.1.0", Source: "cluster",
	})
	manifest := report.Control{ID: "1.1.1", Title: "API server pod manifest is mode 600 or stricter", Section: "1.1", SectionTitle: "Control Plane Node Configuration Files", Benchmark: report.BenchmarkCIS112, Level: 1, Role: report.RoleControlPlane, Automated: true, Remediation: "chmod 600 /etc/kubernetes/manifests/kube-apiserver.yaml"}
	profiling := report.Control{ID: "1.2.15", Title: "API server profiling is disabled", Section: "1.2", SectionTitle: "API Server", Benchmark: report.BenchmarkCIS112, Level: 1, Role: report.RoleControlPlane, Automated: true, Remediation: "Set --profiling=false in the kube-apiserver manifest."}
	timeout := report.Control{ID: "1.2.20", Title: "API server request timeout is appropriate", Section: "1.2", SectionTitle: "API Server", Benchmark: report.BenchmarkCIS112, Level: 1, Role: report.RoleControlPlane, Remediation: "Review --request-timeout."}
	anon := report.Control{ID: "4.2.1", Title: "Kubelet anonymous authentication is disabled", Section: "4.2", SectionTitle: "Kubelet", Benchmark: report.BenchmarkCIS112, Level: 1, Role: report.RoleWorker, Automated: true, Remediation: "Set authentication.anonymous.enabled: false in the kubelet config."}
	expiry := report.Control{ID: "KH-PKI-1", Title: "Certificates are not close to expiry", Section: "KH-PKI", Benchmark: report.BenchmarkHarden, Level: 1, Role: report.RoleControlPlane, Automated: true}
	r.AddTarget(report.TargetReport{
		Kind: report.TargetNode, Name: "cp-1", Roles: []report.Role{report.RoleControlPlane, report.RoleEtcd, report.RoleWorker},
		Notes: []string{"kubelet config: /var/lib/kubelet/config.yaml (from --config)"},
		Results: []report.Result{
			report.NewResult(manifest, "cp-1", report.Outcome{Status: report.StatusPass, Reason: "mode 0600 is within 0600", Evidence: []report.Observation{{Location: "/etc/kubernetes/manifests/kube-apiserver.yaml", Value: "0600 root:root (0:0)", Path: "/etc/kubernetes/manifests/kube-apiserver.yaml"}}}),
			report.NewResult(profiling, "cp-1", report.Outcome{Status: report.StatusFail, Reason: "--profiling is not set; the default is true", Evidence: []report.Observation{{Location: "kube-apiserver --profiling", Value: "<unset>"}}}),
			report.NewResult(timeout, "cp-1", report.Outcome{Status: report.StatusWarn, Reason: "review: --request-timeout uses the default 1m0s", Evidence: []report.Observation{{Location: "kube-apiserver --request-timeout", Value: "<unset> (default 1m0s)"}}}),
			report.NewResult(anon, "cp-1", report.Outcome{Status: report.StatusPass, Reason: "anonymous authentication is disabled", Evidence: []report.Observation{{Location: "/var/lib/kubelet/config.yaml authentication.anonymous.enabled", Value: "false", Path: "/var/lib/kubelet/config.yaml"}}}),
			report.NewResult(expiry, "cp-1", report.Outcome{Status: report.StatusInfo, Reason: "the nearest expiry is in 364 days"}),
		},
	})
	r.AddTarget(report.TargetReport{
		Kind: report.TargetNode, Name: "worker-1", Roles: []report.Role{report.RoleWorker},
		Results: []report.Result{
			report.NewResult(manifest, "worker-1", report.Outcome{Status: report.StatusNA, Reason: "kube-apiserver is not running on this node"}),
			report.NewResult(anon, "worker-1", report.Outcome{Status: report.StatusFail, Reason: "anonymous authentication is enabled by --anonymous-auth=true", Evidence: []report.Observation{{Location: "kubelet --anonymous-auth", Value: "true"}}}),
		},
	})
	r.AddTarget(report.TargetReport{
		Kind: report.TargetNode, Name: "worker-2", Error: "node/worker-2: debug pod did not start: image \"busybox\" could not be pulled",
		Results: []report.Result{
			report.NewResult(anon, "worker-2", report.Outcome{Status: report.StatusError, Reason: "node/worker-2: debug pod did not start: image \"busybox\" could not be pulled"}),
		},
	})
	return r
}
