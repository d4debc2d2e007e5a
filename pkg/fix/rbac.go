package fix

import (
	"fmt"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// RBAC fixes are proposals only: the tool never changes who can do what.
// A finding's objects (bindings, roles) are listed with the command that
// would remove or reduce them, for their owner to review.

func rbacProposal(in Input) Fix {
	objs := failingObjects(in.Result)
	var cmds []string
	for _, o := range objs {
		switch o.Kind {
		case "clusterrolebinding", "rolebinding":
			cmds = append(cmds, "kubectl delete "+kubectlRef(o)+"   # once no subject of it needs the access")
		case "clusterrole", "role":
			cmds = append(cmds, "kubectl edit "+kubectlRef(o)+"   # reduce its rules to what its subjects need")
		case "serviceaccount":
			cmds = append(cmds, "kubectl patch "+kubectlRef(o)+" -p '{\"automountServiceAccountToken\": false}'   # if its pods do not call the API")
		}
	}
	why := "RBAC changes are never applied by the tool: who needs this access is the cluster owner's decision"
	if len(cmds) == 0 {
		return Fix{Disposition: Decision, Why: why}
	}
	return Fix{Disposition: Decision, Why: why, Suggested: strings.Join(cmds, "; ")}
}

// kubectlRef renders an object as kubectl arguments.
func kubectlRef(o report.ObjectRef) string {
	if o.Namespace == "" {
		return fmt.Sprintf("%s %s", o.Kind, o.Name)
	}
	return fmt.Sprintf("-n %s %s %s", o.Namespace, o.Kind, o.Name)
}

func init() {
	for _, check := range []string{
		"rbac.cluster-admin-bindings", "rbac.system-masters-bindings", "rbac.wildcard-roles", "rbac.secret-read-access",
		"rbac.pod-create-access", "rbac.bind-escalate-impersonate", "rbac.service-account-token-create-access",
		"rbac.persistent-volume-create-access", "rbac.node-proxy-access", "rbac.webhook-configuration-access",
		"rbac.csr-approval-access", "rbac.default-service-account-automount", "rbac.unneeded-token-mounts",
	} {
		register(check, rbacProposal)
	}
}
