package workloads

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/policy"
)

// PSS check IDs of k8s.io/pod-security-admission/policy used by the
// controls. Each CIS control names the ones it maps to.
const (
	pssPrivileged         = "privileged"
	pssHostNamespaces     = "hostNamespaces"
	pssAllowPrivEsc       = "allowPrivilegeEscalation"
	pssRunAsNonRoot       = "runAsNonRoot"
	pssRunAsUser          = "runAsUser"
	pssCapsBaseline       = "capabilities_baseline"
	pssCapsRestricted     = "capabilities_restricted"
	pssWindowsHostProcess = "windowsHostProcess"
	pssHostPathVolumes    = "hostPathVolumes"
	pssHostPorts          = "hostPorts"
	pssSeccompBaseline    = "seccompProfile_baseline"
	pssSeccompRestricted  = "seccompProfile_restricted"
)

// pssChecks are the registered default checks of the Pod Security
// Standards, each at its newest version (what a "latest" label evaluates).
var pssChecks = func() map[string]policy.CheckPodFn {
	out := map[string]policy.CheckPodFn{}
	for _, c := range policy.DefaultChecks() {
		if len(c.Versions) == 0 {
			continue
		}
		out[string(c.ID)] = c.Versions[len(c.Versions)-1].CheckPod
	}
	return out
}()

// runPSS evaluates one PSS check on a workload's pod template. It panics on
// an unknown check ID: the IDs are constants of this package, and a test
// asserts that every one is registered.
func runPSS(id string, w *Workload) policy.CheckResult {
	fn, ok := pssChecks[id]
	if !ok {
		panic(fmt.Sprintf("pod-security-admission has no check %q", id))
	}
	return fn(&metav1.ObjectMeta{Annotations: w.Annotations}, &w.Spec)
}

// pssValue renders a fired check for evidence.
func pssValue(id string, r policy.CheckResult) string {
	if r.ForbiddenDetail == "" {
		return fmt.Sprintf("PSS %s: %s", id, r.ForbiddenReason)
	}
	return fmt.Sprintf("PSS %s: %s: %s", id, r.ForbiddenReason, r.ForbiddenDetail)
}
