package checks

import (
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// OpenShift config checks: settings of OpenShift's component config files
// (the KubeAPIServerConfig named by --openshift-config) that are fields of
// their own, not command-line flags (openshift/api kubecontrolplane/v1
// types.go: serviceAccountPublicKeyFiles, servingInfo.clientCA).

func init() {
	register(Check{
		ID:  "openshift.config-set",
		Doc: "a field of the config file named by the component's --openshift-config is set to a non-empty value (N/A where the component does not run; ERROR when the file was not collected)",
		Params: []ParamSpec{
			{Name: "component", Type: "string", Required: true, Enum: []string{string(evidence.APIServer), string(evidence.ControllerManager)}, Doc: "the process"},
			{Name: "key", Type: "string", Required: true, Doc: "dotted path of the field, e.g. servingInfo.clientCA"},
		},
		Eval: func(p Params, ev *evidence.Node) Outcome {
			return openshiftConfigSet(ev, evidence.Component(p.String("component")), p.String("key"))
		},
	})
}

// openshiftConfigSet decides whether key (dotted) is set, non-empty, in the
// --openshift-config file of component c.
func openshiftConfigSet(ev *evidence.Node, c evidence.Component, key string) Outcome {
	p, na := needProcess(ev, c)
	if na != nil {
		return *na
	}
	cf, ok := p.Flag("openshift-config")
	if !ok || cf == "" {
		return errorOutcome(fmt.Sprintf("%s has no --openshift-config: the OpenShift config field %s cannot be read", c, key),
			Observation{Location: string(c) + " --openshift-config", Value: "<unset>"})
	}
	loc := cf + " " + key
	text, collected := ev.Configs[cf]
	if !collected {
		return errorOutcome(fmt.Sprintf("the --openshift-config %s of %s was not collected: not evaluated", cf, c), Observation{Location: loc, Value: "<not collected>"})
	}
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return errorOutcome(fmt.Sprintf("the --openshift-config %s of %s could not be read: %v", cf, c, err), Observation{Location: loc, Value: "<unreadable>"})
	}
	v, found := lookup(doc, key)
	if !found || isEmptyValue(v) {
		return fail(fmt.Sprintf("%s is not set in %s", key, cf), Observation{Location: loc, Value: "<unset>"})
	}
	return pass(fmt.Sprintf("%s is set in %s", key, cf), Observation{Location: loc, Value: renderValue(v)})
}

func isEmptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}
